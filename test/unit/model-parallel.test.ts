/** Two-thread training (parallel.ts) must compute the same steps as one thread, up to float rounding. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../src/trainer/backend';
import { MultVaeConfig, createMultVae } from '../../src/trainer/model/multvae';
import { Rng } from '../../src/trainer/model/rng';
import { SparseBatch } from '../../src/trainer/model/types';

function randomBatch(rows: number, numItems: number, rng: Rng): SparseBatch {
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < numItems; i++) if (rng.uniform() < 0.2) indices.push(i);
    indptr[r + 1] = indices.length;
  }
  return { rows, indptr, indices: Int32Array.from(indices) };
}

function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

describe('Mult-VAE on two threads', () => {
  before(async () => {
    await selectBackend('wasm', () => undefined);
  });

  for (const variational of [true, false]) {
    it(`matches the single-thread run step for step (${variational ? 'VAE' : 'DAE'})`, () => {
      const cfg: MultVaeConfig = { numItems: 40, hidden: 16, latent: 6, dropout: 0.5, variational, learningRate: 1e-2, l2: 1e-3, seed: 8 };
      const rng = new Rng(1);
      const batches = [randomBatch(21, 40, rng), randomBatch(20, 40, rng), randomBatch(1, 40, rng), randomBatch(33, 40, rng)];
      const one = createMultVae(cfg, { threads: 1 });
      const two = createMultVae(cfg, { threads: 2 });
      try {
        assert.equal(one.threads, 1);
        assert.equal(two.threads, 2);
        for (const [s, batch] of batches.entries()) {
          const a = one.trainStep(batch, 0.1);
          const b = two.trainStep(batch, 0.1);
          close(b.loss, a.loss, `step ${s} loss`);
          close(b.nll, a.nll, `step ${s} nll`);
          close(b.kl, a.kl, `step ${s} kl`);
        }
        const probe = randomBatch(5, 40, rng);
        const sa = one.score(probe);
        const sb = two.score(probe);
        let maxDiff = 0;
        for (let i = 0; i < sa.length; i++) maxDiff = Math.max(maxDiff, Math.abs(sa[i] - sb[i]));
        assert.ok(maxDiff < 1e-4, `scores differ by ${maxDiff}`);
      } finally {
        one.dispose();
        two.dispose();
      }
    });
  }
});
