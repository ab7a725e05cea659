/**
 * The typed contract between the extension host and the sweep view webview. The host reads the
 * sweep record, the trials' curves and the runs, computes importance, the across-seeds summaries and
 * the significance tests, and posts the results; the page only draws and filters. Both directions
 * are checked: the host parses every request (`parseSweepViewRequest`), the page checks the shape of
 * every update before applying it (`isSweepViewUpdate`), and a restore after a reload trusts only a
 * plausible sweep folder (`restoredSweepDir`).
 */
import { bare, hasOnlyKeys, parseRequest, type Parsed } from './messageValidation';
import { isRecord, isValidRunId } from './runSchema';
import type { ImportanceResult, RunComparison, SeedSummary } from './statsContracts';
import type { ParameterValue, SweepMetric, SweepStatus, TrialState } from './sweepSchema';

/** The test metrics the table shows for a completed trial. */

/** The command the view offers when no popularity baseline shares the best run's split. */
export const BASELINE_COMMAND = 'vaerec.trainPopularity';

export const TABLE_TEST_METRICS = ['ndcg@100', 'recall@20', 'recall@50'] as const;
export type TableTestMetric = (typeof TABLE_TEST_METRICS)[number];

export interface SweepViewTrial {
  index: number;
  configIndex: number;
  seedIndex: number;
  seed: number;
  runId: string | null;
  params: Record<string, ParameterValue>;
  status: TrialState;
  /** Where an early-stopping rule stopped it: the rule, the epoch it decided at, ASHA's rung. */
  stoppedAt: { rule: 'asha' | 'median'; epoch: number; rung: number | null } | null;
  epochs: number;
  /** Best value of the sweep's metric so far. */
  metric: number | null;
  /** Test metrics, for completed trials only. */
  test: Record<TableTestMetric, number> | null;
  error: string | null;
}

export interface SweepViewHeader {
  id: string;
  name: string;
  dir: string;
  status: SweepStatus;
  model: string;
  method: 'grid' | 'random';
  metric: SweepMetric;
  /** One line: "ASHA (grace 10, eta 3, 100 epochs)", "median rule after 5 epochs", "none". */
  earlyStopping: string;
  /** ASHA's rung epochs (empty otherwise). */
  rungEpochs: number[];
  repeats: number;
  progress: { epochsDone: number; epochsPlanned: number; trialsDone: number; trials: number };
  /** The best configuration so far: its best repeat's trial, and the mean (and sd) over its completed repeats. */
  best: { index: number; runId: string | null; configIndex: number; metric: number; metricStd: number; repeats: number } | null;
}

/** A configuration trained with several seeds: the spread across them. */
export interface SeedGroupView {
  configIndex: number;
  params: Record<string, ParameterValue>;
  trials: number;
  /** Over the completed repeats' best metric. */
  metric: SeedSummary | null;
  /** Over the completed repeats' test metrics. */
  test: Partial<Record<'ndcg@100' | 'recall@20', SeedSummary>>;
}

export interface ImportanceView {
  result: ImportanceResult;
  /** Which trials and which value of the metric it was computed from, in one sentence. */
  basis: string;
}

export interface SignificanceEntry {
  /** 'runner-up': the second configuration's run with the same seed; 'popularity': a popularity run on the same split. */
  against: 'runner-up' | 'popularity';
  comparison: RunComparison | null;
  /** Why there is no comparison (no runner-up yet, a comparison refused...). */
  unavailable: string | null;
}

export type SignificanceView =
  /** Not computable yet (e.g. the best configuration has no tested run). */
  { state: 'waiting'; reason: string } | { state: 'computing' } | { state: 'done'; bestRunId: string; entries: SignificanceEntry[]; canTrainBaseline: boolean };

/** Everything but the curves: small, re-sent whole when the record changes. */
export interface SweepViewData {
  sweep: SweepViewHeader;
  /** Parameters whose values differ between trials, in the sweep file's order. */
  parameters: string[];
  /** The scale the sweep file drew a range parameter on; value lists have none (the axis chooses). */
  scales: Record<string, 'linear' | 'log'>;
  trials: SweepViewTrial[];
  importance: ImportanceView | null;
  /** Only when the sweep repeats configurations over seeds. */
  seeds: SeedGroupView[] | null;
}

/** A trial's validation curve: [epoch, value of the sweep's metric] per evaluated epoch. */
export interface TrialCurve {
  index: number;
  points: [number, number][];
}

export type SweepViewUpdate =
  | { type: 'state'; data: SweepViewData; curves: TrialCurve[]; significance: SignificanceView }
  | { type: 'data'; data: SweepViewData }
  /** Curves that changed, each replacing what the page held for its trial. */
  | { type: 'curves'; curves: TrialCurve[] }
  | { type: 'significance'; significance: SignificanceView }
  /** The sweep record cannot be shown (missing, damaged): one line naming the file. */
  | { type: 'problem'; sweepDir: string; message: string };

export type SweepViewRequest =
  | { type: 'ready' }
  /** Opens the trial's run in the dashboard. */
  | { type: 'openRun'; runId: string }
  /** Runs "Train Popularity Baseline" (vaerec.trainPopularity). */
  | { type: 'trainBaseline' };

export function parseSweepViewRequest(v: unknown): Parsed<SweepViewRequest> {
  return parseRequest<SweepViewRequest>(v, {
    ready: bare('ready'),
    openRun: (m) => (hasOnlyKeys(m, ['type', 'runId']) && isValidRunId(m.runId) ? { type: 'openRun', runId: m.runId } : 'openRun: expected { runId }'),
    trainBaseline: bare('trainBaseline'),
  });
}

const isArray = Array.isArray;

/** The page's check of a host message: a known type with its fields of the right kinds (the host is trusted, a stray message is not). */
export function isSweepViewUpdate(v: unknown): v is SweepViewUpdate {
  if (!isRecord(v)) return false;
  const isData = (d: unknown) => isRecord(d) && isRecord(d.sweep) && isArray(d.parameters) && isRecord(d.scales) && isArray(d.trials);
  const isSignificance = (s: unknown) => isRecord(s) && (s.state === 'waiting' || s.state === 'computing' || s.state === 'done');
  switch (v.type) {
    case 'state':
      return isData(v.data) && isArray(v.curves) && isSignificance(v.significance);
    case 'data':
      return isData(v.data);
    case 'curves':
      return isArray(v.curves);
    case 'significance':
      return isSignificance(v.significance);
    case 'problem':
      return typeof v.sweepDir === 'string' && typeof v.message === 'string';
    default:
      return false;
  }
}

/** What the page saves with setState and the host restores from after a reload. */
export interface SweepViewSavedState {
  sweepDir: string;
}

const MAX_PATH = 4096;

/** The sweep folder a restored page names, when it is a plausible absolute path; the host then reads it like any sweep folder. */
export function restoredSweepDir(saved: unknown): string | undefined {
  if (!isRecord(saved) || typeof saved.sweepDir !== 'string') return undefined;
  const dir = saved.sweepDir;
  if (dir.length === 0 || dir.length > MAX_PATH || dir.includes('\0')) return undefined;
  return /^([A-Za-z]:)?[\\/]/.test(dir) ? dir : undefined;
}
