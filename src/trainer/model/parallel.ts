/**
 * Data-parallel training on a second core, for Mult-VAE and SVAE. The wasm backend is
 * single-threaded under Node, so one worker thread with its own tfjs + wasm instance computes the
 * gradient of part of each batch while the main thread does the rest; then each thread runs Adam
 * over half of the parameters. Parameters, moments and both gradient buffers are SharedArrayBuffers; a small
 * status buffer with Atomics.wait/notify (helperThread.ts) makes the exchange synchronous, because
 * Recommender.trainStep is synchronous.
 */
import { HelperThread, type HelperNames } from '../helperThread';
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
  /** The helper thread's status buffer (helperThread.ts). */
  status: SharedArrayBuffer;
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

/** Its errors say "gradient worker: ..."; when it cannot start, the model trains alone. */
export const GRADIENT_WORKER: HelperNames = { script: 'gradWorker', label: 'gradient worker', fallback: 'training on one thread' };

/** The worker computing part of each step's gradient (entry/gradWorker.ts). */
export class GradientWorker {
  private constructor(private readonly thread: HelperThread<WorkerJob>) {}

  /**
   * Starts the worker and waits until its backend is up (a fraction of a second). Null when its
   * script cannot be found or it fails to start, with the reason as a process warning.
   */
  static start(init: Omit<WorkerInit, 'status'>): GradientWorker | null {
    const thread = HelperThread.start<WorkerJob>(GRADIENT_WORKER, init);
    return thread && new GradientWorker(thread);
  }

  /** Runs `job` on the worker while `mine` runs here (see HelperThread.alongside). */
  alongside<T>(job: WorkerJob, mine: () => T): { mine: T; theirs: LossParts } {
    const { mine: own, theirs } = this.thread.alongside(job, mine);
    return { mine: own, theirs: { nll: theirs[0], kl: theirs[1] } };
  }

  dispose(): void {
    this.thread.dispose();
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
