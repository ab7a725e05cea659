/**
 * The float64 SPD inverse (src/trainer/linalg): against a matrix whose inverse is known in closed
 * form, against X^T X + lambda I at n = 500 with X^T X from a TensorFlow.js product (P A = I to float64
 * precision, and in float32 through TensorFlow.js), the WebAssembly and JavaScript kernels and one
 * and two threads against each other (bit for bit), and its refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { KernelChoice, SpdInverter } from '../../src/trainer/linalg/spdInverse';
import { NotPositiveDefiniteError } from '../../src/trainer/linalg/symmetricSweep';
import { gramLowerTriangle } from '../../src/trainer/model/easeFit';
import { Rng } from '../../src/shared/rng';

/** Inverts the n x n matrix whose lower triangle `entry` gives, returning P row-major (n x n). */
async function invert(n: number, entry: (i: number, j: number) => number, options: { threads?: 1 | 2; block?: number; kernel?: KernelChoice } = {}) {
  const inv = await SpdInverter.create(n, options);
  try {
    const a = inv.matrix;
    const s = inv.stride;
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * s + j] = entry(i, j);
    await inv.invert();
    const p = new Float64Array(n * n);
    for (let i = 0; i < n; i++) p.set(a.subarray(i * s, i * s + n), i * n);
    return { p, threads: inv.threads, kernel: inv.kernelName };
  } finally {
    inv.dispose();
  }
}

/** The 1-D Laplacian tridiag(-1, 2, -1): (K^-1)_ij = min(i, j) (n + 1 - max(i, j)) / (n + 1), 1-based. */
const laplacian = (i: number, j: number) => (i === j ? 2 : i - j === 1 ? -1 : 0);
const laplacianInverse = (n: number, i: number, j: number) => (Math.min(i + 1, j + 1) * (n + 1 - Math.max(i + 1, j + 1))) / (n + 1);

describe('SPD inverse', () => {
  for (const kernel of ['wasm', 'js'] as const) {
    for (const [n, block, threads] of [
      [1, 4, 1],
      [10, 4, 1],
      [133, 8, 1],
      [133, 8, 2],
      [70, 64, 2],
    ] as const) {
      it(`${kernel}: the inverse of tridiag(-1, 2, -1) at n = ${n}, ${block} pivots a block, ${threads} thread(s), is the closed form`, async () => {
        const r = await invert(n, laplacian, { kernel, block, threads });
        assert.equal(r.kernel, kernel);
        let worst = 0;
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(r.p[i * n + j] - laplacianInverse(n, i, j)) / laplacianInverse(n, i, j));
        assert.ok(worst < 1e-11, `largest relative error ${worst}`);
      });
    }
  }

  describe('X^T X + lambda I at n = 500', () => {
    const n = 500;
    const users = 900;
    const lambda = 20;
    const x = new Float32Array(users * n);
    const rows: number[][] = [];
    /** X^T X as TensorFlow.js multiplies it (float32: the counts are exact). */
    let gram: Float32Array;
    const a = (i: number, j: number) => gram[i * n + j] + (i === j ? lambda : 0);
    before(async () => {
      await selectBackend('cpu', () => undefined);
      const rng = new Rng(17);
      for (let u = 0; u < users; u++) {
        const row: number[] = [];
        // Popular items (low indices) are chosen more often, as in ratings data.
        for (let i = 0; i < n; i++) if (rng.uniform() < 0.15 / (1 + i / 60)) row.push(i);
        rows.push(row);
        for (const i of row) x[u * n + i] = 1;
      }
      gram = tf.tidy(() => {
        const t = tf.tensor2d(x, [users, n]);
        return tf.matMul(t, t, true, false).dataSync() as Float32Array;
      });
    });
    after(() => tf.disposeVariables());

    it('P (X^T X + lambda I) = I to float64 precision; X^T X as TensorFlow.js multiplies it; and P A = I in float32 through TensorFlow.js', async () => {
      const indptr = Int32Array.from([0, ...rows.map((_, u) => rows.slice(0, u + 1).reduce((s, r) => s + r.length, 0))]);
      const ours = gramLowerTriangle({ users: rows.map((_, u) => String(u)), indptr, indices: Int32Array.from(rows.flat()) }, n);
      // Counts below 2^24 are exact in float32: both products must agree exactly.
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) assert.equal(ours[(i * (i + 1)) / 2 + j], gram[i * n + j], `G[${i}, ${j}]`);
      const { p } = await invert(n, a, { threads: 2 });
      let worst = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += p[i * n + k] * a(k, j);
          worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
        }
      }
      assert.ok(worst < 1e-10, `max |P A - I| = ${worst}`);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(p[i * n + j], p[j * n + i], 'P is symmetric');

      const product = tf.tidy(() => {
        const full = new Float32Array(n * n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) full[i * n + j] = a(Math.max(i, j), Math.min(i, j));
        return tf.matMul(tf.tensor2d(Float32Array.from(p), [n, n]), tf.tensor2d(full, [n, n])).dataSync() as Float32Array;
      });
      let worst32 = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst32 = Math.max(worst32, Math.abs(product[i * n + j] - (i === j ? 1 : 0)));
      assert.ok(worst32 < 1e-3, `float32: max |P A - I| = ${worst32}`);
    });

    it('the WebAssembly and JavaScript kernels, on one thread and on two, give the same bits', async () => {
      const runs = await Promise.all([
        invert(n, a, { kernel: 'wasm', threads: 1 }),
        invert(n, a, { kernel: 'wasm', threads: 2 }),
        invert(n, a, { kernel: 'js', threads: 1 }),
        invert(n, a, { kernel: 'js', threads: 2 }),
      ]);
      assert.deepEqual(
        runs.map((r) => [r.kernel, r.threads]),
        [
          ['wasm', 1],
          ['wasm', 2],
          ['js', 1],
          ['js', 2],
        ],
      );
      for (const r of runs.slice(1)) assert.deepEqual(r.p, runs[0].p);
    });
  });

  it('a matrix that is not positive definite is refused at its first bad pivot', async () => {
    // [[1, 2], [2, 1]] has eigenvalues 3 and -1: the second pivot is 1 - 4 = -3.
    await assert.rejects(
      invert(2, (i, j) => (i === j ? 1 : 2)),
      (err: unknown) => err instanceof NotPositiveDefiniteError && err.pivot === 1,
    );
    await assert.rejects(
      invert(6, (i, j) => (i === j ? 0 : 0)),
      (err: unknown) => err instanceof NotPositiveDefiniteError && err.pivot === 0,
    );
  });

  it('stops between block steps when its signal is aborted, and reports each step', async () => {
    const inv = await SpdInverter.create(40, { block: 8 });
    try {
      for (let i = 0; i < 40; i++) for (let j = 0; j <= i; j++) inv.matrix[i * inv.stride + j] = laplacian(i, j);
      const controller = new AbortController();
      const steps: number[] = [];
      await assert.rejects(
        inv.invert({
          signal: controller.signal,
          onStep: (done, total) => {
            steps.push(done);
            assert.equal(total, 5);
            if (done === 2) controller.abort(new Error('stop here'));
          },
        }),
        /stop here/,
      );
      assert.deepEqual(steps, [1, 2]);
    } finally {
      inv.dispose();
    }
  });
});
