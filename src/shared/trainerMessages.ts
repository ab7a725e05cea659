/**
 * The typed protocol between a trainer child process and its parent (the CLI or the extension host),
 * carried over Node's IPC channel (child_process.fork). It carries status and progress only: the
 * metrics go to the run's metrics.jsonl as they are computed, and every reader follows that file.
 */
import type { BackendChoice, RankingMetrics, RunStatus, RunSweepTag, TrainConfig } from './runSchema';
import { BACKEND_CHOICES, isRecord } from './runSchema';

export interface StartRequest {
  type: 'start';
  config: TrainConfig;
  runsDir: string;
  /** Cache directory for named datasets (ml-1m). */
  cacheDir: string;
  /** Optional display name for the run. */
  name?: string;
  /**
   * What the trainer does when its parent goes away (the IPC channel closes): 'cancel' (the CLI: a
   * killed CLI takes its run with it) or 'finish' (a VS Code window: a reload must not end the run).
   */
  whenOrphaned: 'cancel' | 'finish';
  /** The sweep trial this run is (recorded in run.json; the trainer drops a malformed one). */
  sweep?: RunSweepTag;
}

/** Continue a run in its own directory from its last saved epoch (`vaerec train --resume`, the Runs view's Resume). */
export interface ResumeRequest {
  type: 'resume';
  runDir: string;
  cacheDir: string;
  /** A backend other than the run's own (allowed; the metrics may then differ in the last digits). */
  backend?: BackendChoice;
  whenOrphaned: 'cancel' | 'finish';
}

export interface CancelRequest {
  type: 'cancel';
}

/** What a trainer process is asked to do; it does one, once. */
export type JobRequest = StartRequest | ResumeRequest;

export type ParentToTrainer = JobRequest | CancelRequest;

export type TrainerPhase = 'download' | 'load' | 'split' | 'backend' | 'train' | 'evaluate' | 'checkpoint' | 'test';

export type TrainerToParent =
  /** `resumedAfterEpoch`: set when the run is resumed, with the saved epoch it goes on from (0: from the start). */
  | { type: 'started'; runId: string; runDir: string; pid: number; resumedAfterEpoch?: number }
  | { type: 'phase'; phase: TrainerPhase; message: string; /** 0..1 when known */ fraction?: number }
  | { type: 'backend'; backend: string; note?: string }
  | { type: 'progress'; epoch: number; epochs: number; step: number; stepInEpoch: number; stepsPerEpoch: number; loss: number; etaSeconds?: number }
  | { type: 'epoch'; epoch: number; epochs: number; seconds: number; loss: number; 'val_ndcg@100'?: number; best?: { epoch: number; 'ndcg@100': number } }
  | { type: 'checkpoint'; epoch: number; path: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | {
      type: 'done';
      status: RunStatus;
      /** absent when the run stopped before its directory was created (bad data, cancel during loading) */ runId?: string;
      runDir?: string;
      test?: RankingMetrics;
      /** For a closed-form fit, epoch 0 and the chosen lambda (EASE). */
      best?: { epoch: number; 'ndcg@100': number; lambda?: number };
      medianEpochSeconds?: number;
      /** A closed-form fit's time, all candidates. */
      fitSeconds?: number;
      epochs: number;
      backend?: string;
      /** The run failed because of what it was given (data, options): the CLI exits 2 instead of 1. */
      badInput?: boolean;
    }
  /** `field`: the config field a configuration mistake is about ("protocol.heldoutUsers"), for the front end to name its flag or setting. */
  | { type: 'error'; message: string; runId?: string; runDir?: string; field?: string };

const TRAINER_MESSAGE_TYPES = new Set(['started', 'phase', 'backend', 'progress', 'epoch', 'checkpoint', 'log', 'done', 'error']);

/** The parent treats the child as untrusted-ish: it checks the shape of what arrives before acting. */
export function isTrainerMessage(v: unknown): v is TrainerToParent {
  return isRecord(v) && typeof v.type === 'string' && TRAINER_MESSAGE_TYPES.has(v.type);
}

export function isParentMessage(v: unknown): v is ParentToTrainer {
  if (!isRecord(v)) return false;
  if (v.type === 'cancel') return true;
  const orphanRule = v.whenOrphaned === 'cancel' || v.whenOrphaned === 'finish';
  if (v.type === 'resume')
    return (
      typeof v.runDir === 'string' &&
      typeof v.cacheDir === 'string' &&
      orphanRule &&
      (v.backend === undefined || (BACKEND_CHOICES as readonly unknown[]).includes(v.backend))
    );
  return (
    v.type === 'start' &&
    isRecord(v.config) &&
    typeof v.runsDir === 'string' &&
    typeof v.cacheDir === 'string' &&
    (v.whenOrphaned === 'cancel' || v.whenOrphaned === 'finish')
  );
}
