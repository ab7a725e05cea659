/**
 * `vaerec compare RUN_A RUN_B [--json]`: the paired comparison of two runs' test users
 * (src/trainer/stats/runComparison.ts) as a table or one JSON object.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILE } from '../../shared/runLayout';
import { runDirFor } from '../../shared/runReader';
import { isValidRunId } from '../../shared/runSchema';
import { formatP, formatSigned, metricLabel } from '../../shared/stats/format';
import type { MetricComparison, RunComparison } from '../../shared/statsContracts';
import { ComparisonError } from '../stats/perUserMetrics';
import { compareRuns, type CompareOptions } from '../stats/runComparison';

/** A run given on the command line: a run directory, or the id of a run in the runs directory. */
export function resolveRunArgument(arg: string, runsDir: string): string {
  if (fs.existsSync(path.join(arg, RUN_FILE))) return path.resolve(arg);
  if (isValidRunId(arg)) {
    const dir = runDirFor(runsDir, arg);
    if (fs.existsSync(dir)) return dir;
  }
  throw new ComparisonError(`no run "${arg}": neither a run directory nor the id of a run in ${runsDir}`, true);
}

const formatStat = (v: number | null) => (v === null ? '-' : Number.isFinite(v) ? v.toFixed(2) : v > 0 ? 'inf' : '-inf');

function row(c: MetricComparison): string[] {
  return [
    metricLabel(c.metric),
    c.meanA.toFixed(4),
    c.meanB.toFixed(4),
    formatSigned(c.meanDifference),
    `[${formatSigned(c.interval.lower)}, ${formatSigned(c.interval.upper)}]`,
    formatStat(c.tTest.t),
    formatP(c.tTest.pValue),
    c.wilcoxon.method === 'exact' ? `W=${c.wilcoxon.statistic}` : formatStat(c.wilcoxon.z),
    `${formatP(c.wilcoxon.pValue)}${c.wilcoxon.method === 'exact' ? ' (exact)' : ''}`,
  ];
}

export function formatComparison(r: RunComparison): string {
  const { interval } = r.metrics[0];
  const runLine = (tag: string, s: RunComparison['a']) =>
    `${tag}  ${s.id}  ${s.model}  ${s.status}  test NDCG@100 ${s.test['ndcg@100']?.toFixed(4) ?? '-'}  Recall@20 ${s.test['recall@20']?.toFixed(4) ?? '-'}  (${s.dir})`;
  const table = [['metric', 'A', 'B', 'A - B', `${Math.round(interval.level * 100)}% CI`, 't', 'p (t-test)', 'z or W', 'p (Wilcoxon)'], ...r.metrics.map(row)];
  const widths = table[0].map((_, c) => Math.max(...table.map((cells) => cells[c].length)));
  const lines = [
    runLine('A', r.a),
    runLine('B', r.b),
    '',
    `${r.users} test users paired; differences are A - B; interval: percentile bootstrap over users, ${interval.resamples} resamples (seed ${interval.seed}); p-values two-sided`,
    '',
    ...table.map((cells) => cells.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ')),
  ];
  return lines.join('\n') + '\n';
}

export function compareForCli(runA: string, runB: string, opts: CompareOptions & { runsDir: string }): RunComparison {
  return compareRuns(resolveRunArgument(runA, opts.runsDir), resolveRunArgument(runB, opts.runsDir), opts);
}
