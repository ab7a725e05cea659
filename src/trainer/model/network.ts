/**
 * Mult-VAE / Mult-DAE forward and backward passes written out by hand.
 *
 * Why not tf.grads: the autodiff of matMul emits transposed products, which the wasm backend
 * (XNNPACK) runs ~10x slower than plain ones; it would also compute the useless gradient with
 * respect to the input. Here every product is a plain matMul (the small operand is transposed
 * explicitly), the input layer is sparse (see sparse.ts), and the elementwise glue runs in JS on
 * data that has to be read back anyway. test/unit/model-gradients.test.ts checks every gradient
 * against tf.grads of a straightforward dense implementation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dims, ParamViews } from './params';
import { SparseInput, inputValues, sparseAffine, sparseInput, sparseWeightGrad } from './sparse';
import { SparseBatch } from './types';

/** The randomness of one training pass, drawn by the caller so it can be fixed in tests. */
export interface Noise {
  /** Per nonzero of the batch (parallel to batch.indices): 1 = kept by dropout, 0 = dropped. */
  keep: Uint8Array;
  /** rows x latent standard normals for the reparameterisation (Mult-VAE only). */
  eps: Float32Array | null;
}

export interface LossParts {
  /** Mean over rows of -sum_i log_softmax(logits)_i * x_i. */
  nll: number;
  /** Mean over rows of KL(N(mu, sigma^2) || N(0, I)); 0 for Mult-DAE. */
  kl: number;
}

function encoderWidth(d: Dims): number {
  return d.variational ? 2 * d.latent : d.latent;
}

function tanhInPlace(a: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = Math.tanh(a[i]);
}

/** h = tanh(x_n W1 + b1), computed sparsely (see sparse.ts). */
function hiddenLayer(d: Dims, p: ParamViews, x: SparseInput): Float32Array {
  const h = new Float32Array(x.rows * d.hidden);
  sparseAffine(x, p.w1, p.b1, h);
  tanhInPlace(h);
  return h;
}

/**
 * Runs fn in a tidy scope and reads its tensor back. Never return a typed array from tf.tidy
 * itself: tidy walks its result's keys looking for tensors, i.e. every element (seconds for logits).
 */
function readTidy(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return data;
}

/** t W + b. The fused kernel adds the bias inside the product; a broadcast add is a slow extra pass on wasm. */
function dense(t: tf.Tensor2D, w: tf.Tensor2D | Float32Array, b: Float32Array): tf.Tensor2D {
  const weights = w instanceof Float32Array ? tf.tensor2d(w, [t.shape[1], w.length / t.shape[1]]) : w;
  return tf.fused.matMul({ a: t, b: weights, bias: tf.tensor1d(b) }) as tf.Tensor2D;
}

/**
 * One forward + backward pass in training mode. Writes d(loss)/d(param) into g (every view is
 * overwritten) for loss = nll + beta * kl and returns the two parts. Both are sums over the rows
 * divided by meanOver: the batch size, or the whole batch's size when this is one thread's share.
 */
export function forwardBackward(
  d: Dims,
  p: ParamViews,
  batch: SparseBatch,
  noise: Noise,
  dropout: number,
  beta: number,
  g: ParamViews,
  meanOver = batch.rows,
): LossParts {
  const { hidden: H, latent: Z, numItems: I } = d;
  const E = encoderWidth(d);
  const B = batch.rows;
  const invB = 1 / meanOver;
  const { indptr, indices } = batch;
  const eps = d.variational ? noise.eps : null;
  if (d.variational && (eps === null || eps.length !== B * Z)) throw new Error(`Mult-VAE training needs ${B} x ${Z} eps values`);
  const x = sparseInput(indptr, indices, inputValues(indptr, noise.keep, 1 / (1 - dropout)), I, H);
  const h = hiddenLayer(d, p, x);

  return tf.tidy(() => {
    const hT = tf.tensor2d(h, [B, H]);
    const w2 = tf.tensor2d(p.w2, [H, E]);
    const o = dense(hT, w2, p.b2).dataSync() as Float32Array;

    // Reparameterisation and KL, row by row in JS: 200 columns, cheaper than a dozen tiny kernels.
    const z = new Float32Array(B * Z);
    const std = new Float32Array(eps === null ? 0 : B * Z);
    let klSum = 0;
    for (let r = 0; r < B; r++) {
      for (let c = 0; c < Z; c++) {
        const mu = o[r * E + c];
        if (eps === null) {
          z[r * Z + c] = Math.tanh(mu); // Mult-DAE's code layer is tanh, as every layer but the last in Liang et al.
          continue;
        }
        const lv = o[r * E + Z + c];
        const s = Math.exp(0.5 * lv);
        std[r * Z + c] = s;
        z[r * Z + c] = mu + s * eps[r * Z + c];
        klSum += 0.5 * (s * s + mu * mu - 1 - lv);
      }
    }

    const zT = tf.tensor2d(z, [B, Z]);
    const w3 = tf.tensor2d(p.w3, [Z, H]);
    const w4 = tf.tensor2d(p.w4, [H, I]);
    const h2 = tf.tanh(dense(zT, w3, p.b3));
    // Softmax on the backend (XNNPACK's vectorised kernel: ~15x faster than Math.exp in a JS loop).
    // The read-back probabilities are turned into d(loss)/d(logits) in place (the tensor is done).
    const logitsT = dense(h2, w4, p.b4);
    const logits = logitsT.dataSync() as Float32Array;
    const dl = tf.softmax(logitsT).dataSync() as Float32Array;
    const db4 = g.b4;
    db4.fill(0);
    let nllSum = 0;
    // nll_r = rowsum(x) * logsumexp(logits_r) - sum_{x_i=1} logits_i; d nll / d logits = (softmax * rowsum(x) - x) / B.
    for (let r = 0; r < B; r++) {
      const start = indptr[r];
      const count = indptr[r + 1] - start;
      const o0 = r * I;
      if (count === 0) {
        dl.fill(0, o0, o0 + I);
        continue;
      }
      // logsumexp = max - log(softmax at the max): the largest probability cannot underflow.
      let arg = o0;
      for (let c = o0 + 1; c < o0 + I; c++) if (logits[c] > logits[arg]) arg = c;
      nllSum += count * (logits[arg] - Math.log(dl[arg]));
      const scale = count * invB;
      for (let c = 0; c < I; c++) {
        const v = dl[o0 + c] * scale;
        dl[o0 + c] = v;
        db4[c] += v;
      }
      for (let k = start; k < start + count; k++) {
        const c = indices[k];
        nllSum -= logits[o0 + c];
        dl[o0 + c] -= invB;
        db4[c] -= invB;
      }
    }

    const dlT = tf.tensor2d(dl, [B, I]);
    g.w4.set(tf.matMul(tf.transpose(h2), dlT).dataSync());
    const dh2 = tf.matMul(dlT, tf.transpose(w4));
    const da3 = tf.mul(dh2, tf.sub(1, tf.square(h2)));
    g.w3.set(tf.matMul(tf.transpose(zT), da3).dataSync());
    g.b3.set(tf.sum(da3, 0).dataSync());
    const dz = tf.matMul(da3, tf.transpose(w3)).dataSync();

    // Encoder output gradient: through z (and, for the VAE, through the KL term).
    const dO = new Float32Array(B * E);
    for (let r = 0; r < B; r++) {
      for (let c = 0; c < Z; c++) {
        const gz = dz[r * Z + c];
        if (eps === null) {
          const zc = z[r * Z + c];
          dO[r * E + c] = gz * (1 - zc * zc);
          continue;
        }
        const mu = o[r * E + c];
        const s = std[r * Z + c];
        dO[r * E + c] = gz + beta * mu * invB;
        dO[r * E + Z + c] = 0.5 * s * (gz * eps[r * Z + c] + beta * s * invB) - 0.5 * beta * invB;
      }
    }
    const dOT = tf.tensor2d(dO, [B, E]);
    g.w2.set(tf.matMul(tf.transpose(hT), dOT).dataSync());
    g.b2.set(tf.sum(dOT, 0).dataSync());
    const dh = tf.matMul(dOT, tf.transpose(w2)).dataSync();

    // Through tanh into the sparse input layer.
    const da1 = new Float32Array(B * H);
    const db1 = g.b1;
    db1.fill(0);
    for (let r = 0; r < B; r++) {
      for (let c = 0; c < H; c++) {
        const i = r * H + c;
        const v = dh[i] * (1 - h[i] * h[i]);
        da1[i] = v;
        db1[c] += v;
      }
    }
    sparseWeightGrad(x, da1, g.w1);
    return { nll: nllSum * invB, kl: klSum * invB };
  });
}

/** Evaluation-mode encoder: rows x latent means (Mult-VAE mu, or Mult-DAE's tanh code z). */
export function encodeMean(d: Dims, p: ParamViews, batch: SparseBatch): Float32Array {
  const E = encoderWidth(d);
  const Z = d.latent;
  const x = sparseInput(batch.indptr, batch.indices, inputValues(batch.indptr, null, 1), d.numItems, d.hidden);
  const h = hiddenLayer(d, p, x);
  const o = readTidy(() => dense(tf.tensor2d(h, [batch.rows, d.hidden]), p.w2, p.b2));
  if (!d.variational) {
    tanhInPlace(o);
    return o;
  }
  const mu = new Float32Array(batch.rows * Z);
  for (let r = 0; r < batch.rows; r++) mu.set(o.subarray(r * E, r * E + Z), r * Z);
  return mu;
}

/** Evaluation-mode logits (z = mu, no dropout): rows x numItems. */
export function scoreLogits(d: Dims, p: ParamViews, batch: SparseBatch): Float32Array {
  const z = encodeMean(d, p, batch);
  return readTidy(() => {
    const h2 = tf.tanh(dense(tf.tensor2d(z, [batch.rows, d.latent]), p.w3, p.b3));
    return dense(h2, p.w4, p.b4);
  });
}
