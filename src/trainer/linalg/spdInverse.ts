/**
 * The inverse of a symmetric positive definite matrix in float64, written by us because
 * TensorFlow.js has no inverse, Cholesky or solve (tfjs #8173) and its products are float32: the
 * blocked sweep of symmetricSweep.ts, its tile loops in WebAssembly SIMD (wasmKernel.ts) or, where
 * the matrix does not fit in 4 GiB, in JavaScript; on one thread or split over two (a helper thread
 * takes about half of every block step's rows; both share the matrix). EASE inverts X^T X + lambda I
 * with it.
 */
import { HelperThread, type HelperNames } from '../helperThread';
import { BlockStep, SweepBuffers, TILE, TileKernel, balancedSplit, finishBlock, gatherBlock, jsKernel, negateAndMirror, updateRows } from './symmetricSweep';
import { WasmLayout, newMemory, sweepModule, wasmBuffers, wasmKernel, wasmLayout } from './wasmKernel';

/** A block step's rows for the helper thread. */
export interface InverseJob extends BlockStep {
  from: number;
  to: number;
}

/** What the helper thread is started with (plus its status buffer): the same buffers, and the same kernel. */
export type InverseWorkerData =
  | { kernel: 'wasm'; module: WebAssembly.Module; memory: WebAssembly.Memory; layout: WasmLayout; stride: number; block: number }
  | { kernel: 'js'; a: SharedArrayBuffer; u: SharedArrayBuffer; w: SharedArrayBuffer; d: SharedArrayBuffer; stride: number; block: number };

export const INVERSE_WORKER: HelperNames = { script: 'inverseWorker', label: 'inverse helper thread', fallback: 'inverting on one thread' };

/** Pivots per block: large enough that the update dominates each step, small enough for the panels to stay in cache. */
export const DEFAULT_BLOCK = 64;

export type KernelChoice = 'wasm' | 'js';

export interface InverseOptions {
  /** Checked between block steps; the inversion then stops with the signal's reason. */
  signal?: AbortSignal;
  /** After each block step. */
  onStep?(done: number, total: number): void;
}

/** The buffers and kernel a thread works with, from what the inverter shares. */
export function threadSide(data: InverseWorkerData): { buf: SweepBuffers; kernel: TileKernel } {
  if (data.kernel === 'wasm') {
    const buf = wasmBuffers(data.memory, data.layout, data.stride, data.block);
    return { buf, kernel: wasmKernel(data.module, data.memory, data.layout, data.stride) };
  }
  const buf: SweepBuffers = {
    a: new Float64Array(data.a),
    stride: data.stride,
    block: data.block,
    u: new Float64Array(data.u),
    w: new Float64Array(data.w),
    d: new Float64Array(data.d),
  };
  return { buf, kernel: jsKernel(buf) };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SpdInverter {
  private constructor(
    readonly n: number,
    readonly kernelName: KernelChoice,
    private readonly buf: SweepBuffers,
    private readonly kernel: TileKernel,
    private readonly helper: HelperThread<InverseJob> | null,
  ) {}

  /**
   * Buffers for an n x n matrix (about 8 n^2 bytes). threads 2 starts the helper thread; if it
   * cannot start, the inverter works on one (`threads` says which). The kernel is WebAssembly's
   * unless the matrix needs more than 4 GiB, the module cannot be had, or `kernel` says 'js'.
   */
  static async create(n: number, options: { threads?: 1 | 2; block?: number; kernel?: KernelChoice } = {}): Promise<SpdInverter> {
    if (!Number.isInteger(n) || n < 1) throw new Error(`SpdInverter: size must be a positive integer (got ${n})`);
    const block = options.block ?? DEFAULT_BLOCK;
    if (!Number.isInteger(block) || block < TILE || block % TILE !== 0)
      throw new Error(`SpdInverter: block must be a positive multiple of ${TILE} (got ${block})`);
    const stride = Math.ceil(n / TILE) * TILE;
    const threads = options.threads ?? 1;
    const layout = options.kernel === 'js' ? null : wasmLayout(stride, block);
    const module = layout ? await sweepModule() : null;
    let data: InverseWorkerData;
    if (layout && module) data = { kernel: 'wasm', module, memory: newMemory(layout), layout, stride, block };
    else {
      const bytes = (floats: number) => (threads > 1 ? new SharedArrayBuffer(8 * floats) : new ArrayBuffer(8 * floats)) as SharedArrayBuffer;
      data = { kernel: 'js', a: bytes(stride * stride), u: bytes(stride * block), w: bytes(stride * block), d: bytes(block * block), stride, block };
    }
    const { buf, kernel } = threadSide(data);
    const helper = threads > 1 ? HelperThread.start<InverseJob>(INVERSE_WORKER, data) : null;
    return new SpdInverter(n, data.kernel, buf, kernel, helper);
  }

  get threads(): 1 | 2 {
    return this.helper === null ? 1 : 2;
  }

  /** Row length of `matrix`. */
  get stride(): number {
    return this.buf.stride;
  }

  /**
   * The working matrix, row-major with row length `stride`. Fill the lower triangle (j <= i < n)
   * before invert(); afterwards rows and columns below n hold the whole symmetric inverse.
   */
  get matrix(): Float64Array {
    return this.buf.a;
  }

  /** Replaces the matrix by its inverse. Throws NotPositiveDefiniteError (symmetricSweep.ts) if it has none of this kind. */
  async invert(options: InverseOptions = {}): Promise<void> {
    const { a, stride, block } = this.buf;
    // Rows past n: the identity, which the sweep leaves as it is.
    for (let i = this.n; i < stride; i++) {
      a.fill(0, i * stride, i * stride + i);
      a[i * stride + i] = 1;
    }
    const steps = Math.ceil(stride / block);
    for (let k = 0; k < steps; k++) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('cancelled');
      const step: BlockStep = { k0: k * block, k1: Math.min(stride, (k + 1) * block) };
      this.sweep(step);
      options.onStep?.(k + 1, steps);
      await yieldToEventLoop();
    }
    negateAndMirror(a, stride, this.n);
  }

  private sweep(step: BlockStep): void {
    gatherBlock(this.buf, step);
    const tiles = this.buf.stride / TILE;
    if (this.helper === null) updateRows(this.buf, this.kernel, step, 0, tiles);
    else {
      const split = balancedSplit(this.buf, step);
      this.helper.alongside({ ...step, from: split, to: tiles }, () => updateRows(this.buf, this.kernel, step, 0, split));
    }
    finishBlock(this.buf, step);
  }

  dispose(): void {
    this.helper?.dispose();
  }
}
