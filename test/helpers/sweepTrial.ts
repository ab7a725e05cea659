/** A sweep record's trial for unit tests: a pending first attempt, with what a test sets. */
import type { SweepTrial } from '../../src/shared/sweepSchema';

export function sweepTrial(index: number, params: SweepTrial['params'], over: Partial<SweepTrial> = {}): SweepTrial {
  return {
    index,
    configIndex: index,
    seedIndex: 0,
    params,
    seed: 98765,
    state: 'pending',
    command: [],
    attempt: 1,
    epochs: 0,
    rungs: [],
    previousAttempts: [],
    ...over,
  };
}
