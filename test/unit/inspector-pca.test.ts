/** The inspector's PCA against matrices whose principal axes are known by construction. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pca } from '../../src/trainer/inspect/pca';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} != ${b}`);

test('axis-aligned data: components are the axes, by decreasing variance, with the variances', () => {
  // Columns with variances 9, 4 and 1 (sample variance of {-3,3}x..., built explicitly).
  const rows: number[][] = [];
  for (const a of [-3, 3]) for (const b of [-2, 2]) for (const c of [-1, 1]) rows.push([b + 10, a - 5, c]);
  const data = rows.flat();
  const p = pca(data, rows.length, 3, 3);
  const n = rows.length;
  const expected = [9, 4, 1].map((v) => (v * n) / (n - 1));
  p.variances.forEach((v, i) => close(v, expected[i]));
  close(p.totalVariance, expected[0] + expected[1] + expected[2]);
  // First component is column 1 (variance 9), then column 0, then column 2; signs: largest coordinate positive.
  assert.deepEqual(
    Array.from(p.components[0], (x) => Math.round(x) || 0),
    [0, 1, 0],
  );
  assert.deepEqual(
    Array.from(p.components[1], (x) => Math.round(x) || 0),
    [1, 0, 0],
  );
  assert.deepEqual(
    Array.from(p.components[2], (x) => Math.round(x) || 0),
    [0, 0, 1],
  );
  close(p.mean[0], 10);
  close(p.mean[1], -5);
  // Projections are the centred coordinates along each axis.
  rows.forEach((r, i) => close(p.projections[0][i], r[1] + 5));
});

test('rotated 2-D data: the first component is the direction of the spread', () => {
  const angle = Math.PI / 6;
  const dir = [Math.cos(angle), Math.sin(angle)];
  const perp = [-dir[1], dir[0]];
  const data: number[] = [];
  const ts = [-4, -2.5, -1, 0, 1, 2.5, 4];
  ts.forEach((t, i) => {
    const s = i % 2 === 0 ? 0.3 : -0.3; // small spread across
    data.push(1 + t * dir[0] + s * perp[0], 2 + t * dir[1] + s * perp[1]);
  });
  const p = pca(data, ts.length, 2, 2);
  close(Math.abs(p.components[0][0] * dir[0] + p.components[0][1] * dir[1]), 1, 1e-6);
  close(Math.abs(p.components[1][0] * perp[0] + p.components[1][1] * perp[1]), 1, 1e-6);
  assert.ok(p.variances[0] > p.variances[1]);
  // Orthonormal components.
  close(p.components[0][0] * p.components[1][0] + p.components[0][1] * p.components[1][1], 0, 1e-9);
  // The explained shares add up to one with two dimensions.
  close((p.variances[0] + p.variances[1]) / p.totalVariance, 1, 1e-9);
});

test('rejects a buffer that does not match its shape', () => {
  assert.throws(() => pca([1, 2, 3], 2, 2), /not 2 x 2/);
});
