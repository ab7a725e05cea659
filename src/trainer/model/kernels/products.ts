/**
 * Matrix products on the TensorFlow.js backend for the hand-written passes of every model. On wasm
 * they run in XNNPACK (single-threaded under Node), and three of its ways decide their form:
 *
 * - Only a plain product A B is fast. A transposed operand (what autodiff emits) falls back to a
 *   naive loop about 10x slower, so transposes are explicit (tf.transpose: about 1 ns a value).
 * - B is packed before the product runs, a few ns a value (more when B has thousands of rows), and
 *   the packed copy is cached on B's tensor: a weight is uploaded once per pass (Uploads) and
 *   packed once however many chunks or time steps use it.
 * - The product sweeps the whole packed B once for every few rows of A. A B that fits in a core's
 *   L2 cache is swept from there; a larger one comes from L3 or memory each time, which the two
 *   training threads then share.
 *
 * Hence the packing rule: each product packs the operand that fits in L2 when only one does, else
 * the one that costs less to pack, and computes the transposed product when that is what it takes
 * (productAtB, productABt, productTensor). Results are read out of the wasm heap in place
 * (wasmHeap.ts), never through dataSync, which copies into a fresh buffer whose page faults cost
 * more than the copy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { addOrSet } from './elementwise';
import { readInto, tensorData } from './wasmHeap';

/**
 * A matrix on the backend whose transpose, the first time a product asks for it, is computed and
 * kept with it: the two backward products of a layer may both need it.
 */
export class BackendMatrix {
  private t: tf.Tensor2D | null = null;

  constructor(readonly tensor: tf.Tensor2D) {}

  transposed(): tf.Tensor2D {
    this.t ??= tf.keep(tf.transpose(this.tensor));
    return this.t;
  }

  dispose(): void {
    this.tensor.dispose();
    this.t?.dispose();
  }
}

/** A rows x cols matrix: values in JS (uploaded for the product) or a matrix already on the backend. */
export type Operand = Float32Array | BackendMatrix;

/** The operand as a tensor; an upload is made inside the caller's tidy scope, which frees it. */
function tensorOf(x: Operand, rows: number, cols: number): tf.Tensor2D {
  return x instanceof Float32Array ? tf.tensor2d(x, [rows, cols]) : x.tensor;
}

/** The operand's transpose (cols x rows), inside the caller's tidy scope. */
function transposeOf(x: Operand, rows: number, cols: number): tf.Tensor2D {
  return x instanceof Float32Array ? tf.transpose(tf.tensor2d(x, [rows, cols])) : x.transposed();
}

/**
 * The weights of one pass as backend tensors, each uploaded once (keyed by its parameter view), with
 * the transposed copies the backward products ask for. The parameters must not change during the
 * pass; dispose() at its end.
 */
export class Uploads {
  private readonly all: tf.Tensor[] = [];
  private readonly matrices = new Map<Float32Array, tf.Tensor2D>();
  private readonly vectors = new Map<Float32Array, tf.Tensor1D>();
  private readonly transposes = new Map<tf.Tensor2D, tf.Tensor2D>();

  matrix(values: Float32Array, rows: number, cols: number): tf.Tensor2D {
    let t = this.matrices.get(values);
    if (!t) {
      t = this.keep(tf.tensor2d(values, [rows, cols]));
      this.matrices.set(values, t);
    }
    return t;
  }

  vector(values: Float32Array): tf.Tensor1D {
    let t = this.vectors.get(values);
    if (!t) {
      t = this.keep(tf.tensor1d(values));
      this.vectors.set(values, t);
    }
    return t;
  }

  transposed(m: tf.Tensor2D): tf.Tensor2D {
    let t = this.transposes.get(m);
    if (!t) {
      t = this.keep(tf.transpose(m));
      this.transposes.set(m, t);
    }
    return t;
  }

  dispose(): void {
    tf.dispose(this.all);
  }

  /** Kept past any tf.tidy the caller is in, until dispose(). */
  private keep<T extends tf.Tensor>(t: T): T {
    this.all.push(tf.keep(t));
    return t;
  }
}

/** Floats of a packed operand that stay in a core's L2 cache (1 MB here) while the product sweeps them. */
const L2_FLOATS = 256 * 1024;

/** out (rows x w.shape[1]) = a W (+ bias) for a (rows x w.shape[0]), W a weight packed once per pass. */
export function product(a: Operand, rows: number, w: tf.Tensor2D, bias: tf.Tensor1D | null, out: Float32Array): Float32Array {
  const r = tf.tidy(() => {
    const at = tensorOf(a, rows, w.shape[0]);
    return bias ? tf.fused.matMul({ a: at, b: w, bias }) : tf.matMul(at, w);
  });
  return readInto(r, out);
}

/**
 * a W as a tensor (rows x n) for a (rows x k) and a weight W (k x n), inside the caller's tf.tidy.
 * When W is too large for L2 and a^T fits, it packs a^T in (W^T a^T)^T, W^T transposed once per
 * pass: Mult-VAE's logits (250 rows against 601 x 3,497 weights). Otherwise W, which the chunks of
 * a pass share (SVAE's 2,048-row chunks).
 */
export function productTensor(a: Operand, rows: number, w: tf.Tensor2D, up: Uploads): tf.Tensor2D {
  const [k, n] = w.shape;
  if (k * n > L2_FLOATS && k * rows <= L2_FLOATS) return tf.transpose(tf.matMul<tf.Tensor2D>(up.transposed(w), transposeOf(a, rows, k)));
  return tf.matMul<tf.Tensor2D>(tensorOf(a, rows, k), w);
}

/**
 * Whether a^T b (a rows x ka, b rows x kb) should pack a, computing (b^T a)^T: when a is the
 * narrower and b is too large for L2, or packing a saves more values (rows x (kb - ka)) than the
 * transposed result costs (ka x kb, about as dear a value). Mult-VAE's and SVAE's output layers
 * (a the decoder output with its ones column, 601 or 152 wide; b the probabilities) pack a.
 */
export function packsA(rows: number, ka: number, kb: number): boolean {
  return kb > ka && (rows * kb > L2_FLOATS || rows * (kb - ka) > ka * kb);
}

/**
 * out (ka x kb) = a^T b for a (rows x ka), b (rows x kb): a weight gradient, a the layer's input
 * and b the gradient at its output. With accumulate, out += a^T b.
 */
export function productAtB(a: Operand, b: Operand, rows: number, ka: number, kb: number, out: Float32Array, accumulate = false): Float32Array {
  const r = tf.tidy(() =>
    packsA(rows, ka, kb)
      ? tf.transpose(tf.matMul(transposeOf(b, rows, kb), tensorOf(a, rows, ka)))
      : tf.matMul(transposeOf(a, rows, ka), tensorOf(b, rows, kb)),
  );
  addOrSet(tensorData(r).data, out, accumulate);
  r.dispose();
  return out;
}

/**
 * out (rows x n) = a W^T for a (rows x k) and W (n x k): the gradient at a layer's input. It packs
 * the smaller of W^T (n x k) and a^T (k x rows), the latter as (W a^T)^T. A product repeated over
 * the chunks or time steps of a pass should rather call product() with up.transposed(W), whose
 * packing is paid once.
 */
export function productABt(a: Operand, rows: number, w: tf.Tensor2D, up: Uploads, out: Float32Array): Float32Array {
  const [n, k] = w.shape;
  if (rows >= n) return product(a, rows, up.transposed(w), null, out);
  return readInto(
    tf.tidy(() => tf.transpose(tf.matMul(w, transposeOf(a, rows, k)))),
    out,
  );
}
