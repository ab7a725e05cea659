/**
 * EASE (src/trainer/model/ease.ts, easeFit.ts): the Gram matrix on a hand-worked example, B on a
 * fixture equal to a direct small-n computation (Gauss-Jordan with partial pivoting, as NumPy's inv
 * would), lambda chosen on validation, each score the sum of its history items' contributions, and
 * save / load.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { evaluateHeldOut } from '../../src/trainer/evaluate';
import { EaseModel } from '../../src/trainer/model/ease';
import { defaultLambdas, fitEase, gramLowerTriangle } from '../../src/trainer/model/easeFit';
import { Rng } from '../../src/shared/rng';
import type { HeldOut, UserRows } from '../../src/trainer/protocol/split';
import { rowsToBatch } from '../../src/trainer/protocol/split';

function rowsOf(sets: number[][]): UserRows {
  const indptr = new Int32Array(sets.length + 1);
  sets.forEach((s, r) => (indptr[r + 1] = indptr[r] + s.length));
  return { users: sets.map((_, r) => `u${r}`), indptr, indices: Int32Array.from(sets.flatMap((s) => [...s].sort((a, b) => a - b))) };
}

/** Users with tastes: item i is liked more often by users of the cluster i mod 3. */
function users(count: number, items: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const out: number[][] = [];
  for (let u = 0; u < count; u++) {
    const cluster = u % 3;
    const row: number[] = [];
    for (let i = 0; i < items; i++) if (rng.uniform() < (i % 3 === cluster ? 0.5 : 0.08)) row.push(i);
    if (row.length === 0) row.push(u % items);
    out.push(row);
  }
  return out;
}

/** Fold-in: the first half of each row; targets: the rest. */
function heldOut(sets: number[][]): HeldOut {
  const foldIn = sets.map((s) => s.slice(0, Math.ceil(s.length / 2)));
  const targets = sets.map((s) => s.slice(Math.ceil(s.length / 2)));
  return { users: sets.map((_, r) => `h${r}`), foldIn: rowsOf(foldIn), targets: rowsOf(targets) };
}

/** A general float64 inverse (Gauss-Jordan, partial pivoting), independent of the SPD sweep. */
function directInverse(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
    for (let k = 0; k < n; k++) {
      [m[c * n + k], m[p * n + k]] = [m[p * n + k], m[c * n + k]];
      [inv[c * n + k], inv[p * n + k]] = [inv[p * n + k], inv[c * n + k]];
    }
    const d = m[c * n + c];
    for (let k = 0; k < n; k++) {
      m[c * n + k] /= d;
      inv[c * n + k] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * n + c];
      for (let k = 0; k < n; k++) {
        m[r * n + k] -= f * m[c * n + k];
        inv[r * n + k] -= f * inv[c * n + k];
      }
    }
  }
  return inv;
}

/** B = I - P diag(1 / diag P), diagonal zero, straight from the definition. */
function directB(train: number[][], n: number, lambda: number): Float64Array {
  const g = new Float64Array(n * n);
  for (const row of train) for (const i of row) for (const j of row) g[i * n + j]++;
  for (let i = 0; i < n; i++) g[i * n + i] += lambda;
  const p = directInverse(g, n);
  const b = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) b[j * n + i] = i === j ? 0 : -p[j * n + i] / p[i * n + i];
  return b;
}

const unitRows = (n: number) => ({ rows: n, indptr: Int32Array.from({ length: n + 1 }, (_, i) => i), indices: Int32Array.from({ length: n }, (_, i) => i) });

describe('EASE', () => {
  const n = 37;
  const train = users(160, n, 3);
  const validation = heldOut(users(40, n, 4));

  it('G = X^T X: co-occurrence counts in the packed lower triangle (hand-worked)', () => {
    // Users {0, 2}, {1, 2}, {2}: G = [[1, 0, 1], [0, 1, 1], [1, 1, 3]].
    const g = gramLowerTriangle(rowsOf([[0, 2], [1, 2], [2]]), 3);
    assert.deepEqual(Array.from(g), [1, 0, 1, 1, 1, 3]);
  });

  it('B equals the direct small-n computation, on one thread and on two', async () => {
    const expected = directB(train, n, 7);
    for (const threads of [1, 2] as const) {
      const { model, fits } = await fitEase(rowsOf(train), n, { lambdas: [7], validation, threads });
      assert.equal(model.lambda, 7);
      assert.equal(fits.length, 1);
      // score() of the unit rows is B row by row; B is stored as float32.
      const b = model.score(unitRows(n));
      for (let k = 0; k < n * n; k++) assert.ok(Math.abs(b[k] - expected[k]) < 1e-6 * (1 + Math.abs(expected[k])), `B[${k}]: ${b[k]} vs ${expected[k]}`);
      for (let i = 0; i < n; i++) assert.equal(b[i * n + i], 0, 'zero diagonal');
    }
  });

  it('chooses the lambda with the best validation NDCG@100 and reports every candidate in order', async () => {
    const reported: number[] = [];
    const progress: number[] = [];
    const lambdas = [0.5, 8, 60, 900];
    const { model, fits } = await fitEase(rowsOf(train), n, {
      lambdas,
      validation,
      onFit: (f) => reported.push(f.lambda),
      onProgress: (fraction) => progress.push(fraction),
    });
    assert.deepEqual(reported, lambdas);
    assert.deepEqual(
      fits.map((f) => f.lambda),
      lambdas,
    );
    const best = fits.reduce((a, b) => (b['val_ndcg@100'] > a['val_ndcg@100'] ? b : a));
    assert.equal(model.lambda, best.lambda);
    assert.ok(new Set(fits.map((f) => f['val_ndcg@100'])).size > 1, 'lambda matters on this fixture');
    // The recorded score is the kept model's, up to its float32 storage.
    assert.ok(Math.abs(evaluateHeldOut(model, validation).metrics['ndcg@100'] - best['val_ndcg@100']) < 1e-6);
    assert.ok(progress.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= progress[i - 1])));
    assert.equal(progress.at(-1), 1);
  });

  it("each score is the sum of the user's items' contributions B[j, i]", async () => {
    const { model } = await fitEase(rowsOf(train), n, { lambdas: [12], validation });
    const batch = rowsToBatch(validation.foldIn);
    const scores = model.score(batch);
    for (let r = 0; r < batch.rows; r++) {
      const known = batch.indices.subarray(batch.indptr[r], batch.indptr[r + 1]);
      for (let i = 0; i < n; i++) {
        const parts = model.contributions(known, i);
        const sum = parts.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - scores[r * n + i]) < 1e-6, `user ${r}, item ${i}: ${sum} vs ${scores[r * n + i]}`);
      }
    }
  });

  it('refuses lambdas that are not positive, and a matrix of the wrong size', async () => {
    await assert.rejects(fitEase(rowsOf(train), n, { lambdas: [], validation }), /at least one lambda/);
    await assert.rejects(fitEase(rowsOf(train), n, { lambdas: [5, 0], validation }), /positive number/);
    assert.throws(() => new EaseModel(3, 1, new Float32Array(8)), /expected 3 x 3/);
  });

  it('saves and loads B exactly, and names the file of a damaged one', async () => {
    const { model } = await fitEase(rowsOf(train), n, { lambdas: [3], validation });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-ease-'));
    try {
      await model.save(dir);
      const loaded = EaseModel.load(dir);
      assert.equal(loaded.lambda, 3);
      assert.deepEqual(loaded.score(unitRows(n)), model.score(unitRows(n)));
      fs.truncateSync(path.join(dir, 'B.bin'), 100);
      assert.throws(() => EaseModel.load(dir), /B\.bin: 100 bytes, expected 5476/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the default lambdas lie around the data's scale, the mean number of users per item", () => {
    // 10 items, 1,320 interactions: a mean of 132 users per item (ML-1M's training set has 132.3).
    const rows = rowsOf(Array.from({ length: 132 }, () => Array.from({ length: 10 }, (_, i) => i)));
    assert.deepEqual(defaultLambdas(rows, 10), [33, 66, 130, 260, 530, 1100]);
  });
});
