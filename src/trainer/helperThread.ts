/**
 * A second thread for the trainer's numerics (Mult-VAE's, SVAE's and RecVAE's gradient worker, the
 * EASE inverse's helper): it shares the caller's SharedArrayBuffers and runs one job at a time while
 * the caller does its own part, and the caller blocks in Atomics.wait until it reports, so a step
 * stays a synchronous call. Errors and an unexpected exit come back through the shared status word,
 * so a wait never outlives the thread.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

const BUSY = 0;
const DONE = 1;
const FAILED = 2;
const MESSAGE_BYTES = 2048;
/** A job takes seconds at most (SVAE with large batches); this only catches a thread that hangs. */
const WAIT_LIMIT_MS = 120_000;

/** Two numbers a job may return (a gradient job's loss parts). */
export type JobResult = [number, number];

/** The status word, a job's two result numbers and an error message, shared by the two threads. */
export class HelperStatus {
  private readonly status: Int32Array;
  private readonly results: Float64Array;
  private readonly message: Uint8Array;

  constructor(
    /** Names the thread in its errors ("gradient worker: ..."). */
    private readonly label: string,
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8 + 16 + MESSAGE_BYTES),
  ) {
    this.status = new Int32Array(buffer, 0, 1);
    this.results = new Float64Array(buffer, 8, 2);
    this.message = new Uint8Array(buffer, 24, MESSAGE_BYTES);
  }

  begin(): void {
    Atomics.store(this.status, 0, BUSY);
  }

  done(result: JobResult = [0, 0]): void {
    this.results.set(result);
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

  /** Blocks until the other side reports; returns its result or throws its error. */
  wait(): JobResult {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    while (Atomics.load(this.status, 0) === BUSY) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label} did not answer (it may have crashed)`);
      Atomics.wait(this.status, 0, BUSY, left);
    }
    this.throwIfFailed();
    return [this.results[0], this.results[1]];
  }

  throwIfFailed(): void {
    if (Atomics.load(this.status, 0) !== FAILED) return;
    const end = this.message.indexOf(0);
    // TextDecoder refuses views of shared memory: copy the bytes out first.
    throw new Error(`${this.label}: ${new TextDecoder().decode(this.message.slice(0, end < 0 ? MESSAGE_BYTES : end))}`);
  }
}

/** `name`.js next to the bundle (dist/), else entry/`name`.ts through tsx when running from source. */
function script(name: string): { code: string; evaluate: boolean } | null {
  const js = path.join(__dirname, `${name}.js`);
  if (existsSync(js)) return { code: js, evaluate: false };
  const ts = path.join(__dirname, 'entry', `${name}.ts`);
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

export interface HelperNames {
  /** The entry script (src/trainer/entry/<script>.ts, dist/<script>.js). */
  script: string;
  /** The thread in errors: "gradient worker". */
  label: string;
  /** The warning when it cannot start: "training on one thread". */
  fallback: string;
}

export class HelperThread<Job> {
  private disposed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly status: HelperStatus,
  ) {}

  /**
   * Starts the script with `data` (plus the status buffer as `status`) and waits for its ready
   * report. Null, with the reason as a process warning (the trainer's stderr), when it cannot start:
   * the caller then works alone and records that.
   */
  static start<Job>(names: HelperNames, data: object): HelperThread<Job> | null {
    const s = script(names.script);
    if (s === null) return null;
    const status = new HelperStatus(names.label);
    status.begin();
    const worker = new Worker(s.code, { eval: s.evaluate, workerData: { ...data, status: status.buffer } });
    const helper = new HelperThread<Job>(worker, status);
    worker.on('error', (err) => status.fail(err));
    worker.on('exit', (code) => helper.disposed || status.fail(new Error(`exited (code ${code})`)));
    // An idle thread must not keep the process alive if the owner forgets dispose().
    worker.unref();
    try {
      status.wait();
    } catch (err) {
      helper.dispose();
      process.emitWarning(`${names.fallback}: ${(err as Error).message}`);
      return null;
    }
    return helper;
  }

  /**
   * Runs `job` there while `mine` runs here, and returns both results. The thread's report is
   * collected even when `mine` throws, so no job is left in flight; that error is the one thrown.
   */
  alongside<T>(job: Job, mine: () => T): { mine: T; theirs: JobResult } {
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
        // This thread's error explains the step; the helper's may only be a consequence.
      }
      throw err;
    }
    return { mine: own, theirs: this.status.wait() };
  }

  dispose(): void {
    this.disposed = true;
    void this.worker.terminate();
  }
}

/**
 * The thread's side: reports ready (or the start-up error), then runs each job and reports it.
 * Every failure goes through the status buffer: the owner waits in Atomics.wait, so it would not see
 * a worker 'error' event until its wait timed out.
 */
export async function serveJobs<Job>(
  port: { on(event: 'message', f: (job: Job) => void): void } | null,
  statusBuffer: SharedArrayBuffer,
  label: string,
  setup: () => ((job: Job) => JobResult | void) | Promise<(job: Job) => JobResult | void>,
): Promise<void> {
  const status = new HelperStatus(label, statusBuffer);
  let run: (job: Job) => JobResult | void;
  try {
    if (port === null) throw new Error('must run in a worker thread');
    run = await setup();
  } catch (err) {
    status.fail(err);
    return;
  }
  port.on('message', (job) => {
    try {
      status.done(run(job) ?? undefined);
    } catch (err) {
      status.fail(err);
    }
  });
  status.done();
}
