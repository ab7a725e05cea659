/**
 * What runs a sweep's trials. The coordinator decides (what to launch, when to stop, what a trial's
 * outcome is, from its run directory); an executor only starts, watches and ends trainer processes:
 * child processes on this machine (local) or Slurm jobs (slurm).
 */
import type { RunRecord, RunSweepTag, TrainConfig } from '../../shared/runSchema';
import type { SweepTrial } from '../../shared/sweepSchema';

export interface TrialLaunch {
  trial: SweepTrial;
  config: TrainConfig;
  tag: RunSweepTag;
  name: string;
  /** `vaerec train` arguments (without the program name) that train this trial. */
  args: string[];
  /** Set when the trial continues its run (`vaerec train --resume DIR`) instead of starting one. */
  resumeRunDir?: string;
}

export interface TrialProcessInfo {
  /** Queued, loading, training or finishing. */
  alive: boolean;
  /** The run directory, when the process told (local: its 'started' message). */
  runDir?: string;
  /** Why it ended, for when its run directory cannot say (it died before creating one, or without recording its end). */
  endReason?: string;
}

export interface Executor {
  readonly type: 'local' | 'slurm';
  /** Trials at once; 0: no limit (Slurm queues them). */
  readonly concurrency: number;
  readonly threadsPerTrial: number;
  launch(l: TrialLaunch): Promise<{ pid?: number; jobId?: string }>;
  /** Brings the executor's view of its trials up to date (Slurm: one squeue); once per coordinator tick. */
  refresh(running: readonly SweepTrial[]): Promise<void>;
  info(trial: SweepTrial): TrialProcessInfo;
  /**
   * Resume: takes over a trial an earlier coordinator launched, if its process or job is still there
   * (`run` is its run record, when it has one). Returns what it found, for the log, or undefined.
   */
  adopt(trial: SweepTrial, run?: RunRecord): Promise<string | undefined>;
  /** Ends a trial early: its stop request is already in its run directory. */
  stop(trial: SweepTrial): Promise<void>;
  /** Cancels a trial (`sweep stop`, Ctrl-C): its run is recorded as cancelled. */
  cancel(trial: SweepTrial): Promise<void>;
  /** Kills every trial at once (a second Ctrl-C). */
  killAll(running: readonly SweepTrial[]): Promise<void>;
}
