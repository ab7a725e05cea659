/** Mult-VAE / Mult-DAE training behaviour on a small dataset with planted taste clusters. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { MultVaeConfig, createMultVae } from '../../src/trainer/model/multvae';
import { forwardBackward } from '../../src/trainer/model/network';
import { Dims, paramCount, viewParams, initParams } from '../../src/trainer/model/params';
import { Rng } from '../../src/shared/rng';
import { SparseBatch } from '../../src/trainer/model/types';

const NUM_ITEMS = 60;
/** Unequal clusters, so popularity is a real baseline: the big cluster's items are the popular ones. */
const CLUSTER_SIZES = [24, 14, 12, 10];

/** Users like ~60% of their cluster's items and ~4% of the rest; cluster c has weight ~ its size. */
function plantedUsers(count: number, rng: Rng): number[][] {
  const starts = CLUSTER_SIZES.map((_, c) => CLUSTER_SIZES.slice(0, c).reduce((a, b) => a + b, 0));
  const users: number[][] = [];
  for (let u = 0; u < count; u++) {
    let pick = rng.uniform() * NUM_ITEMS;
    let c = 0;
    while (pick >= CLUSTER_SIZES[c]) pick -= CLUSTER_SIZES[c++];
    const items: number[] = [];
    for (let i = 0; i < NUM_ITEMS; i++) {
      const inCluster = i >= starts[c] && i < starts[c] + CLUSTER_SIZES[c];
      if (rng.uniform() < (inCluster ? 0.6 : 0.04)) items.push(i);
    }
    if (items.length === 0) items.push(starts[c]);
    users.push(items);
  }
  return users;
}

function shuffled<T>(xs: T[], rng: Rng): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function toBatch(rows: number[][]): SparseBatch {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((items, r) => (indptr[r + 1] = indptr[r] + items.length));
  return { rows: rows.length, indptr, indices: Int32Array.from(rows.flat()) };
}

function config(over: Partial<MultVaeConfig> = {}): MultVaeConfig {
  return { numItems: NUM_ITEMS, hidden: 32, latent: 8, dropout: 0.5, variational: true, learningRate: 3e-3, l2: 0, seed: 5, ...over };
}

/** Trains `steps` minibatch steps of 50 users over `users` (in a seeded shuffled order). */
function train(model: ReturnType<typeof createMultVae>, users: number[][], steps: number, rng: Rng): { loss: number; kl: number }[] {
  const out: { loss: number; kl: number }[] = [];
  let order: number[] = [];
  for (let s = 0; s < steps; s++) {
    if (order.length < 50) order = shuffled([...users.keys()], rng);
    const batch = toBatch(order.splice(0, 50).map((u) => users[u]));
    const stats = model.trainStep(batch, Math.min(0.2, s / 200));
    out.push(stats);
  }
  return out;
}

/** NDCG@k of ranking `scores` (fold-in items excluded) against the held-out items. */
function ndcgAt(k: number, scores: ArrayLike<number>, foldIn: Set<number>, heldOut: Set<number>): number {
  const ranked = [...Array(NUM_ITEMS).keys()]
    .filter((i) => !foldIn.has(i))
    .sort((a, b) => scores[b] - scores[a])
    .slice(0, k);
  const dcg = ranked.reduce((s, item, r) => s + (heldOut.has(item) ? 1 / Math.log2(r + 2) : 0), 0);
  let idcg = 0;
  for (let r = 0; r < Math.min(k, heldOut.size); r++) idcg += 1 / Math.log2(r + 2);
  return dcg / idcg;
}

describe('Mult-VAE training', () => {
  before(async () => {
    await selectBackend('wasm', () => undefined);
  });

  for (const variational of [true, false]) {
    it(`loss falls, KL >= 0 and gradients stay finite (${variational ? 'VAE' : 'DAE'})`, () => {
      const rng = new Rng(1);
      const users = plantedUsers(300, rng);
      const model = createMultVae(config({ variational }));
      const stats = train(model, users, 120, rng);
      for (const s of stats) {
        assert.ok(Number.isFinite(s.loss), `loss ${s.loss}`);
        assert.ok(variational ? s.kl >= 0 : s.kl === 0, `kl ${s.kl}`);
      }
      const mean = (xs: { loss: number }[]): number => xs.reduce((a, s) => a + s.loss, 0) / xs.length;
      const first = mean(stats.slice(0, 10));
      const last = mean(stats.slice(-10));
      assert.ok(last < 0.9 * first, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);

      const d: Dims = { numItems: NUM_ITEMS, hidden: 32, latent: 8, variational };
      const p = viewParams(d, new Float32Array(paramCount(d)));
      initParams(d, p, rng);
      const g = viewParams(d, new Float32Array(paramCount(d)));
      const batch = toBatch(users.slice(0, 50));
      const eps = new Float32Array(50 * 8);
      rng.fillNormal(eps, 1);
      forwardBackward(d, p, batch, { keep: new Uint8Array(batch.indices.length).fill(1), eps: variational ? eps : null }, 0.5, 0.2, g);
      for (const [name, grad] of Object.entries(g)) assert.ok(grad.every(Number.isFinite), `${name} has a non-finite gradient`);
    });
  }

  it('ranks held-out items of new users better than popularity', () => {
    const rng = new Rng(2);
    const users = plantedUsers(300, rng);
    const testUsers = plantedUsers(80, rng).filter((items) => items.length >= 5);
    const model = createMultVae(config());
    train(model, users, 300, rng);

    const popularity = new Float64Array(NUM_ITEMS);
    for (const items of users) for (const i of items) popularity[i]++;
    const foldIns: number[][] = [];
    const heldOuts: Set<number>[] = [];
    for (const items of testUsers) {
      const mixed = shuffled(items, rng);
      const nHeld = Math.max(1, Math.round(0.2 * items.length));
      heldOuts.push(new Set(mixed.slice(0, nHeld)));
      foldIns.push(mixed.slice(nHeld).sort((a, b) => a - b));
    }
    const scores = model.score(toBatch(foldIns));
    let modelNdcg = 0;
    let popNdcg = 0;
    testUsers.forEach((_, u) => {
      const foldIn = new Set(foldIns[u]);
      modelNdcg += ndcgAt(10, scores.subarray(u * NUM_ITEMS, (u + 1) * NUM_ITEMS), foldIn, heldOuts[u]);
      popNdcg += ndcgAt(10, popularity, foldIn, heldOuts[u]);
    });
    modelNdcg /= testUsers.length;
    popNdcg /= testUsers.length;
    assert.ok(modelNdcg > popNdcg + 0.15, `NDCG@10 model ${modelNdcg.toFixed(3)} vs popularity ${popNdcg.toFixed(3)}`);
  });

  it('same seed gives identical losses; another seed does not', () => {
    const users = plantedUsers(150, new Rng(3));
    const run = (seed: number): number[] => train(createMultVae(config({ seed })), users, 3, new Rng(4)).map((s) => s.loss);
    const a = run(9);
    assert.deepEqual(run(9), a);
    assert.notDeepEqual(run(10), a);
  });

  it('keeps the tensor count flat over 20 steps and scoring', () => {
    const rng = new Rng(6);
    const users = plantedUsers(100, rng);
    const model = createMultVae(config());
    train(model, users, 2, rng);
    model.score(toBatch(users.slice(0, 10)));
    const before = tf.memory().numTensors;
    train(model, users, 20, rng);
    model.score(toBatch(users.slice(0, 10)));
    model.encode(toBatch(users.slice(0, 10)));
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
});
