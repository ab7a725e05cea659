/**
 * RecVAE's hand-written passes (recvaeNetwork.ts) against TensorFlow.js autodiff of the loss written
 * the obvious way on a dense input, as the reference computes it, with the dropout mask and the
 * noise fixed: the encoder step's gradient for every encoder parameter, the decoder step's for the
 * decoder, and both losses.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
// Gradient definitions are opt-in in tfjs-core; only the reference implementation needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../src/trainer/backend';
import { decoderStep, encoderStep } from '../../src/trainer/model/recvaeNetwork';
import { RecVaeDims, encoderArrays, encoderViews, initRecVae, recvaeLayout, viewRecVae } from '../../src/trainer/model/recvaeParams';
import { Rng } from '../../src/shared/rng';
import { SparseBatch } from '../../src/trainer/model/types';

const DROPOUT = 0.5;
const GAMMA = 0.02;
const LOG_2PI = Math.log(2 * Math.PI);

function fixture(numItems: number, latent: number, rng: Rng): { batch: SparseBatch; keep: Uint8Array; eps: Float32Array } {
  const rowsItems: number[][] = [];
  for (let r = 0; r < 6; r++) rowsItems.push([...Array(numItems).keys()].filter(() => rng.uniform() < 0.3));
  rowsItems.push([2, 9, 11]);
  const indptr = new Int32Array(rowsItems.length + 1);
  rowsItems.forEach((items, r) => (indptr[r + 1] = indptr[r] + items.length));
  const indices = Int32Array.from(rowsItems.flat());
  const keep = new Uint8Array(indices.length).map(() => (rng.uniform() < 0.5 ? 1 : 0));
  // A row whose every item is dropped: the encoder sees zeros, the loss still counts its items.
  keep.fill(0, indptr[6], indptr[7]);
  const eps = new Float32Array(rowsItems.length * latent);
  rng.fillNormal(eps, 1);
  return { batch: { rows: rowsItems.length, indptr, indices }, keep, eps };
}

type Tensors = Record<string, tf.Tensor>;

/** The encoder as the reference's Encoder.forward, on a dense (normalised, dropped-out) input. */
function encoder(d: RecVaeDims, t: Tensors, x: tf.Tensor2D): { mu: tf.Tensor2D; lv: tf.Tensor2D } {
  const swish = (a: tf.Tensor) => tf.mul(a, tf.sigmoid(a));
  const ln = (a: tf.Tensor, k: number) => {
    const { mean, variance } = tf.moments(a, 1, true);
    return tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 0.1))), t[`ln${k}g`]), t[`ln${k}b`]);
  };
  const hs: tf.Tensor[] = [];
  let input: tf.Tensor = x;
  for (let k = 1; k <= 5; k++) {
    let a = tf.add(tf.matMul(input as tf.Tensor2D, t[`w${k}`] as tf.Tensor2D), t[`b${k}`]);
    for (const h of hs) a = tf.add(a, h);
    const h = ln(swish(a), k);
    hs.push(h);
    input = h;
  }
  const o = tf.add(tf.matMul(input as tf.Tensor2D, t.wo as tf.Tensor2D), t.bo) as tf.Tensor2D;
  return { mu: tf.slice(o, [0, 0], [-1, d.latent]), lv: tf.slice(o, [0, d.latent], [-1, d.latent]) };
}

const logNormal = (x: tf.Tensor, mu: tf.Tensor | number, lv: tf.Tensor | number) =>
  tf.mul(-0.5, tf.add(tf.add(lv, LOG_2PI), tf.div(tf.square(tf.sub(x, mu)), tf.exp(lv))));

function encoderTensors(d: RecVaeDims, flat: Float32Array, prefix: string, trainable: boolean): Tensors {
  const views = encoderViews(d, flat);
  const out: Tensors = {};
  for (const a of encoderArrays(d)) {
    const t = tf.tensor(views.get(a.name) as Float32Array, a.shape);
    out[a.name] = trainable ? tf.variable(t, true, `${prefix}_${a.name}_${Math.random()}`) : t;
  }
  return out;
}

describe('RecVAE manual gradients', () => {
  before(async () => {
    await selectBackend('wasm', () => undefined);
  });

  const d: RecVaeDims = { numItems: 24, hidden: 10, latent: 4 };
  const rng = new Rng(21);
  const layout = recvaeLayout(d);
  const flat = new Float32Array(layout.total);
  const p = viewRecVae(d, flat);
  initRecVae(d, p, rng);
  // Layer norms away from gain 1 / bias 0 and a lively decoder bias, so every gradient is exercised.
  for (const layer of [...p.enc.layers, ...p.old.layers]) {
    rng.fillNormal(layer.gain, 0.5);
    for (let i = 0; i < layer.gain.length; i++) layer.gain[i] += 1;
    rng.fillNormal(layer.bias, 0.3);
  }
  rng.fillNormal(p.dec.b, 0.3);
  const { batch, keep, eps } = fixture(d.numItems, d.latent, rng);
  const B = batch.rows;
  const x = new Float32Array(B * d.numItems);
  const counts = new Float32Array(B);
  const dropMask = new Float32Array(B * d.numItems);
  for (let r = 0; r < B; r++) {
    counts[r] = batch.indptr[r + 1] - batch.indptr[r];
    for (let k = batch.indptr[r]; k < batch.indptr[r + 1]; k++) {
      x[r * d.numItems + batch.indices[k]] = 1;
      dropMask[r * d.numItems + batch.indices[k]] = keep[k] / (1 - DROPOUT);
    }
  }

  /** The reference's loss: -mean(sum x log softmax) + mean(gamma |x| sum(log q(z) - log p(z))). */
  function referenceLoss(enc: Tensors, old: Tensors, dec: Tensors, dropout: boolean, priorIsEncoder: boolean) {
    const X = tf.tensor2d(x, [B, d.numItems]);
    const xn = tf.div(X, tf.sqrt(tf.sum(X, 1, true)));
    const { mu, lv } = encoder(d, enc, dropout ? (tf.mul(xn, tf.tensor2d(dropMask, [B, d.numItems])) as tf.Tensor2D) : (xn as tf.Tensor2D));
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(lv, 0.5)), tf.tensor2d(eps, [B, d.latent])));
    const logits = tf.add(tf.matMul(z, dec.wd as tf.Tensor2D), dec.bd);
    const nll = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), X), 1)));
    const prior = priorIsEncoder ? { mu, lv } : encoder(d, old, xn as tf.Tensor2D);
    const components = tf.stack(
      [tf.add(logNormal(z, 0, 0), Math.log(3 / 20)), tf.add(logNormal(z, prior.mu, prior.lv), Math.log(3 / 4)), tf.add(logNormal(z, 0, 10), Math.log(1 / 10))],
      -1,
    );
    const klRow = tf.sum(tf.sub(logNormal(z, mu, lv), tf.logSumExp(components, -1)), 1);
    const kl = tf.mean(tf.mul(klRow, tf.mul(GAMMA, tf.tensor1d(counts))));
    return { nll, kl };
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

  const decoderTensors = (trainable: boolean): Tensors => {
    const wd = tf.tensor2d(p.dec.w, [d.latent, d.numItems]);
    const bd = tf.tensor1d(p.dec.b);
    return trainable ? { wd: tf.variable(wd, true, `wd_${Math.random()}`), bd: tf.variable(bd, true, `bd_${Math.random()}`) } : { wd, bd };
  };

  it('the encoder step matches autodiff for every encoder parameter', () => {
    const gFlat = new Float32Array(layout.total).fill(Number.NaN);
    const g = viewRecVae(d, gFlat);
    const parts = encoderStep(d, p, batch, { keep, eps }, DROPOUT, GAMMA, g);

    const enc = encoderTensors(d, flat.subarray(0, layout.encoder), 'enc', true);
    const old = encoderTensors(d, flat.subarray(layout.decoder), 'old', false);
    const dec = decoderTensors(false);
    let nll = 0;
    let kl = 0;
    const { grads } = tf.variableGrads(
      () => {
        const r = referenceLoss(enc, old, dec, true, false);
        nll = r.nll.dataSync()[0];
        kl = r.kl.dataSync()[0];
        return tf.add(r.nll, r.kl) as tf.Scalar;
      },
      Object.values(enc) as tf.Variable[],
    );

    assert.ok(Math.abs(parts.nll - nll) <= 1e-4 * Math.abs(nll), `nll ${parts.nll} vs ${nll}`);
    assert.ok(Math.abs(parts.kl - kl) <= 1e-4 * Math.abs(kl), `kl ${parts.kl} vs ${kl}`);
    const ours = encoderViews(d, gFlat.subarray(0, layout.encoder));
    for (const a of encoderArrays(d)) {
      const ref = grads[(enc[a.name] as tf.Variable).name].dataSync() as Float32Array;
      const err = relativeError(ours.get(a.name) as Float32Array, ref);
      assert.ok(err <= 1e-4, `${a.name}: relative error ${err.toExponential(2)}`);
      assert.ok(
        ref.some((v) => v !== 0),
        `${a.name}: the reference gradient is all zero, the check would be vacuous`,
      );
    }
    tf.dispose([...Object.values(grads), ...Object.values(enc), ...Object.values(old), ...Object.values(dec)]);
  });

  it('the decoder step (no dropout, the prior refreshed to the encoder) matches autodiff for the decoder', () => {
    const g = viewRecVae(d, new Float32Array(layout.total).fill(Number.NaN));
    const parts = decoderStep(d, p, batch, eps, GAMMA, g);

    const enc = encoderTensors(d, flat.subarray(0, layout.encoder), 'enc', false);
    const dec = decoderTensors(true);
    let nll = 0;
    let kl = 0;
    const { grads } = tf.variableGrads(
      () => {
        const r = referenceLoss(enc, enc, dec, false, true);
        nll = r.nll.dataSync()[0];
        kl = r.kl.dataSync()[0];
        return tf.add(r.nll, r.kl) as tf.Scalar;
      },
      Object.values(dec) as tf.Variable[],
    );

    assert.ok(Math.abs(parts.nll - nll) <= 1e-4 * Math.abs(nll), `nll ${parts.nll} vs ${nll}`);
    assert.ok(Math.abs(parts.kl - kl) <= 1e-4 * Math.abs(kl), `kl ${parts.kl} vs ${kl}`);
    for (const [name, ours] of [
      ['wd', g.dec.w],
      ['bd', g.dec.b],
    ] as const) {
      const err = relativeError(ours, grads[(dec[name] as tf.Variable).name].dataSync() as Float32Array);
      assert.ok(err <= 1e-4, `${name}: relative error ${err.toExponential(2)}`);
    }
    tf.dispose([...Object.values(grads), ...Object.values(enc), ...Object.values(dec)]);
  });
});
