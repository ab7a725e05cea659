/**
 * What the run table's "vs baseline" cell says for a run, as data (no DOM, so it is unit-tested):
 * per compared metric the mean difference (run - baseline) and the two p-values, each marked when
 * significant at 0.05 and named by its test (t: paired t-test, W: Wilcoxon signed-rank); the full
 * figures go to the tooltip. runTable.ts renders it.
 */
import { isSignificant, SIGNIFICANCE_LEVEL, type DashboardComparison } from '../../src/shared/dashboardComparisons';
import { formatP, formatSigned, metricLabel } from '../../src/shared/stats/format';
import type { MetricComparison } from '../../src/shared/statsContracts';

export interface PValueMark {
  /** 't' (paired t-test) or 'W' (Wilcoxon signed-rank). */
  test: 't' | 'W';
  /** Compact: "0.031", "2e-17". */
  text: string;
  significant: boolean;
}

export interface ComparisonLine {
  /** Short, as the table's headers write it ("NDCG", "R@20"); the tooltip names it in full. */
  metric: string;
  /** Mean difference run - baseline, three decimals with its sign. */
  difference: string;
  p: [PValueMark, PValueMark];
}

export type ComparisonCellModel =
  /** Not ticked, or no baseline: nothing to say. */
  | { kind: 'empty' }
  | { kind: 'baseline'; text: string; title: string }
  | { kind: 'pending'; text: string; title: string }
  | { kind: 'unavailable'; text: string; title: string }
  | { kind: 'done'; lines: ComparisonLine[]; title: string; label: string };

/** The header's explanation of the column. */
export const COMPARISON_HEADER_TITLE =
  'Paired comparison with the baseline over the test users: mean difference (this run − baseline) of per-user NDCG@100 and Recall@20, ' +
  `p-values of the paired t-test (t) and the Wilcoxon signed-rank test (W), * significant at ${SIGNIFICANCE_LEVEL}. Hover a cell for the 95% bootstrap interval and the full figures.`;

/** Two significant digits at most: 0.031, 0.0012, 2e-17; an underflow to 0 as a bound. */
export function compactP(p: number): string {
  if (p === 0) return '<1e-300';
  if (p >= 0.001) return String(Number(p.toPrecision(2)));
  return p.toExponential(0);
}

const CELL_LABELS: Readonly<Record<string, string>> = { 'ndcg@100': 'NDCG', 'recall@20': 'R@20' };

/** A compared metric's name in the cell. */
export const cellLabel = (metric: string): string => CELL_LABELS[metric] ?? metricLabel(metric);

const mark = (test: 't' | 'W', p: number): PValueMark => ({ test, text: compactP(p), significant: isSignificant(p) });

const stat = (v: number | null) => (v === null ? 'undefined (no spread)' : Number.isFinite(v) ? v.toFixed(2) : v > 0 ? '+infinity' : '−infinity');

const significance = (p: number) => (isSignificant(p) ? ` (significant at ${SIGNIFICANCE_LEVEL})` : ` (not significant at ${SIGNIFICANCE_LEVEL})`);

function metricDetails(m: MetricComparison): string[] {
  const w = m.wilcoxon;
  const wStat =
    w.method === 'exact'
      ? `W = ${w.statistic} (exact)`
      : `z = ${stat(w.z)} (normal approximation${w.zeros > 0 ? `, ${w.zeros} zero difference${w.zeros === 1 ? '' : 's'} dropped` : ''})`;
  return [
    `${metricLabel(m.metric)}: ${m.meanA.toFixed(4)} vs ${m.meanB.toFixed(4)}, difference ${formatSigned(m.meanDifference)}, ` +
      `${Math.round(m.interval.level * 100)}% CI [${formatSigned(m.interval.lower)}, ${formatSigned(m.interval.upper)}]`,
    `  paired t-test: t = ${stat(m.tTest.t)}, df = ${m.tTest.df}, p = ${formatP(m.tTest.pValue)}${significance(m.tTest.pValue)}`,
    `  Wilcoxon signed-rank: ${wStat}, p = ${formatP(w.pValue)}${significance(w.pValue)}`,
  ];
}

function doneCell(c: Extract<DashboardComparison, { state: 'done' }>, baseline: string): ComparisonCellModel {
  const interval = c.metrics[0]?.interval;
  const title = [
    `vs baseline ${baseline}: ${c.users} test users paired; differences are this run − baseline`,
    ...c.metrics.flatMap(metricDetails),
    ...(interval ? [`Interval: percentile bootstrap over users, ${interval.resamples} resamples (seed ${interval.seed}); p-values two-sided.`] : []),
    ...c.warnings.map((w) => `Warning: ${w}`),
  ].join('\n');
  const lines = c.metrics.map((m) => ({
    metric: cellLabel(m.metric),
    difference: formatSigned(m.meanDifference, 3),
    p: [mark('t', m.tTest.pValue), mark('W', m.wilcoxon.pValue)] as [PValueMark, PValueMark],
  }));
  const label = lines
    .map(
      (l, i) =>
        `${metricLabel(c.metrics[i].metric)} ${l.difference}, ${l.p.map((p) => `${p.test === 't' ? 't-test' : 'Wilcoxon'} p ${p.text}${p.significant ? ' significant' : ''}`).join(', ')}`,
    )
    .join('; ');
  return { kind: 'done', lines, title, label: `vs baseline: ${label}` };
}

export function comparisonCell(runId: string, baseline: string | null, comparisons: Readonly<Record<string, DashboardComparison>>): ComparisonCellModel {
  if (baseline === null) return { kind: 'empty' };
  if (runId === baseline) return { kind: 'baseline', text: 'baseline', title: 'The ticked runs are compared with this run' };
  const c = comparisons[runId];
  if (!c) return { kind: 'empty' };
  switch (c.state) {
    case 'pending':
      return { kind: 'pending', text: 'comparing…', title: `Comparing with ${baseline} over the test users` };
    case 'unavailable':
      return { kind: 'unavailable', text: c.short, title: c.reason };
    case 'done':
      return doneCell(c, baseline);
  }
}
