/**
 * The two reference distributions the paired tests need. Student's t CDF is stdlib's port of
 * Boost's regularized incomplete beta, which agrees with scipy to the last digits at every degree of
 * freedom; jStat's, the other common choice, drifts (0.517 instead of 0.4996 for t = -0.001 with
 * 10^6 degrees of freedom), and n is in the thousands for large test sets. docs/STATISTICS.md gives
 * the comparison.
 */
import erfc from '@stdlib/math-base-special-erfc';
import tCdf from '@stdlib/stats-base-dists-t-cdf';

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  return tCdf(t, df);
}

/** Two-sided p-value of a t statistic: P(|T| >= |t|). */
export function studentTTwoSided(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/** Standard normal P(Z <= z), through erfc so the far tails keep their relative precision. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Two-sided p-value of a z statistic: P(|Z| >= |z|). */
export function normalTwoSided(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}
