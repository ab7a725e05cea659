/**
 * Mult-VAE / Mult-DAE passes as tensor ops only, for models whose parameters stay on the device
 * (deviceMultVae.ts): the same maths as network.ts, nothing read back. The backward pass is
 * written out (TensorFlow.js's Node bundle carries no gradient functions, and the autodiff tape
 * would add kernels); test/unit/gpu-device-model.test.ts checks it against network.ts.
 *
 * The input x is dense (rows x items), built on the device from a batch's nonzeros by scatterND:
 * on ML-1M its product with W1 is about 1 GMAC each way per step, little for a GPU, where a gather
 * of W1's rows would materialise nonzeros x hidden floats (120 MB a step) and its gradient would be
 * a scatter-add, which WGSL (no float atomics) runs as compare-exchange loops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dims, ParamName } from './params';
import { inputValues } from './sparse';
import type { SparseBatch } from './types';

export type DeviceParams = Record<ParamName, tf.Tensor>;

/** A batch's nonzeros on the device: x, the encoder's (normalised, dropped-out) input, and the binary target rows. */
export interface DeviceBatch {
  x: tf.Tensor2D;
  target: tf.Tensor2D;
}

/** (row, item) of every nonzero of a batch, for scatterND. */
function coordinates(batch: SparseBatch): Int32Array {
  const out = new Int32Array(2 * batch.indices.length);
  for (let r = 0; r < batch.rows; r++) {
    for (let k = batch.indptr[r]; k < batch.indptr[r + 1]; k++) {
      out[2 * k] = r;
      out[2 * k + 1] = batch.indices[k];
    }
  }
  return out;
}

/**
 * Uploads a batch as dense rows: x = L2-normalised rows with inverted dropout (keep flags per
 * nonzero, null = evaluation), and the binary targets. Call inside tf.tidy.
 */
export function deviceBatch(batch: SparseBatch, numItems: number, keep: Uint8Array | null, dropout: number): DeviceBatch {
  const nnz = batch.indices.length;
  const shape: [number, number] = [batch.rows, numItems];
  const coords = tf.tensor2d(coordinates(batch), [nnz, 2], 'int32');
  const values = inputValues(batch.indptr, keep, keep === null ? 1 : 1 / (1 - dropout));
  return {
    x: tf.scatterND(coords, tf.tensor1d(values), shape) as tf.Tensor2D,
    target: tf.scatterND(coords, tf.ones([nnz]), shape) as tf.Tensor2D,
  };
}

/** t W + b, with the bias added inside the product. */
function dense(t: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.fused.matMul({ a: t, b: w as tf.Tensor2D, bias: b }) as tf.Tensor2D;
}

/** d/da of tanh(a), from its output h: 1 - h^2. */
function tanhGrad(h: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(1, tf.square(h));
}

/** Evaluation mode (z = mu, no dropout): rows x items logits. Call inside tf.tidy. */
export function deviceLogits(d: Dims, p: DeviceParams, x: tf.Tensor2D): tf.Tensor2D {
  const o = dense(tf.tanh(dense(x, p.w1, p.b1)), p.w2, p.b2);
  const z = d.variational ? tf.slice(o, [0, 0], [x.shape[0], d.latent]) : tf.tanh(o);
  return dense(tf.tanh(dense(z, p.w3, p.b3)), p.w4, p.b4);
}

export interface DeviceGradients {
  grads: DeviceParams;
  /** [nll, kl]: means over the rows, as network.ts's LossParts (kl = 0 for Mult-DAE). */
  parts: tf.Tensor1D;
}

/**
 * One training-mode forward and backward pass: d(nll + beta * kl)/d(param) for every parameter
 * (the l2 term is the optimiser's, as in adam.ts). eps: rows x latent normals (Mult-VAE only).
 * Call inside tf.tidy.
 */
export function deviceGradients(d: Dims, p: DeviceParams, batch: DeviceBatch, eps: tf.Tensor2D | null, beta: number): DeviceGradients {
  const { x, target } = batch;
  const rows = x.shape[0];
  const Z = d.latent;
  const invB = 1 / rows;
  const h = tf.tanh(dense(x, p.w1, p.b1));
  const o = dense(h, p.w2, p.b2);
  let z: tf.Tensor2D;
  let vae: { mu: tf.Tensor2D; logvar: tf.Tensor2D; std: tf.Tensor2D; eps: tf.Tensor2D } | null = null;
  if (d.variational) {
    if (eps === null || eps.shape[0] !== rows || eps.shape[1] !== Z) throw new Error(`Mult-VAE training needs ${rows} x ${Z} eps values`);
    const mu = tf.slice(o, [0, 0], [rows, Z]);
    const logvar = tf.slice(o, [0, Z], [rows, Z]);
    const std = tf.exp(tf.mul(logvar, 0.5)) as tf.Tensor2D;
    vae = { mu, logvar, std, eps };
    z = tf.add(mu, tf.mul(std, eps));
  } else {
    z = tf.tanh(o);
  }
  const h2 = tf.tanh(dense(z, p.w3, p.b3));
  const logits = dense(h2, p.w4, p.b4);

  // nll_r = -sum_i x_i log_softmax_i; d nll / d logits = (softmax * rowsum(x) - x) / B.
  const logProbs = tf.logSoftmax(logits);
  const nll = tf.mul(tf.neg(tf.sum(tf.mul(logProbs, target))), invB);
  const counts = tf.sum(target, 1, true);
  const dLogits = tf.mul(tf.sub(tf.mul(tf.exp(logProbs), counts), target), invB);

  const dh2 = tf.matMul(dLogits, p.w4, false, true);
  const da3 = tf.mul(dh2, tanhGrad(h2));
  const dz = tf.matMul(da3, p.w3, false, true);
  let dO: tf.Tensor2D;
  let kl: tf.Scalar;
  if (vae) {
    const { mu, logvar, std, eps } = vae;
    // KL = 0.5 * sum(sigma^2 + mu^2 - 1 - logvar) / B, and z = mu + sigma * eps.
    kl = tf.mul(tf.sum(tf.sub(tf.add(tf.square(std), tf.square(mu)), tf.add(logvar, 1))), 0.5 * invB);
    const dMu = tf.add(dz, tf.mul(mu, beta * invB));
    const dLogvar = tf.sub(tf.mul(tf.mul(std, 0.5), tf.add(tf.mul(dz, eps), tf.mul(std, beta * invB))), 0.5 * beta * invB);
    dO = tf.concat([dMu, dLogvar], 1) as tf.Tensor2D;
  } else {
    kl = tf.scalar(0);
    dO = tf.mul(dz, tanhGrad(z));
  }
  const dh = tf.matMul(dO, p.w2, false, true);
  const da1 = tf.mul(dh, tanhGrad(h));
  const grads: DeviceParams = {
    w1: tf.matMul(x, da1, true, false),
    b1: tf.sum(da1, 0),
    w2: tf.matMul(h, dO, true, false),
    b2: tf.sum(dO, 0),
    w3: tf.matMul(z, da3, true, false),
    b3: tf.sum(da3, 0),
    w4: tf.matMul(h2, dLogits, true, false),
    b4: tf.sum(dLogits, 0),
  };
  return { grads, parts: tf.stack([nll, kl]) as tf.Tensor1D };
}
