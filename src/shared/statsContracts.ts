/**
 * What the statistics hand to their readers: `vaerec compare --json`, the dashboard's "vs baseline"
 * column and the sweep view. Plain JSON (no NaN: a value that is not defined is null), so the same
 * objects cross the CLI's stdout, the extension host and a webview's postMessage unchanged.
 * docs/STATISTICS.md defines every figure.
 */

/** Paired Student's t-test on the per-user differences d = a - b. */
export interface PairedTTest {
  /** mean(d) / (sd(d) / sqrt(n)); null when every difference is 0. */
  t: number | null;
  df: number;
  /** Two-sided. 1 when every difference is 0; 0 when all are the same non-zero value. */
  pValue: number;
}

/**
 * Wilcoxon signed-rank test on d = a - b. Zero differences are dropped (Wilcoxon's method, scipy's
 * default `zero_method="wilcox"`); tied |d| get average ranks.
 */
export interface WilcoxonTest {
  /** min(rPlus, rMinus), as scipy reports it for the two-sided test. */
  statistic: number;
  /** Rank sums of the positive (a > b) and negative differences. */
  rPlus: number;
  rMinus: number;
  /** Non-zero differences ranked. */
  n: number;
  /** Zero differences dropped. */
  zeros: number;
  /** 'exact': the null distribution of rPlus enumerated (n <= 50, no zeros, no ties). 'normal': the normal approximation with tie and continuity corrections. */
  method: 'exact' | 'normal';
  /** The normal approximation's z (positive when a > b); null for the exact method. */
  z: number | null;
  /** Two-sided. */
  pValue: number;
}

/** A percentile bootstrap interval of the mean difference over resampled users (pairs kept together). */
export interface BootstrapInterval {
  level: number;
  lower: number;
  upper: number;
  resamples: number;
  seed: number;
}

/** One metric compared between two systems over the same users. */
export interface MetricComparison {
  metric: string;
  /** Paired users (each with a value from both systems). */
  n: number;
  meanA: number;
  meanB: number;
  /** mean(a - b): positive when A is better on this metric. */
  meanDifference: number;
  interval: BootstrapInterval;
  tTest: PairedTTest;
  wilcoxon: WilcoxonTest;
}

/** One side of `vaerec compare`. */
export interface ComparedRun {
  id: string;
  dir: string;
  name: string;
  model: string;
  status: string;
  /** The test metrics run.json records (means over the same users as below). */
  test: Record<string, number>;
}

/** The answer of `vaerec compare RUN_A RUN_B --json`. */
export interface RunComparison {
  a: ComparedRun;
  b: ComparedRun;
  /** Test users with at least one target: the pairs compared. */
  users: number;
  metrics: MetricComparison[];
  /** Problems that do not stop the comparison (e.g. recommendations that disagree with run.json's test metrics). */
  warnings: string[];
}

/** A value repeated over seeds (the same configuration trained with different seeds). */
export interface SeedSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); null for a single value. */
  sd: number | null;
  min: number;
  max: number;
}

export type ImportanceMethod = 'fanova-marginal-variance' | 'random-forest-permutation';

export interface ParameterImportance {
  parameter: string;
  /**
   * fanova-marginal-variance: the share of the metric's variance over the trials explained by this
   * parameter's marginal means (0..1). random-forest-permutation: the rise in the forest's
   * out-of-bag mean squared error when this parameter is shuffled, as a share of the metric's
   * variance (0 when shuffling does not hurt).
   */
  importance: number;
  /**
   * What a parameter unrelated to the metric scores with these trials, so a reader can tell a small
   * effect from noise: fanova-marginal-variance, the expected share (levels - 1) / (trials - 1);
   * random-forest-permutation, the importance of this parameter's shadow (its values shuffled).
   */
  chance: number;
  /** fanova-marginal-variance: the bins (numeric) or values the marginal means were taken over; random-forest-permutation: the distinct values. */
  levels: number;
}

export interface InteractionImportance {
  parameters: [string, string];
  /** Share of the metric's variance in the pair's joint cell means beyond both main effects. */
  importance: number;
}

export interface ImportanceResult {
  method: ImportanceMethod;
  /** One sentence naming the method, for the screen. */
  description: string;
  metric: string;
  /** Trials with a finite metric that the importance was computed from. */
  trials: number;
  /** Sorted, most important first. */
  parameters: ParameterImportance[];
  /** Pairwise interactions (fanova-marginal-variance only), largest first. */
  interactions: InteractionImportance[];
}
