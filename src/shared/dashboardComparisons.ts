/**
 * The dashboard's "vs baseline" column as it crosses from the extension host to the webview: per
 * ticked run, its paired comparison with the baseline run (computed on the host) or why there is
 * none. The page checks what it receives with `parseComparisonsUpdate` before rendering, as the host
 * checks the page's requests: a malformed message is dropped, never half-drawn.
 */
import { isRecord, isValidRunId } from './runSchema';
import type { BootstrapInterval, MetricComparison, PairedTTest, WilcoxonTest } from './statsContracts';

export type DashboardComparison =
  /** Queued or being computed. */
  | { state: 'pending' }
  /** No paired comparison: `short` fits the cell ("different split", "not finished"), `reason` says it whole. */
  | { state: 'unavailable'; short: string; reason: string }
  /** The run (A) against the baseline (B): differences are run - baseline. */
  | { state: 'done'; users: number; metrics: MetricComparison[]; warnings: string[] };

export interface ComparisonsUpdate {
  type: 'comparisons';
  /** The baseline run's id; null when none is chosen. */
  baseline: string | null;
  /** By run id: every ticked run but the baseline. */
  comparisons: Record<string, DashboardComparison>;
}

/** The significance level the table marks p-values at. */
export const SIGNIFICANCE_LEVEL = 0.05;

const MAX_TEXT = 2_000;
const MAX_RUNS = 10_000;

const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => isNumber(v) && Number.isInteger(v) && v >= 0;
const isP = (v: unknown): v is number => isNumber(v) && v >= 0 && v <= 1;
// A constant non-zero shift has t = +-Infinity, which JSON (and so postMessage) carries as null.
const isStatistic = (v: unknown): v is number | null => v === null || typeof v === 'number';

function isTTest(v: unknown): v is PairedTTest {
  return isRecord(v) && isStatistic(v.t) && isCount(v.df) && isP(v.pValue);
}

function isWilcoxon(v: unknown): v is WilcoxonTest {
  return (
    isRecord(v) &&
    [v.statistic, v.rPlus, v.rMinus].every(isNumber) &&
    isCount(v.n) &&
    isCount(v.zeros) &&
    (v.method === 'exact' || v.method === 'normal') &&
    isStatistic(v.z) &&
    isP(v.pValue)
  );
}

function isInterval(v: unknown): v is BootstrapInterval {
  return isRecord(v) && [v.level, v.lower, v.upper].every(isNumber) && isCount(v.resamples) && isNumber(v.seed);
}

function isMetricComparison(v: unknown): v is MetricComparison {
  return (
    isRecord(v) &&
    isText(v.metric) &&
    isCount(v.n) &&
    [v.meanA, v.meanB, v.meanDifference].every(isNumber) &&
    isInterval(v.interval) &&
    isTTest(v.tTest) &&
    isWilcoxon(v.wilcoxon)
  );
}

function isDashboardComparison(v: unknown): v is DashboardComparison {
  if (!isRecord(v)) return false;
  switch (v.state) {
    case 'pending':
      return true;
    case 'unavailable':
      return isText(v.short) && isText(v.reason);
    case 'done':
      return (
        isCount(v.users) &&
        Array.isArray(v.metrics) &&
        v.metrics.length <= 10 &&
        v.metrics.every(isMetricComparison) &&
        Array.isArray(v.warnings) &&
        v.warnings.length <= 10 &&
        v.warnings.every(isText)
      );
    default:
      return false;
  }
}

/** The host's comparisons message as the page trusts it, or undefined when anything in it is malformed. */
export function parseComparisonsUpdate(v: unknown): ComparisonsUpdate | undefined {
  if (!isRecord(v) || v.type !== 'comparisons') return undefined;
  if (v.baseline !== null && !isValidRunId(v.baseline)) return undefined;
  if (!isRecord(v.comparisons)) return undefined;
  const entries = Object.entries(v.comparisons);
  if (entries.length > MAX_RUNS || !entries.every(([id, c]) => isValidRunId(id) && isDashboardComparison(c))) return undefined;
  return { type: 'comparisons', baseline: v.baseline, comparisons: v.comparisons as Record<string, DashboardComparison> };
}

/** Whether a p-value is significant at the table's level. */
export const isSignificant = (p: number): boolean => p < SIGNIFICANCE_LEVEL;
