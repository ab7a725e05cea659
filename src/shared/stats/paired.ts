/**
 * Paired comparison of two systems over the same users: the mean difference with a percentile
 * bootstrap interval, the paired t-test and the Wilcoxon signed-rank test, all on d = a - b.
 * Definitions, references and the validation against scipy: docs/STATISTICS.md.
 */
// The models' seeded generator: a pure class without imports, so shared code may use it.
import { Rng } from '../rng';
import type { BootstrapInterval, MetricComparison, PairedTTest, WilcoxonTest } from '../statsContracts';
import { mean, quantileSorted, sampleSd } from './descriptive';
import { normalTwoSided, studentTTwoSided } from './distributions';

export const DEFAULT_RESAMPLES = 10_000;
export const DEFAULT_BOOTSTRAP_SEED = 1;
/** Largest n for which the exact null distribution of the signed-rank statistic is used (scipy's and R's limit). */
export const WILCOXON_EXACT_MAX_N = 50;

export function differences(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  if (a.length !== b.length) throw new RangeError(`paired samples differ in length (${a.length} and ${b.length})`);
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) throw new RangeError(`pair ${i} is not finite (${a[i]}, ${b[i]})`);
    d[i] = a[i] - b[i];
  }
  return d;
}

export function pairedTTest(d: ArrayLike<number>): PairedTTest {
  const n = d.length;
  if (n < 2) throw new RangeError('the paired t-test needs at least 2 pairs');
  const df = n - 1;
  // All differences equal: no spread to scale by (computed, rounding would leave a tiny one). Identical
  // systems are not different (p = 1); a constant non-zero shift is as different as it gets (p = 0).
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = d[i] === d[0];
  if (constant) return d[0] === 0 ? { t: null, df, pValue: 1 } : { t: d[0] > 0 ? Infinity : -Infinity, df, pValue: 0 };
  const t = mean(d) / (sampleSd(d) / Math.sqrt(n));
  return { t, df, pValue: studentTTwoSided(t, df) };
}

/** Average ranks (1-based) of values, ties sharing the mean of the ranks they span; also the tie group sizes. */
export function averageRanks(values: ArrayLike<number>): { ranks: Float64Array; tieSizes: number[] } {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Float64Array(values.length);
  const tieSizes: number[] = [];
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    if (end - start > 1) tieSizes.push(end - start);
    start = end;
  }
  return { ranks, tieSizes };
}

/** Counts of each rank sum 0..n(n+1)/2 over the 2^n sign assignments (exact integers up to n = 50 < 2^53). */
function signedRankCounts(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) for (let s = (k * (k + 1)) / 2; s >= k; s--) counts[s] += counts[s - k];
  return counts;
}

export function wilcoxonSignedRank(d: ArrayLike<number>): WilcoxonTest {
  const nonZero: number[] = [];
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) nonZero.push(d[i]);
  const n = nonZero.length;
  const zeros = d.length - n;
  const { ranks, tieSizes } = averageRanks(nonZero.map(Math.abs));
  let rPlus = 0;
  let rMinus = 0;
  for (let i = 0; i < n; i++) {
    if (nonZero[i] > 0) rPlus += ranks[i];
    else rMinus += ranks[i];
  }
  const statistic = Math.min(rPlus, rMinus);
  const base = { statistic, rPlus, rMinus, n, zeros };

  if (n <= WILCOXON_EXACT_MAX_N && zeros === 0 && tieSizes.length === 0) {
    const counts = signedRankCounts(n);
    const max = counts.length - 1;
    // Without ties rPlus is an integer; the centre of the symmetric distribution has p = 1 (as scipy).
    if (rPlus === Math.floor(max / 2)) return { ...base, method: 'exact', z: null, pValue: 1 };
    let below = 0;
    let above = 0;
    for (let s = 0; s <= max; s++) {
      if (s <= rPlus) below += counts[s];
      if (s >= rPlus) above += counts[s];
    }
    return { ...base, method: 'exact', z: null, pValue: Math.min(1, (2 * Math.min(below, above)) / 2 ** n) };
  }

  // No non-zero difference at all: the statistic is the centre of its distribution.
  if (n === 0) return { ...base, method: 'normal', z: 0, pValue: 1 };
  const centre = (n * (n + 1)) / 4;
  let variance = (n * (n + 1) * (2 * n + 1)) / 24;
  for (const t of tieSizes) variance -= (t * (t * t - 1)) / 48;
  const se = Math.sqrt(variance);
  // Continuity correction: half a rank towards the centre.
  const offset = rPlus - centre;
  const z = (offset - 0.5 * Math.sign(offset)) / se;
  return { ...base, method: 'normal', z, pValue: normalTwoSided(z) };
}

/**
 * Percentile bootstrap intervals of mean(d) for several difference series over the same users: each
 * resample draws n users with replacement once and uses them for every series, so the metrics'
 * intervals come from the same resampled user sets.
 */
export function bootstrapMeanIntervals(
  series: readonly ArrayLike<number>[],
  opts: { resamples?: number; seed?: number; level?: number } = {},
): BootstrapInterval[] {
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const seed = opts.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const level = opts.level ?? 0.95;
  if (!Number.isSafeInteger(resamples) || resamples < 1) throw new RangeError('resamples must be a positive integer');
  if (!(level > 0 && level < 1)) throw new RangeError('level must be between 0 and 1');
  const n = series[0]?.length ?? 0;
  if (n === 0 || series.some((s) => s.length !== n)) throw new RangeError('the bootstrap needs series of one non-zero length');
  const rng = new Rng(seed);
  const means = series.map(() => new Float64Array(resamples));
  const sums = new Float64Array(series.length);
  for (let r = 0; r < resamples; r++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const u = Math.floor(rng.uniform() * n);
      for (let s = 0; s < series.length; s++) sums[s] += series[s][u];
    }
    for (let s = 0; s < series.length; s++) means[s][r] = sums[s] / n;
  }
  const alpha = (1 - level) / 2;
  return means.map((m) => {
    m.sort();
    return { level, lower: quantileSorted(m, alpha), upper: quantileSorted(m, 1 - alpha), resamples, seed };
  });
}

export interface PairedSeries {
  metric: string;
  a: ArrayLike<number>;
  b: ArrayLike<number>;
}

/** Every figure of a paired comparison, for each metric over the same users. */
export function comparePaired(series: readonly PairedSeries[], opts: { resamples?: number; seed?: number; level?: number } = {}): MetricComparison[] {
  const diffs = series.map((s) => differences(s.a, s.b));
  const intervals = bootstrapMeanIntervals(diffs, opts);
  return series.map((s, i) => ({
    metric: s.metric,
    n: diffs[i].length,
    meanA: mean(s.a),
    meanB: mean(s.b),
    meanDifference: mean(diffs[i]),
    interval: intervals[i],
    tTest: pairedTTest(diffs[i]),
    wilcoxon: wilcoxonSignedRank(diffs[i]),
  }));
}
