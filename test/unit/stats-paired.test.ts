/**
 * The paired tests and the bootstrap: hand-worked cases, then scipy's answers on fixed vectors
 * (test/fixtures/stats/scipy_paired.json, written by scipy_paired.py beside it with Debian's
 * python3-scipy 1.10.1), then the properties the figures must keep (determinism, symmetry).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { configurationKey, groupAcrossSeeds, quantileSorted, sampleSd, summarise } from '../../src/shared/stats/descriptive';
import { normalTwoSided, studentTCdf, studentTTwoSided } from '../../src/shared/stats/distributions';
import { averageRanks, bootstrapMeanIntervals, comparePaired, differences, pairedTTest, wilcoxonSignedRank } from '../../src/shared/stats/paired';

interface ScipyCase {
  a: number[];
  b: number[];
  mean_difference: number;
  t: number;
  t_p: number;
  wilcoxon_method: 'exact' | 'normal';
  wilcoxon_statistic: number;
  wilcoxon_z: number | null;
  wilcoxon_p: number;
  zeros: number;
  bootstrap_95: [number, number];
  sd_of_mean: number;
}
const scipy = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../fixtures/stats/scipy_paired.json'), 'utf8')) as {
  cases: Record<string, ScipyCase>;
  t_cdf: { t: number; df: number; cdf: number }[];
  normal_two_sided: { z: number; p: number }[];
};

/** |actual - expected| <= rel * |expected| (or an absolute floor for values near 0). */
function close(actual: number, expected: number, rel: number, what: string, abs = 1e-300): void {
  assert.ok(Math.abs(actual - expected) <= Math.max(rel * Math.abs(expected), abs), `${what}: ${actual} vs ${expected}`);
}

test('t-test by hand: d = [2, 4, 6] gives t = 4 / (2 / sqrt 3) = 2 sqrt 3, and with df = 2 the two-sided p is 1 - |t| / sqrt(2 + t^2) = 1 - sqrt(6/7)', () => {
  const r = pairedTTest([2, 4, 6]);
  close(r.t ?? NaN, 2 * Math.sqrt(3), 1e-14, 't');
  assert.equal(r.df, 2);
  close(r.pValue, 1 - Math.sqrt(6 / 7), 1e-12, 'p');
});

test('t-test: identical systems have p = 1, a constant shift p = 0, fewer than 2 pairs is refused', () => {
  assert.deepEqual(pairedTTest([0, 0, 0]), { t: null, df: 2, pValue: 1 });
  assert.deepEqual(pairedTTest([0.1, 0.1, 0.1]), { t: Infinity, df: 2, pValue: 0 });
  assert.deepEqual(pairedTTest([-0.1, -0.1]), { t: -Infinity, df: 1, pValue: 0 });
  assert.throws(() => pairedTTest([1]), /at least 2 pairs/);
});

test('Wilcoxon exact by hand: d = [1, -2, 3, 4, 5] has R+ = 13, R- = 2, and P(R+ <= 2) = 3/32 (sums 0, 1, 2), so p = 6/32', () => {
  const r = wilcoxonSignedRank([1, -2, 3, 4, 5]);
  assert.deepEqual({ ...r, pValue: undefined }, { statistic: 2, rPlus: 13, rMinus: 2, n: 5, zeros: 0, method: 'exact', z: null, pValue: undefined });
  close(r.pValue, 6 / 32, 1e-15, 'p');
});

test('Wilcoxon exact: the centre of the distribution has p = 1; with no non-zero difference (n = 0) p = 1', () => {
  // n = 3: sums 0..6, centre floor(6/2) = 3; d = [1, 2, -3] has R+ = 3.
  assert.equal(wilcoxonSignedRank([1, 2, -3]).pValue, 1);
  const none = wilcoxonSignedRank([0, 0, 0]);
  assert.equal(none.n, 0);
  assert.equal(none.zeros, 3);
  assert.equal(none.pValue, 1);
});

test('Wilcoxon normal by hand: d = [0, 1, 1, -1, 2, 2, 2, 3]: one zero dropped, ranks 2,2,2 / 5,5,5 / 7, R+ = 26, R- = 2; var = 7*8*15/24 - 2 * 3*8/48 = 34; z = (12 - 0.5) / sqrt 34', () => {
  const r = wilcoxonSignedRank([0, 1, 1, -1, 2, 2, 2, 3]);
  assert.equal(r.method, 'normal');
  assert.equal(r.zeros, 1);
  assert.equal(r.n, 7);
  assert.equal(r.rPlus, 26);
  assert.equal(r.rMinus, 2);
  assert.equal(r.statistic, 2);
  close(r.z ?? NaN, 11.5 / Math.sqrt(34), 1e-14, 'z');
  // scipy.stats.wilcoxon([0,1,1,-1,2,2,2,3], correction=True, method='approx').pvalue
  close(r.pValue, 0.04858293092335841, 1e-12, 'p');
});

test('average ranks share tied positions and report the tie groups', () => {
  const { ranks, tieSizes } = averageRanks([3, 1, 3, 2, 3]);
  assert.deepEqual(Array.from(ranks), [4, 1, 4, 2, 4]);
  assert.deepEqual(tieSizes, [3]);
});

test('the t and normal distributions agree with scipy.stats.t.cdf and norm.sf to 1e-12 (relative)', () => {
  for (const { t, df, cdf } of scipy.t_cdf) close(studentTCdf(t, df), cdf, 1e-12, `t.cdf(${t}, ${df})`);
  for (const { z, p } of scipy.normal_two_sided) close(normalTwoSided(z), p, 1e-12, `2 norm.sf(${z})`);
  assert.equal(studentTTwoSided(0, 7), 1);
});

for (const [name, c] of Object.entries(scipy.cases)) {
  test(`scipy ${name} (n = ${c.a.length}): mean difference, t-test, Wilcoxon (${c.wilcoxon_method}) and the bootstrap interval`, () => {
    const [r] = comparePaired([{ metric: 'm', a: c.a, b: c.b }], { resamples: 10_000, seed: 3 });
    close(r.meanDifference, c.mean_difference, 1e-12, 'mean difference', 1e-15);
    close(r.tTest.t ?? NaN, c.t, 1e-10, 't');
    close(r.tTest.pValue, c.t_p, 1e-9, 't-test p');
    assert.equal(r.wilcoxon.method, c.wilcoxon_method);
    assert.equal(r.wilcoxon.zeros, c.zeros);
    assert.equal(r.wilcoxon.statistic, c.wilcoxon_statistic);
    if (c.wilcoxon_z !== null) close(Math.abs(r.wilcoxon.z ?? NaN), Math.abs(c.wilcoxon_z), 1e-10, 'z');
    close(r.wilcoxon.pValue, c.wilcoxon_p, 1e-9, 'Wilcoxon p');
    // Another generator than scipy's: the endpoints of a 10,000-resample percentile interval wander by
    // a few hundredths of a standard error of the mean, and by up to ~0.17 for n = 6, whose bootstrap
    // distribution has few atoms (hand_small). 0.25 is far inside what a wrong method would give.
    const tol = 0.25 * c.sd_of_mean;
    assert.ok(Math.abs(r.interval.lower - c.bootstrap_95[0]) < tol, `lower ${r.interval.lower} vs ${c.bootstrap_95[0]}`);
    assert.ok(Math.abs(r.interval.upper - c.bootstrap_95[1]) < tol, `upper ${r.interval.upper} vs ${c.bootstrap_95[1]}`);
  });
}

test('the bootstrap is deterministic for a seed, moves with another seed, and uses one resampling for every metric', () => {
  const c = scipy.cases.ndcg_like_n600;
  const d = differences(c.a, c.b);
  const one = bootstrapMeanIntervals([d], { resamples: 2000, seed: 5 });
  assert.deepEqual(bootstrapMeanIntervals([d], { resamples: 2000, seed: 5 }), one);
  assert.notDeepEqual(bootstrapMeanIntervals([d], { resamples: 2000, seed: 6 }), one);
  // The same series twice: the same resampled users give identical intervals.
  const [x, y] = bootstrapMeanIntervals([d, d], { resamples: 2000, seed: 5 });
  assert.deepEqual(x, y);
  assert.deepEqual(x, one[0]);
  assert.equal(one[0].resamples, 2000);
  assert.equal(one[0].level, 0.95);
  assert.throws(() => bootstrapMeanIntervals([d], { resamples: 0 }), /positive integer/);
  assert.throws(() => bootstrapMeanIntervals([d, d.subarray(1)]), /one non-zero length/);
});

test('swapping A and B negates the difference and the interval and keeps both p-values', () => {
  const c = scipy.cases.recall_like_n600;
  const [ab] = comparePaired([{ metric: 'r', a: c.a, b: c.b }], { resamples: 1000 });
  const [ba] = comparePaired([{ metric: 'r', a: c.b, b: c.a }], { resamples: 1000 });
  close(ba.meanDifference, -ab.meanDifference, 1e-12, 'difference');
  close(ba.interval.lower, -ab.interval.upper, 1e-12, 'interval', 1e-15);
  close(ba.tTest.pValue, ab.tTest.pValue, 1e-12, 't p');
  assert.equal(ba.wilcoxon.pValue, ab.wilcoxon.pValue);
  assert.equal(ba.wilcoxon.rPlus, ab.wilcoxon.rMinus);
});

test('paired samples of different lengths or with a non-finite value are refused', () => {
  assert.throws(() => differences([1, 2], [1]), /differ in length/);
  assert.throws(() => differences([1, NaN], [1, 2]), /pair 1 is not finite/);
});

test('descriptive: type-7 quantiles as numpy, sample sd, a summary over seeds, configurations grouped without their seed', () => {
  // numpy.quantile([1, 2, 4, 8], [0, 0.25, 0.5, 0.975, 1]) = [1, 1.75, 3, 7.7, 8]
  const sorted = [1, 2, 4, 8];
  assert.deepEqual(
    [0, 0.25, 0.5, 0.975, 1].map((q) => +quantileSorted(sorted, q).toFixed(12)),
    [1, 1.75, 3, 7.7, 8],
  );
  close(sampleSd([0.4, 0.42, 0.41]), 0.01, 1e-12, 'sd');
  assert.deepEqual(summarise([0.4]), { n: 1, mean: 0.4, sd: null, min: 0.4, max: 0.4 });
  assert.equal(configurationKey({ b: 2, a: 1, seed: 3 }), configurationKey({ seed: 4, a: 1, b: 2 }));
  assert.notEqual(configurationKey({ a: 1 }), configurationKey({ a: 2 }));
  const trials = [
    { params: { lr: 0.001, seed: 1 }, metric: 0.4 },
    { params: { lr: 0.01, seed: 1 }, metric: 0.3 },
    { params: { lr: 0.001, seed: 2 }, metric: 0.42 },
    { params: { lr: 0.01, seed: 2 }, metric: undefined },
    { params: { lr: 0.001, seed: 3 }, metric: 0.41 },
  ];
  const groups = groupAcrossSeeds(
    trials,
    (t) => configurationKey(t.params),
    (t) => t.metric,
  );
  assert.equal(groups.length, 2);
  assert.equal(groups[0].members.length, 3);
  const s = groups[0].summary;
  assert.ok(s);
  close(s.mean, 0.41, 1e-12, 'mean');
  close(s.sd ?? NaN, 0.01, 1e-12, 'sd');
  assert.deepEqual([s.n, s.min, s.max], [3, 0.4, 0.42]);
  assert.deepEqual(groups[1].summary, { n: 1, mean: 0.3, sd: null, min: 0.3, max: 0.3 });
});
