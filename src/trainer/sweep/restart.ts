/**
 * What a sweep does with a trial whose run cannot go on (its trainer died with the coordinator, or
 * `sweep stop` cancelled it): the trial is started again from scratch, as a new run; the old run
 * stays in the runs directory (interrupted or cancelled) and the attempt is kept in the trial's
 * history. `vaerec train --resume` (issue 15, item 7: weights, Adam moments and the generators'
 * state from the last epoch) will replace this one function by continuing the old run instead.
 */
import type { SweepTrial } from '../../shared/sweepSchema';

/** Puts the trial back in the queue; returns what was done, for the sweep's log. */
export function restartInterruptedTrial(t: SweepTrial, outcome: string): string {
  t.previousAttempts.push({ attempt: t.attempt, ...(t.runId ? { runId: t.runId } : {}), ...(t.jobId ? { jobId: t.jobId } : {}), outcome });
  const kept = t.runId ? ` (its run ${t.runId} is kept as it is)` : '';
  for (const key of ['runId', 'jobId', 'pid', 'metric', 'metricEpoch', 'stop', 'error', 'test', 'startedAt', 'finishedAt'] as const) delete t[key];
  t.epochs = 0;
  // Rung results belong to the run that reached them; the new run will reach the rungs again.
  t.rungs = [];
  t.state = 'pending';
  return `restarted from scratch: ${outcome}${kept}`;
}
