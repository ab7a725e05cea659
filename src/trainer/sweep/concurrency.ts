/**
 * How many trials the local executor runs at once, and on how many threads each. On this
 * project's 2-core machine two one-thread ML-1M trials make 1.22x the epochs per hour of one
 * two-thread trial, measured on whole trials at a quiet moment (docs/SWEEPS.md, "Local
 * concurrency", with the command to repeat it): a second thread speeds a step up less than a second
 * trainer adds, and one trial's single-threaded loading and testing overlap the other's epochs. So
 * `auto` runs one trial per core on one thread each, fewer when memory is short or there are fewer
 * trials, and gives a lone trial both threads.
 */
import type { LocalExecutorSpec } from '../../shared/sweepSchema';

/** A trainer's resident memory on ML-1M is about 0.55 GiB; 1 GiB each leaves room for larger data. */
const MEMORY_PER_TRIAL = 1 << 30;

export interface LocalPlan {
  concurrency: number;
  threadsPerTrial: 1 | 2;
}

export function localPlan(spec: LocalExecutorSpec, machine: { cores: number; freeMemoryBytes: number }, trials: number): LocalPlan {
  const cores = Math.max(1, machine.cores);
  if (spec.concurrency === 'auto') {
    const byMemory = Math.max(1, Math.floor(machine.freeMemoryBytes / MEMORY_PER_TRIAL));
    const concurrency = Math.max(1, Math.min(cores, byMemory, trials));
    return { concurrency, threadsPerTrial: spec.threadsPerTrial ?? (concurrency === 1 && cores >= 2 ? 2 : 1) };
  }
  return { concurrency: spec.concurrency, threadsPerTrial: spec.threadsPerTrial ?? (spec.concurrency * 2 <= cores ? 2 : 1) };
}
