/**
 * Matrix products on the TensorFlow.js backend for the hand-written passes of every model. On wasm
 * they run in XNNPACK, and three of its ways decide their form:
 *
 * - Only a plain product a B is fast. A transposed operand (what autodiff emits) falls back to a
 *   naive loop about 10x slower, so transposes are explicit (tf.transpose: about 1 ns a value).
 * - B is packed before the product runs, a few ns a value (more when B has thousands of rows), and
 *   the packed copy is cached on B's tensor. So a weight is uploaded once per pass (Uploads) and
 *   packed once however many chunks or time steps use it; and a gradient product, whose operands
 *   are fresh, packs the operand that costs less (productAtB, productABt): a fresh 1,600 x 3,483
 *   logits' gradient packed as B costs more than the product itself.
 * - Results are read out of the wasm heap in place (wasmHeap.ts), never through dataSync, which
 *   copies into a fresh buffer whose page faults cost more than the copy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { addOrSet, addTransposed } from './elementwise';
import { readInto, tensorData } from './wasmHeap';

/** A rows x cols matrix: values in JS (uploaded for the product) or a tensor already on the backend. */
export type Operand = Float32Array | tf.Tensor2D;

/** The operand as a tensor; an upload is made inside the caller's tidy scope, which frees it. */
function tensorOf(x: Operand, rows: number, cols: number): tf.Tensor2D {
  return x instanceof Float32Array ? tf.tensor2d(x, [rows, cols]) : x;
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

  private keep<T extends tf.Tensor>(t: T): T {
    this.all.push(t);
    return t;
  }
}

/** out (rows x w.shape[1]) = a W (+ bias) for a (rows x w.shape[0]). */
export function product(a: Operand, rows: number, w: tf.Tensor2D, bias: tf.Tensor1D | null, out: Float32Array): Float32Array {
  const r = tf.tidy(() => {
    const at = tensorOf(a, rows, w.shape[0]);
    return bias ? tf.fused.matMul({ a: at, b: w, bias }) : tf.matMul(at, w);
  });
  return readInto(r, out);
}

/**
 * Whether a^T b (a rows x ka, b rows x kb) should pack a, computing (b^T a)^T. Packing b costs
 * about rows x kb packed values, packing a about rows x ka but its ka x kb result must then be
 * written transposed (about as dear a value as packing one): pack a when the packing it saves
 * exceeds that. SVAE's output layer (2,048 rows, 152 against 3,483 columns) packs a; Mult-VAE's
 * (250 rows, 601 against 3,497) packs b.
 */
export function packsA(rows: number, ka: number, kb: number): boolean {
  return kb > ka && rows * (kb - ka) > ka * kb;
}

/**
 * out (ka x kb) = a^T b for a (rows x ka), b (rows x kb): a weight gradient, a the layer's input
 * and b the gradient at its output. With accumulate, out += a^T b.
 */
export function productAtB(a: Operand, b: Operand, rows: number, ka: number, kb: number, out: Float32Array, accumulate = false): Float32Array {
  if (!packsA(rows, ka, kb)) {
    const r = tf.tidy(() => tf.matMul(tf.transpose(tensorOf(a, rows, ka)), tensorOf(b, rows, kb)));
    addOrSet(tensorData(r).data, out, accumulate);
    r.dispose();
    return out;
  }
  const r = tf.tidy(() => tf.matMul(tf.transpose(tensorOf(b, rows, kb)), tensorOf(a, rows, ka)));
  addTransposed(tensorData(r).data, kb, ka, out, accumulate);
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
  const r = tf.tidy(() => tf.matMul(w, tf.transpose(tensorOf(a, rows, k))));
  addTransposed(tensorData(r).data, n, rows, out, false);
  r.dispose();
  return out;
}
