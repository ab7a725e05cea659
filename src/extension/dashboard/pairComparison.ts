/**
 * One cell of the "vs baseline" column: a run compared with the baseline over their test users
 * (the figures of `vaerec compare`), or why that is not possible. Runs inside the comparison worker
 * (comparisonWorker.ts), off the extension host's thread.
 */
import type { DashboardComparison } from '../../shared/dashboardComparisons';
import { ComparisonError, compareRuns, openRun, splitMismatch } from '../../trainer/stats/runComparison';

export function comparePair(runDir: string, baselineDir: string): DashboardComparison {
  try {
    const run = openRun(runDir).record;
    const baseline = openRun(baselineDir).record;
    const why = splitMismatch(run, baseline);
    if (why) return { state: 'unavailable', short: 'different split', reason: `${run.id} and ${baseline.id} cannot be compared user by user: ${why}.` };
    const c = compareRuns(runDir, baselineDir);
    return { state: 'done', users: c.users, metrics: c.metrics, warnings: c.warnings };
  } catch (e) {
    if (e instanceof ComparisonError) return { state: 'unavailable', short: e.badInput ? 'cannot compare' : 'unreadable files', reason: e.message };
    return { state: 'unavailable', short: 'failed', reason: e instanceof Error ? e.message : String(e) };
  }
}
