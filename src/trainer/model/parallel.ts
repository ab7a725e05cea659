/**
 * Data-parallel training on a second core, for Mult-VAE and SVAE. The wasm backend is
 * single-threaded under Node, so one worker thread with its own tfjs + wasm instance computes the
 * gradient of part of each batch while the main thread does the rest; then each thread runs Adam
 * over half of the parameters. Parameters, moments and both gradient buffers are SharedArrayBuffers; a small
 * control buffer with Atomics.wait/notify makes the exchange synchronous, because
 * Recommender.trainStep is synchronous.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AdamBuffers, AdamConfig } from './adam';
import { LossParts } from './network';
import { Dims } from './params';
import { SvaeTrainOptions } from './svaeNetwork';
import { RecVaeDims } from './recvaeParams';
import { SvaeDims } from './svaeParams';
import { SparseBatch } from './types';

export interface SharedBuffers {
  params: SharedArrayBuffer;
  m: SharedArrayBuffer;
  v: SharedArrayBuffer;
  /** The main thread's gradient (for its share of the batch). */
  gradsMain: SharedArrayBuffer;
  /** The worker's gradient (for its share). */
  gradsWorker: SharedArrayBuffer;
}

/** The model whose gradients the worker computes (its parameter layout follows from the dims). */
export type WorkerModel = { kind: 'multvae'; dims: Dims } | { kind: 'svae'; dims: SvaeDims } | { kind: 'recvaeNet'; dims: RecVaeDims };

export interface WorkerInit {
  backend: string;
  model: WorkerModel;
  buffers: SharedBuffers;
  control: SharedArrayBuffer;
}

export type WorkerJob =
  | { kind: 'multvaeGrad'; batch: SparseBatch; keep: Uint8Array; eps: Float32Array | null; dropout: number; beta: number; meanOver: number }
  | { kind: 'svaeGrad'; batch: SparseBatch; eps: Float32Array; opts: SvaeTrainOptions }
  /** RecVAE's encoder step (dropout flags per nonzero) or decoder step (keep null) on the worker's share. */
  | { kind: 'recvaeGrad'; batch: SparseBatch; keep: Uint8Array | null; eps: Float32Array; dropout: number; gamma: number; meanOver: number }
  /** Mult-VAE's Adam (l2 on weights) over [from, to). */
  | { kind: 'adam'; adam: AdamConfig; t: number; l2: number; from: number; to: number }
  /** SVAE's Adam (PyTorch weight decay on every parameter) over [from, to). */
  | { kind: 'adamDecay'; adam: AdamConfig; t: number; decay: number; from: number; to: number };

const BUSY = 0;
const DONE = 1;
const FAILED = 2;
const MESSAGE_BYTES = 2048;
/** A step's share takes seconds at most (SVAE with large batches); this only catches a worker that hangs. */
const WAIT_LIMIT_MS = 120_000;

/** Status word, two result numbers and an error message, shared by the two threads. */
export class Control {
  private readonly status: Int32Array;
  private readonly results: Float64Array;
  private readonly message: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8 + 16 + MESSAGE_BYTES)) {
    this.status = new Int32Array(buffer, 0, 1);
    this.results = new Float64Array(buffer, 8, 2);
    this.message = new Uint8Array(buffer, 24, MESSAGE_BYTES);
  }

  begin(): void {
    Atomics.store(this.status, 0, BUSY);
  }

  done(parts: LossParts = { nll: 0, kl: 0 }): void {
    this.results[0] = parts.nll;
    this.results[1] = parts.kl;
    Atomics.store(this.status, 0, DONE);
    Atomics.notify(this.status, 0);
  }

  /** Records the first failure; later ones (a worker's exit after its error) keep it. */
  fail(err: unknown): void {
    if (Atomics.load(this.status, 0) === FAILED) return;
    const text = new TextEncoder().encode(err instanceof Error ? err.message : String(err)).subarray(0, MESSAGE_BYTES - 1);
    this.message.fill(0);
    this.message.set(text);
    Atomics.store(this.status, 0, FAILED);
    Atomics.notify(this.status, 0);
  }

  /** Blocks until the other side reports; returns its results or throws its error. */
  wait(): LossParts {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    while (Atomics.load(this.status, 0) === BUSY) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('gradient worker did not answer (it may have crashed)');
      Atomics.wait(this.status, 0, BUSY, left);
    }
    this.throwIfFailed();
    return { nll: this.results[0], kl: this.results[1] };
  }

  throwIfFailed(): void {
    if (Atomics.load(this.status, 0) !== FAILED) return;
    const end = this.message.indexOf(0);
    // TextDecoder refuses views of shared memory: copy the bytes out first.
    throw new Error(`gradient worker: ${new TextDecoder().decode(this.message.slice(0, end < 0 ? MESSAGE_BYTES : end))}`);
  }
}

/**
 * The worker's script: gradWorker.js next to the bundle (dist/, which build.mjs emits from
 * entry/gradWorker.ts), else entry/gradWorker.ts through tsx when running from source.
 */
function workerScript(): { code: string; evaluate: boolean } | null {
  const js = path.join(__dirname, 'gradWorker.js');
  if (existsSync(js)) return { code: js, evaluate: false };
  const ts = path.join(__dirname, '../entry/gradWorker.ts');
  if (!existsSync(ts)) return null;
  // Worker threads refuse .ts entry files even under tsx, so register tsx's require hook in the worker first.
  let tsx: string;
  try {
    tsx = createRequire(__filename).resolve('tsx/cjs');
  } catch {
    return null;
  }
  return { code: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(ts)});`, evaluate: true };
}

export class GradientWorker {
  private disposed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly control: Control,
  ) {}

  /**
   * Starts the worker and waits until its backend is up (a fraction of a second). Null when its
   * script cannot be found or it fails to start, with the reason as a process warning (the
   * trainer's stderr): the caller then trains on one thread and records that.
   */
  static start(init: Omit<WorkerInit, 'control'>): GradientWorker | null {
    const script = workerScript();
    if (script === null) return null;
    const control = new Control();
    control.begin();
    const worker = new Worker(script.code, { eval: script.evaluate, workerData: { ...init, control: control.buffer } satisfies WorkerInit });
    const gw = new GradientWorker(worker, control);
    // Errors and an unexpected exit are reported through the control buffer, so a wait ends at once.
    worker.on('error', (err) => control.fail(err));
    worker.on('exit', (code) => gw.disposed || control.fail(new Error(`exited (code ${code})`)));
    // An idle worker must not keep the process alive if the owner forgets dispose().
    worker.unref();
    try {
      control.wait();
    } catch (err) {
      gw.dispose();
      process.emitWarning(`training on one thread: ${(err as Error).message}`);
      return null;
    }
    return gw;
  }

  /**
   * Runs `job` on the worker while `mine` runs here, and returns both results. The worker's result
   * is collected even when `mine` throws, so no job is left in flight; that error is the one thrown.
   */
  alongside<T>(job: WorkerJob, mine: () => T): { mine: T; theirs: LossParts } {
    this.control.throwIfFailed();
    this.control.begin();
    this.worker.postMessage(job);
    let own: T;
    try {
      own = mine();
    } catch (err) {
      try {
        this.control.wait();
      } catch {
        // The main thread's error explains the step; the worker's may only be a consequence.
      }
      throw err;
    }
    return { mine: own, theirs: this.control.wait() };
  }

  dispose(): void {
    this.disposed = true;
    void this.worker.terminate();
  }
}

/**
 * A model's flat training buffers (parameters, Adam moments, the main thread's gradient) and, on
 * two threads, the worker sharing them with its own gradient buffer. Without a worker (one thread
 * asked for, or it could not start) the buffers are plain.
 */
export class TrainingBuffers {
  private constructor(
    readonly adam: AdamBuffers,
    /** The main thread's gradient (the whole step's when single-threaded). */
    readonly grads: Float32Array,
    private readonly workerGrads: Float32Array | null,
    readonly worker: GradientWorker | null,
  ) {}

  /** `init` fills the parameters before a worker can see them. */
  static create(n: number, threads: 1 | 2, backend: string, model: WorkerModel, init: (params: Float32Array) => void): TrainingBuffers {
    const shared = threads > 1;
    const floats = () => new Float32Array(shared ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n));
    const adam = { params: floats(), m: floats(), v: floats() };
    const grads = floats();
    init(adam.params);
    if (!shared) return new TrainingBuffers(adam, grads, null, null);
    const workerGrads = floats();
    const asShared = (a: Float32Array) => a.buffer as SharedArrayBuffer;
    const worker = GradientWorker.start({
      backend,
      model,
      buffers: { params: asShared(adam.params), m: asShared(adam.m), v: asShared(adam.v), gradsMain: asShared(grads), gradsWorker: asShared(workerGrads) },
    });
    return worker === null ? new TrainingBuffers(adam, grads, null, null) : new TrainingBuffers(adam, grads, workerGrads, worker);
  }

  get threads(): 1 | 2 {
    return this.worker === null ? 1 : 2;
  }

  /** Before a step the main thread computes alone: the worker's part of the summed gradient is zero. */
  clearWorkerGradient(): void {
    this.workerGrads?.fill(0);
  }

  /**
   * One optimiser update over all parameters, of the summed gradients: `update(grads, from, to)` on
   * this thread; on two threads over the first half only, while the worker runs `job(from, to)` on
   * the second.
   */
  updateInHalves(
    job: (from: number, to: number) => WorkerJob,
    update: (grads: Float32Array[], from: number, to: number) => void,
    /** The parameters [start, end) to update (RecVAE's encoder or decoder block); all by default. */
    start = 0,
    end = this.grads.length,
  ): void {
    if (this.worker === null || this.workerGrads === null) {
      update([this.grads], start, end);
      return;
    }
    const split = (start + end) >> 1;
    const grads = [this.grads, this.workerGrads];
    this.worker.alongside(job(split, end), () => update(grads, start, split));
  }

  dispose(): void {
    this.worker?.dispose();
  }
}
