/**
 * The hand-written backward pass (network.ts) against TensorFlow.js autodiff of a plain dense
 * implementation of the same loss, with the dropout mask and the noise fixed.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
// Gradient definitions are opt-in in tfjs-core; only the reference implementation needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../src/trainer/backend';
import { forwardBackward } from '../../src/trainer/model/network';
import { Dims, PARAM_NAMES, ParamName, ParamViews, initParams, paramCount, paramShapes, viewParams } from '../../src/trainer/model/params';
import { Rng } from '../../src/shared/rng';
import { SparseBatch } from '../../src/trainer/model/types';

const DROPOUT = 0.5;
const BETA = 0.3;

/** Random rows, plus an empty row and a row whose every nonzero is dropped (edge cases of the sparse layer). */
function fixture(numItems: number, latent: number, rng: Rng): { batch: SparseBatch; keep: Uint8Array; eps: Float32Array } {
  const rowsItems: number[][] = [];
  for (let r = 0; r < 6; r++) rowsItems.push([...Array(numItems).keys()].filter(() => rng.uniform() < 0.25));
  rowsItems.push([]);
  rowsItems.push([3, 17]);
  const indptr = new Int32Array(rowsItems.length + 1);
  rowsItems.forEach((items, r) => (indptr[r + 1] = indptr[r] + items.length));
  const indices = Int32Array.from(rowsItems.flat());
  const keep = new Uint8Array(indices.length).map(() => (rng.uniform() < 0.5 ? 1 : 0));
  keep.fill(0, indptr[7], indptr[8]);
  const eps = new Float32Array(rowsItems.length * latent);
  rng.fillNormal(eps, 1);
  return { batch: { rows: rowsItems.length, indptr, indices }, keep, eps };
}

/** The loss written the obvious way, on a dense input; differentiated by tf.variableGrads. */
function referenceGrads(
  d: Dims,
  p: ParamViews,
  batch: SparseBatch,
  keep: Uint8Array,
  eps: Float32Array,
): { grads: Record<string, Float32Array>; nll: number; kl: number } {
  const B = batch.rows;
  const x = new Float32Array(B * d.numItems);
  const mask = new Float32Array(B * d.numItems);
  for (let r = 0; r < B; r++) {
    for (let k = batch.indptr[r]; k < batch.indptr[r + 1]; k++) {
      x[r * d.numItems + batch.indices[k]] = 1;
      mask[r * d.numItems + batch.indices[k]] = keep[k] / (1 - DROPOUT);
    }
  }
  const shapes = paramShapes(d);
  const vars = Object.fromEntries(PARAM_NAMES.map((n) => [n, tf.variable(tf.tensor(p[n], shapes[n]), true, `ref_${n}_${Math.random()}`)])) as Record<
    ParamName,
    tf.Variable
  >;
  let nll = 0;
  let kl = 0;
  const { grads } = tf.variableGrads(() => {
    const X = tf.tensor2d(x, [B, d.numItems]);
    const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(X), 1, true)), 1e-12);
    const xIn = tf.mul(tf.div(X, norm), tf.tensor2d(mask, [B, d.numItems]));
    const h = tf.tanh(tf.add(tf.matMul(xIn, vars.w1), vars.b1));
    const o = tf.add(tf.matMul(h, vars.w2), vars.b2);
    let z: tf.Tensor = tf.tanh(o);
    let klT = tf.scalar(0);
    if (d.variational) {
      const mu = tf.slice(o, [0, 0], [B, d.latent]);
      const lv = tf.slice(o, [0, d.latent], [B, d.latent]);
      z = tf.add(mu, tf.mul(tf.exp(tf.mul(lv, 0.5)), tf.tensor2d(eps, [B, d.latent])));
      klT = tf.mean(tf.mul(0.5, tf.sum(tf.sub(tf.sub(tf.add(tf.exp(lv), tf.square(mu)), 1), lv), 1)));
    }
    const logits = tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(z, vars.w3), vars.b3)), vars.w4), vars.b4);
    const nllT = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), X), 1)));
    nll = nllT.dataSync()[0];
    kl = klT.dataSync()[0];
    return tf.add(nllT, tf.mul(BETA, klT)) as tf.Scalar;
  }, Object.values(vars));
  const out: Record<string, Float32Array> = {};
  for (const n of PARAM_NAMES) out[n] = new Float32Array(grads[vars[n].name].dataSync());
  tf.dispose([...Object.values(grads), ...Object.values(vars)]);
  return { grads: out, nll, kl };
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    ref += b[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(ref), 1e-12);
}

describe('Mult-VAE / Mult-DAE manual gradients', () => {
  before(async () => {
    await selectBackend('wasm', () => undefined);
  });

  for (const variational of [true, false]) {
    it(`match tf autodiff for every parameter (${variational ? 'VAE' : 'DAE'})`, () => {
      const d: Dims = { numItems: 30, hidden: 8, latent: 4, variational };
      const rng = new Rng(variational ? 11 : 12);
      const p = viewParams(d, new Float32Array(paramCount(d)));
      initParams(d, p, rng);
      // Larger biases than the N(0, 0.001) init so the bias gradients are not trivially tiny.
      for (const n of ['b1', 'b2', 'b3', 'b4'] as const) rng.fillNormal(p[n], 0.3);
      const { batch, keep, eps } = fixture(d.numItems, d.latent, rng);
      const g = viewParams(d, new Float32Array(paramCount(d)).fill(Number.NaN));

      const parts = forwardBackward(d, p, batch, { keep, eps: variational ? eps : null }, DROPOUT, BETA, g);
      const ref = referenceGrads(d, p, batch, keep, eps);

      assert.ok(Math.abs(parts.nll - ref.nll) <= 1e-4 * Math.abs(ref.nll), `nll ${parts.nll} vs ${ref.nll}`);
      assert.ok(Math.abs(parts.kl - ref.kl) <= 1e-4 * Math.max(Math.abs(ref.kl), 1e-6), `kl ${parts.kl} vs ${ref.kl}`);
      if (!variational) assert.equal(parts.kl, 0);
      for (const n of PARAM_NAMES) {
        const err = relativeError(g[n], ref.grads[n]);
        assert.ok(err <= 1e-4, `${n}: relative error ${err.toExponential(2)}`);
        assert.ok(
          ref.grads[n].some((v) => v !== 0),
          `${n}: reference gradient is all zero, the check would be vacuous`,
        );
      }
    });
  }
});
