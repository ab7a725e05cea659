/** How the CLI, the dashboard and its tooltips print the paired figures, so all three read alike. */

/** The compared metrics' names as people write them. */
export const METRIC_LABELS: Readonly<Record<string, string>> = { 'ndcg@100': 'NDCG@100', 'recall@20': 'Recall@20' };

export const metricLabel = (metric: string): string => METRIC_LABELS[metric] ?? metric;

/** p-values: four decimals down to 0.0001, then two significant digits; an underflow to 0 is shown as a bound. */
export function formatP(p: number): string {
  if (p === 0) return '<1e-300';
  return p >= 1e-4 ? p.toFixed(4) : p.toExponential(1);
}

/** A difference with its sign always shown. */
export const formatSigned = (v: number, digits = 4): string => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
