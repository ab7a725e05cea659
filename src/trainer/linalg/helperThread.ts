/**
 * A second thread for plain-JavaScript numerics (no TensorFlow.js): it shares the caller's
 * SharedArrayBuffers and runs one job at a time while the caller does its own part, and the caller
 * blocks in Atomics.wait until it reports, so a step stays a synchronous call. Errors and an
 * unexpected exit come back through the shared status word, so a wait never outlives the thread.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

const BUSY = 0;
const DONE = 1;
const FAILED = 2;
const MESSAGE_BYTES = 1024;
/** A job takes a fraction of a second; this only catches a thread that hangs. */
const WAIT_LIMIT_MS = 120_000;

/** The status word and an error message, shared by the two threads. */
export class HelperStatus {
  private readonly status: Int32Array;
  private readonly message: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8 + MESSAGE_BYTES)) {
    this.status = new Int32Array(buffer, 0, 1);
    this.message = new Uint8Array(buffer, 8, MESSAGE_BYTES);
  }

  begin(): void {
    Atomics.store(this.status, 0, BUSY);
  }

  done(): void {
    Atomics.store(this.status, 0, DONE);
    Atomics.notify(this.status, 0);
  }

  /** Records the first failure; later ones (the exit after an error) keep it. */
  fail(err: unknown): void {
    if (Atomics.load(this.status, 0) === FAILED) return;
    const text = new TextEncoder().encode(err instanceof Error ? err.message : String(err)).subarray(0, MESSAGE_BYTES - 1);
    this.message.fill(0);
    this.message.set(text);
    Atomics.store(this.status, 0, FAILED);
    Atomics.notify(this.status, 0);
  }

  wait(): void {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    while (Atomics.load(this.status, 0) === BUSY) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('the helper thread did not answer (it may have crashed)');
      Atomics.wait(this.status, 0, BUSY, left);
    }
    this.throwIfFailed();
  }

  throwIfFailed(): void {
    if (Atomics.load(this.status, 0) !== FAILED) return;
    const end = this.message.indexOf(0);
    // TextDecoder refuses views of shared memory: copy the bytes out first.
    throw new Error(`helper thread: ${new TextDecoder().decode(this.message.slice(0, end < 0 ? MESSAGE_BYTES : end))}`);
  }
}

/** `name`.js next to the bundle (dist/), else entry/`name`.ts through tsx when running from source. */
function script(name: string): { code: string; evaluate: boolean } | null {
  const js = path.join(__dirname, `${name}.js`);
  if (existsSync(js)) return { code: js, evaluate: false };
  const ts = path.join(__dirname, '../entry', `${name}.ts`);
  if (!existsSync(ts)) return null;
  let tsx: string;
  try {
    tsx = createRequire(__filename).resolve('tsx/cjs');
  } catch {
    return null;
  }
  // Worker threads refuse .ts entry files even under tsx: register tsx's require hook first.
  return { code: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(ts)});`, evaluate: true };
}

export class HelperThread<Job> {
  private disposed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly status: HelperStatus,
  ) {}

  /**
   * Starts script `name` with `data` (plus the status buffer as `status`) and waits for its ready
   * report. Null, with the reason as a process warning, when it cannot start: the caller then works alone.
   */
  static start<Job>(name: string, data: Record<string, unknown>): HelperThread<Job> | null {
    const s = script(name);
    if (s === null) return null;
    const status = new HelperStatus();
    status.begin();
    const worker = new Worker(s.code, { eval: s.evaluate, workerData: { ...data, status: status.buffer } });
    const helper = new HelperThread<Job>(worker, status);
    worker.on('error', (err) => status.fail(err));
    worker.on('exit', (code) => helper.disposed || status.fail(new Error(`exited (code ${code})`)));
    worker.unref();
    try {
      status.wait();
    } catch (err) {
      helper.dispose();
      process.emitWarning(`working on one thread: ${(err as Error).message}`);
      return null;
    }
    return helper;
  }

  /** Runs `job` there while `mine` runs here; the thread's report is collected even when `mine` throws. */
  alongside<T>(job: Job, mine: () => T): T {
    this.status.throwIfFailed();
    this.status.begin();
    this.worker.postMessage(job);
    let own: T;
    try {
      own = mine();
    } catch (err) {
      try {
        this.status.wait();
      } catch {
        // this thread's error explains the step
      }
      throw err;
    }
    this.status.wait();
    return own;
  }

  dispose(): void {
    this.disposed = true;
    void this.worker.terminate();
  }
}

/** The worker side: reports ready (or the start-up error), then runs each job and reports it. */
export function serveJobs<Job>(
  port: { on(event: 'message', f: (job: Job) => void): void },
  statusBuffer: SharedArrayBuffer,
  setup: () => (job: Job) => void,
): void {
  const status = new HelperStatus(statusBuffer);
  let run: (job: Job) => void;
  try {
    run = setup();
  } catch (err) {
    status.fail(err);
    return;
  }
  port.on('message', (job) => {
    try {
      run(job);
      status.done();
    } catch (err) {
      status.fail(err);
    }
  });
  status.done();
}
