/**
 * SVAE's hand-written passes (svaeNetwork.ts) against TensorFlow.js autodiff of a plain
 * step-by-step implementation of each sequence alone, with the noise fixed; and the packing: a
 * sequence inside a batch of longer and shorter ones contributes exactly what it does alone.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
// Gradient definitions are opt-in in tfjs-core; only the reference implementation needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../src/trainer/backend';
import { Rng } from '../../src/shared/rng';
import { pack, trainingSteps } from '../../src/trainer/model/svaeBatch';
import { svaeForwardBackward, svaeScore } from '../../src/trainer/model/svaeNetwork';
import { SVAE_PARAM_NAMES, SvaeDims, SvaeParams, initSvaeParams, svaeParamCount, svaeParamShapes, viewSvaeParams } from '../../src/trainer/model/svaeParams';
import { SparseBatch } from '../../src/trainer/model/types';

const D: SvaeDims = { numItems: 12, embed: 5, rnn: 4, hidden: 6, latent: 3 };
const OPTS = { nextK: 2, maxLength: 6, beta: 0.3 };
/** One sequence longer than maxLength (truncated), a short one, one with no step at all, a medium one. */
const SEQUENCES = [[0, 3, 5, 7, 2, 9, 11, 4], [1, 2], [6], [10, 8, 3, 0]];

function batchOf(seqs: number[][]): SparseBatch {
  const indptr = new Int32Array(seqs.length + 1);
  seqs.forEach((s, r) => (indptr[r + 1] = indptr[r] + s.length));
  return { rows: seqs.length, indptr, indices: Int32Array.from(seqs.flat()) };
}

function params(seed: number): SvaeParams {
  const p = viewSvaeParams(D, new Float32Array(svaeParamCount(D)));
  initSvaeParams(D, p, new Rng(seed));
  return p;
}

function grads(): SvaeParams {
  return viewSvaeParams(D, new Float32Array(svaeParamCount(D)).fill(Number.NaN));
}

/** The loss of the sequences as the reference writes it, one user at a time, averaged; differentiated by tf.variableGrads. */
function reference(p: SvaeParams, seqs: number[][], eps: Float32Array): { grads: Record<string, Float32Array>; nll: number; kl: number } {
  const { rnn: R, latent: Z, numItems: I } = D;
  const shapes = svaeParamShapes(D);
  const vars = Object.fromEntries(SVAE_PARAM_NAMES.map((n) => [n, tf.variable(tf.tensor(p[n], shapes[n]), true, `svae_ref_${n}_${Math.random()}`)])) as Record<
    string,
    tf.Variable
  >;
  let nll = 0;
  let kl = 0;
  const { grads: g } = tf.variableGrads(() => {
    let total: tf.Tensor = tf.scalar(0);
    let nllT: tf.Tensor = tf.scalar(0);
    let klT: tf.Tensor = tf.scalar(0);
    let epsAt = 0;
    for (const full of seqs) {
      const seq = full.slice(-OPTS.maxLength);
      const T = seq.length - 1;
      if (T < 1) continue;
      let h: tf.Tensor = tf.zeros([1, R]);
      const hs: tf.Tensor[] = [];
      for (let t = 0; t < T; t++) {
        // A one-hot product rather than tf.gather, whose gradient the wasm backend lacks.
        const x = tf.matMul(tf.cast(tf.oneHot([seq[t]], I), 'float32') as tf.Tensor2D, vars.emb as tf.Tensor2D);
        const gx = tf.add(tf.matMul(x, vars.wx as tf.Tensor2D), vars.bx);
        const gh = tf.add(tf.matMul(h as tf.Tensor2D, vars.wh as tf.Tensor2D), vars.bh);
        const part = (a: tf.Tensor, k: number) => tf.slice(a, [0, k * R], [1, R]);
        const r = tf.sigmoid(tf.add(part(gx, 0), part(gh, 0)));
        const u = tf.sigmoid(tf.add(part(gx, 1), part(gh, 1)));
        const n = tf.tanh(tf.add(part(gx, 2), tf.mul(r, part(gh, 2))));
        h = tf.add(tf.mul(tf.sub(1, u), n), tf.mul(u, h));
        hs.push(h);
      }
      const H = tf.concat(hs, 0) as tf.Tensor2D;
      const e1 = tf.tanh(tf.add(tf.matMul(H, vars.w1 as tf.Tensor2D), vars.b1));
      const o = tf.add(tf.matMul(e1, vars.w2 as tf.Tensor2D), vars.b2);
      const mu = tf.slice(o, [0, 0], [T, Z]);
      const lv = tf.slice(o, [0, Z], [T, Z]);
      const e = tf.tensor2d(eps.slice(epsAt * Z, (epsAt + T) * Z), [T, Z]);
      epsAt += T;
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, lv)), e));
      const dec = tf.tanh(tf.add(tf.matMul(z as tf.Tensor2D, vars.w3 as tf.Tensor2D), vars.b3));
      const logits = tf.add(tf.matMul(dec, vars.w4 as tf.Tensor2D), vars.b4);
      const y = new Float32Array(T * I);
      for (let t = 0; t < T; t++) for (const item of seq.slice(t + 1, t + 1 + OPTS.nextK)) y[t * I + item] = 1;
      const userNll = tf.div(tf.neg(tf.sum(tf.mul(tf.tensor2d(y, [T, I]), tf.logSoftmax(logits)))), Math.min(OPTS.nextK, T));
      const userKl = tf.mean(tf.sum(tf.mul(0.5, tf.sub(tf.sub(tf.add(tf.exp(lv), tf.square(mu)), 1), lv)), 1));
      nllT = tf.add(nllT, userNll);
      klT = tf.add(klT, userKl);
      total = tf.add(total, tf.add(userNll, tf.mul(OPTS.beta, userKl)));
    }
    nll = nllT.dataSync()[0] / seqs.length;
    kl = klT.dataSync()[0] / seqs.length;
    return tf.div(total, seqs.length) as tf.Scalar;
  }, Object.values(vars));
  const out: Record<string, Float32Array> = {};
  for (const n of SVAE_PARAM_NAMES) out[n] = new Float32Array(g[vars[n].name].dataSync());
  tf.dispose([...Object.values(g), ...Object.values(vars)]);
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

function noise(steps: number, seed: number): Float32Array {
  const eps = new Float32Array(steps * D.latent);
  new Rng(seed).fillNormal(eps, 1);
  return eps;
}

describe('SVAE manual gradients', () => {
  before(async () => {
    await selectBackend('wasm', () => undefined);
  });

  it('packs step-major, longest first, without padding rows', () => {
    const pk = pack(batchOf(SEQUENCES), OPTS.maxLength, true);
    assert.equal(pk.count, 3); // [6] has no step
    assert.deepEqual(Array.from(pk.row), [0, 3, 1]);
    assert.deepEqual(Array.from(pk.steps), [5, 3, 1]);
    assert.deepEqual(Array.from(pk.active), [3, 2, 2, 1, 1]);
    assert.equal(pk.size, 5 + 3 + 1);
    assert.equal(trainingSteps(batchOf(SEQUENCES), OPTS.maxLength), pk.size);
  });

  it('match tf autodiff of the step-by-step loss for every parameter', () => {
    const p = params(21);
    const eps = noise(trainingSteps(batchOf(SEQUENCES), OPTS.maxLength), 5);
    const g = grads();
    const parts = svaeForwardBackward(D, p, batchOf(SEQUENCES), OPTS, eps, g);
    const ref = reference(p, SEQUENCES, eps);
    assert.ok(Math.abs(parts.nll - ref.nll) <= 1e-4 * Math.abs(ref.nll), `nll ${parts.nll} vs ${ref.nll}`);
    assert.ok(Math.abs(parts.kl - ref.kl) <= 1e-4 * Math.abs(ref.kl), `kl ${parts.kl} vs ${ref.kl}`);
    for (const n of SVAE_PARAM_NAMES) {
      const err = relativeError(g[n], ref.grads[n]);
      assert.ok(err <= 2e-4, `${n}: relative error ${err.toExponential(2)}`);
      assert.ok(
        ref.grads[n].some((v) => v !== 0),
        `${n}: reference gradient is all zero, the check would be vacuous`,
      );
    }
  });

  it('a sequence padded inside a batch gives the same loss and gradients as alone', () => {
    const p = params(33);
    const batch = batchOf(SEQUENCES);
    const eps = noise(trainingSteps(batch, OPTS.maxLength), 8);
    const g = grads();
    const parts = svaeForwardBackward(D, p, batch, OPTS, eps, g);
    // Alone, each sequence gets its own slice of the same noise; the batch loss is the mean of theirs.
    let at = 0;
    let nll = 0;
    let kl = 0;
    const sum = Object.fromEntries(SVAE_PARAM_NAMES.map((n) => [n, new Float32Array(p[n].length)]));
    for (const seq of SEQUENCES) {
      const one = batchOf([seq]);
      const steps = trainingSteps(one, OPTS.maxLength);
      const gi = grads();
      const alone = svaeForwardBackward(D, p, one, OPTS, eps.slice(at * D.latent, (at + steps) * D.latent), gi);
      at += steps;
      nll += alone.nll / SEQUENCES.length;
      kl += alone.kl / SEQUENCES.length;
      for (const n of SVAE_PARAM_NAMES) for (let k = 0; k < gi[n].length; k++) sum[n][k] += gi[n][k] / SEQUENCES.length;
    }
    assert.ok(Math.abs(parts.nll - nll) <= 1e-5 * nll, `nll ${parts.nll} vs ${nll}`);
    assert.ok(Math.abs(parts.kl - kl) <= 1e-5 * kl, `kl ${parts.kl} vs ${kl}`);
    for (const n of SVAE_PARAM_NAMES) {
      const err = relativeError(g[n], sum[n]);
      assert.ok(err <= 1e-5, `${n}: batch vs alone relative error ${err.toExponential(2)}`);
    }
  });

  it("the output layer's row chunks add up: a batch of more steps than one chunk equals its sequences alone", () => {
    const p = params(55);
    const rng = new Rng(9);
    const long = Array.from({ length: 5 }, () => Array.from({ length: 500 }, () => Math.floor(rng.uniform() * D.numItems)));
    const opts = { ...OPTS, maxLength: 1000 };
    const batch = batchOf(long);
    const eps = noise(trainingSteps(batch, opts.maxLength), 10);
    const g = grads();
    const parts = svaeForwardBackward(D, p, batch, opts, eps, g);
    let nll = 0;
    const sum = Object.fromEntries(SVAE_PARAM_NAMES.map((n) => [n, new Float32Array(p[n].length)]));
    long.forEach((seq, r) => {
      const gi = grads();
      nll += svaeForwardBackward(D, p, batchOf([seq]), opts, eps.slice(r * 499 * D.latent, (r + 1) * 499 * D.latent), gi).nll / long.length;
      for (const n of SVAE_PARAM_NAMES) for (let k = 0; k < gi[n].length; k++) sum[n][k] += gi[n][k] / long.length;
    });
    assert.ok(Math.abs(parts.nll - nll) <= 1e-5 * nll, `nll ${parts.nll} vs ${nll}`);
    for (const n of SVAE_PARAM_NAMES) assert.ok(relativeError(g[n], sum[n]) <= 1e-4, n);
  });

  it('scores a row from its last item, the same in a batch as alone', () => {
    const p = params(44);
    const batch = batchOf([[1, 2, 3], [], [4, 5, 6, 7, 8, 9, 10]]);
    const scores = svaeScore(D, p, batch, OPTS.maxLength);
    for (const [r, seq] of [[1, 2, 3], [], [4, 5, 6, 7, 8, 9, 10]].entries()) {
      const alone = svaeScore(D, p, batchOf([seq]), OPTS.maxLength);
      const row = scores.subarray(r * D.numItems, (r + 1) * D.numItems);
      assert.ok(relativeError(row, alone) <= 1e-6, `row ${r}`);
    }
  });
});
