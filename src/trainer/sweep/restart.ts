/**
 * What a sweep does with a trial whose run cannot go on as it is (its trainer died with the
 * coordinator, or `sweep stop` cancelled it): its run is continued from its last saved epoch
 * (`vaerec train --resume`: weights, Adam's moments, the generators, the best so far), so the
 * epochs it had trained are not trained again. A trial with no run to continue (its trainer died
 * before creating one) is started again from scratch as a new attempt.
 */
import type { SweepTrial } from '../../shared/sweepSchema';

/** Puts the trial back in the queue; returns what was done, for the sweep's log. */
export function restartInterruptedTrial(t: SweepTrial, outcome: string): string {
  if (t.runId) {
    // Same attempt, same run: its epochs, curve and rung results stay; only the process is new.
    for (const key of ['jobId', 'pid', 'error', 'test', 'finishedAt'] as const) delete t[key];
    t.resumes = (t.resumes ?? 0) + 1;
    t.state = 'pending';
    return `to be resumed from its last saved epoch (run ${t.runId}, epoch ${t.epochs}): ${outcome}`;
  }
  t.previousAttempts.push({ attempt: t.attempt, ...(t.jobId ? { jobId: t.jobId } : {}), outcome });
  for (const key of ['jobId', 'pid', 'metric', 'metricEpoch', 'stop', 'error', 'test', 'startedAt', 'finishedAt'] as const) delete t[key];
  t.epochs = 0;
  t.rungs = [];
  t.state = 'pending';
  return `restarted from scratch: ${outcome}`;
}
