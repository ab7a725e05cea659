/**
 * The on-disk run format, shared by the trainer (writer), the CLI and the extension host (readers):
 * what run.json and metrics.jsonl hold. The files of a run directory are named in runLayout.ts.
 */
import { isModelKind, type ModelKind } from './modelKinds';

export const RUN_SCHEMA_VERSION = 1;

/** `stopped`: ended early by a sweep's early-stopping rule (see RunRecord.stop); such runs are not tested. */
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted' | 'stopped';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'failed', 'cancelled', 'interrupted', 'stopped'];

export type BackendChoice = 'auto' | 'webgpu' | 'wasm' | 'cpu' | 'tensorflow';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm', 'cpu', 'tensorflow'];

/** The GPU a webgpu run trained on, as its driver describes it (GPUAdapterInfo; any field may be empty). */
export interface GpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation of the graphics API (SwiftShader, llvmpipe/lavapipe, WARP) rather than a GPU. */
  software: boolean;
}

/** Where the ratings come from: a named dataset (downloaded and cached) or a directory/file given by the user. */
export interface DataSourceSpec {
  /** 'ml-1m' or an absolute path to a directory (auto-detected layout) or to a generic CSV/TSV file. */
  source: string;
  /** For a generic CSV/TSV: column positions (0-based) or header names. */
  columns?: { user: string | number; item: string | number; rating: string | number; timestamp?: string | number };
  delimiter?: string;
  hasHeader?: boolean;
  /** 'error' (default) stops at the first malformed row; 'skip' skips and reports every skipped line. */
  onBadRow?: 'error' | 'skip';
}

export interface ProtocolConfig {
  /** Ratings strictly above this are positive (implicit) feedback. */
  minRating: number;
  /** Users with fewer positive ratings are dropped. */
  minUserItems: number;
  /** Number of validation and of test held-out users (each). */
  heldoutUsers: number;
  /** Fraction of a held-out user's items used as targets (the rest is fold-in). */
  targetFraction: number;
}

export interface TrainConfig {
  model: ModelKind;
  data: DataSourceSpec;
  protocol: ProtocolConfig;
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 penalty on weights (0 = none). */
  l2: number;
  hidden: number;
  latent: number;
  dropout: number;
  /** beta = min(annealCap, step / annealSteps), for the kinds with a KL term (ModelKindInfo.kl). */
  annealCap: number;
  annealSteps: number;
  backend: BackendChoice;
  /** Validate every N epochs (1 = every epoch). */
  evalEvery: number;
  /** SVAE only (hidden and latent are its per-step MLP and latent widths): item embedding width. */
  embedding?: number;
  /** SVAE only: GRU state width. */
  rnn?: number;
  /** SVAE only: items predicted at each step (1 = next item). */
  nextK?: number;
  /** SVAE only: longer histories keep their most recent maxLength items. */
  maxLength?: number;
  /** SVAE only: PyTorch Adam weight_decay (decay * p added to every gradient). */
  weightDecay?: number;
  /** EASE only: the L2 penalty of X^T X + lambda I; 0 = chosen on validation NDCG@100 from `lambdas`. */
  lambda?: number;
  /** EASE only: the candidates for lambda; empty = a default list around the data's scale, filled in when the run starts. */
  lambdas?: number[];
  /** RecVAE only: the KL weight of a user is gamma times the user's number of items. */
  gamma?: number;
  /** RecVAE only: passes over the training users that update the encoder, per epoch. */
  encoderEpochs?: number;
  /** RecVAE only: passes that then update the decoder (encoder fixed, no dropout), per epoch. */
  decoderEpochs?: number;
}

export interface DataFingerprint {
  layout: string;
  files: { name: string; bytes: number; sha256: string }[];
}

export interface RankingMetrics {
  'ndcg@100': number;
  'recall@10': number;
  'recall@20': number;
  'recall@50': number;
  /** Absent from runs recorded before SVAE's metrics were added. */
  'ndcg@10'?: number;
  'recall@100'?: number;
  'precision@10'?: number;
  'precision@100'?: number;
  /** Recall as the SVAE reference computes it: hits / #targets (ours divides by min(k, #targets)). */
  'refRecall@10'?: number;
  'refRecall@100'?: number;
  /** Number of users the averages are over (users with at least one target). */
  users: number;
}

export interface SplitSummary {
  trainUsers: number;
  validationUsers: number;
  testUsers: number;
  items: number;
  trainInteractions: number;
  droppedUsers: number;
  droppedRatings: number;
}

/** A run that is a trial of a sweep (`vaerec sweep`): where it belongs. */
export interface RunSweepTag {
  sweepId: string;
  trial: number;
  /** Launches of the trial so far, this one included: a restarted trial gets a new run. */
  attempt: number;
  /** Which of the configuration's repeats (seeds) this is, from 0. */
  seedIndex: number;
  /** The swept values, by configuration key (nested keys dotted). */
  parameters: Record<string, number | string>;
}

/** Why a run was stopped early: the sweep rule that decided, where, and on what figure. */
export interface RunStop {
  rule: 'asha' | 'median';
  /** The epoch the decision was taken at (ASHA: the rung's epoch); the run may have trained a little further. */
  epoch: number;
  /** ASHA's rung, from 0. */
  rung?: number;
  metric?: number;
  reason: string;
}

export interface RunRecord {
  schemaVersion: number;
  id: string;
  /** Human-readable name; defaults to model + start time. */
  name: string;
  model: ModelKind;
  status: RunStatus;
  config: TrainConfig;
  /**
   * Config fields the run was started with at "auto" (0), which the trainer resolved once the data
   * was known ("annealSteps", "protocol.heldoutUsers"): `config` holds the resolved values. Absent
   * from runs recorded before it was kept.
   */
  auto?: string[];
  fingerprint?: DataFingerprint;
  split?: SplitSummary;
  /** The backend that actually ran (e.g. 'wasm'), set once chosen. */
  backend?: string;
  /** The WebGPU adapter, when the backend is webgpu. */
  adapter?: GpuAdapter;
  /** Threads that computed each training step (2: the wasm/cpu backends split Mult-VAE's batches over two cores). */
  threads?: number;
  /** Process id of the trainer while running; lets readers detect a dead process. */
  pid?: number;
  /** When that process started (boot id and start time, see runLiveness.ts): a reused pid does not match. */
  pidStart?: string;
  /** Host name of the trainer, so a pid is only trusted on the same machine. */
  host?: string;
  createdAt: string;
  /** Rewritten at least every HEARTBEAT_MS while the run is running: its heartbeat. */
  updatedAt: string;
  finishedAt?: string;
  epochsCompleted: number;
  steps: number;
  epochSeconds: number[];
  /** Wall-clock seconds of the phases outside the epochs, and the trainer's peak resident memory. */
  timings?: {
    loadSeconds?: number;
    splitSeconds?: number;
    testSeconds?: number;
    peakRssBytes?: number;
    /** a closed-form fit, all candidates */ fitSeconds?: number;
  };
  /** The saved model's validation score: its epoch, or for a closed-form fit epoch 0 and the chosen lambda (EASE). */
  best?: { epoch: number; 'ndcg@100': number; lambda?: number };
  lastValidation?: { epoch: number; 'ndcg@100': number };
  test?: RankingMetrics;
  error?: string;
  /** What loading the data let through, so that no skipped row goes unrecorded. */
  dataWarnings?: DataWarnings;
  sweep?: RunSweepTag;
  /** Set with status `stopped`. */
  stop?: RunStop;
  /** Each `vaerec train --resume` of the run: when, and after which saved epoch it went on. */
  resumes?: { at: string; afterEpoch: number }[];
  /** Paths relative to the run directory. */
  artifacts: { model?: string; recommendations?: string; split?: string };
}

export interface DataWarnings {
  /** Malformed rows skipped (onBadRow: 'skip'), with the first few as "file:line: reason". */
  skippedRows?: { count: number; examples: string[] };
  /** Duplicate (user, item) rows; the last rating of each pair was kept. */
  duplicateRows?: number;
  /** Rated items the movie file has no entry for (shown without a title). */
  itemsWithoutTitle?: number;
}

export type MetricsLine =
  | {
      kind: 'step';
      step: number;
      epoch: number;
      time: number;
      loss: number;
      nll: number;
      kl: number;
      beta: number;
      negElbo: number;
      /** The pass of the epoch, for kinds that make several (ModelKindInfo.passes: RecVAE's 'encoder' and 'decoder'). */
      pass?: string;
    }
  | {
      kind: 'epoch';
      epoch: number;
      step: number;
      time: number;
      seconds: number;
      loss: number;
      nll: number;
      kl: number;
      beta: number;
      negElbo: number;
      'val_ndcg@100'?: number;
      evalSeconds?: number;
    }
  /**
   * One candidate of a closed-form fit (EASE's lambda), scored on the validation users. `step` numbers
   * the candidates from 1 and `epoch` is 0: the run has no epochs.
   */
  | { kind: 'fit'; step: number; epoch: 0; time: number; seconds: number; lambda: number; 'val_ndcg@100': number };

export interface TestRecommendations {
  k: number;
  users: { user: string; items: string[]; scores: number[] }[];
}

/** A run as a reader sees it: either a valid record, or a damaged directory with the reason. */
export type RunEntry =
  /** `warning`: the run is readable but something it recorded is unusable (e.g. its saved weights are gone). */
  { ok: true; dir: string; record: RunRecord; warning?: string } | { ok: false; dir: string; id: string; reason: string };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Validates a parsed run.json. Returns the record or a reason; never throws.
 * Tolerant: unknown extra fields are kept, optional fields may be missing.
 */
export function validateRunRecord(v: unknown): { record: RunRecord } | { reason: string } {
  if (!isRecord(v)) return { reason: 'run.json is not a JSON object' };
  if (typeof v.id !== 'string' || v.id.length === 0) return { reason: 'run.json has no id' };
  if (!isModelKind(v.model)) return { reason: `run.json has an unknown model ${JSON.stringify(v.model)}` };
  if (typeof v.status !== 'string' || !(RUN_STATUSES as readonly string[]).includes(v.status))
    return { reason: `run.json has an unknown status ${JSON.stringify(v.status)}` };
  if (!isRecord(v.config)) return { reason: 'run.json has no config' };
  if (typeof v.createdAt !== 'string') return { reason: 'run.json has no createdAt' };
  if (v.schemaVersion !== undefined && (!isFiniteNumber(v.schemaVersion) || v.schemaVersion > RUN_SCHEMA_VERSION)) {
    return { reason: `run.json schema version ${String(v.schemaVersion)} is newer than this reader (${RUN_SCHEMA_VERSION})` };
  }
  const record: Record<string, unknown> = {
    ...v,
    name: typeof v.name === 'string' ? v.name : v.id,
    updatedAt: typeof v.updatedAt === 'string' ? v.updatedAt : v.createdAt,
    epochsCompleted: isFiniteNumber(v.epochsCompleted) ? v.epochsCompleted : 0,
    steps: isFiniteNumber(v.steps) ? v.steps : 0,
    epochSeconds: Array.isArray(v.epochSeconds) ? v.epochSeconds.filter(isFiniteNumber) : [],
    artifacts: artifactsOf(v.artifacts),
  };
  // Every consumer (tree, CLI, dashboard, recommend) trusts the RunRecord type, so an optional field
  // of the wrong shape is dropped here rather than crashing one of them.
  for (const key of ['error', 'backend', 'finishedAt', 'host', 'pidStart'] as const)
    if (record[key] !== undefined && typeof record[key] !== 'string') delete record[key];
  if (record.dataWarnings !== undefined && !isDataWarnings(record.dataWarnings)) delete record.dataWarnings;
  for (const key of ['best', 'lastValidation'] as const) if (record[key] !== undefined && !isEpochScore(record[key])) delete record[key];
  if (record.test !== undefined && !isRankingMetrics(record.test)) delete record.test;
  if (isRecord(record.timings)) record.timings = Object.fromEntries(Object.entries(record.timings).filter(([, t]) => isFiniteNumber(t)));
  else delete record.timings;
  // pid 0 and negative pids address process groups: probing or signalling them would hit other processes.
  if (record.pid !== undefined && !(Number.isSafeInteger(record.pid) && (record.pid as number) > 0)) delete record.pid;
  if (record.threads !== undefined && !(Number.isSafeInteger(record.threads) && (record.threads as number) > 0)) delete record.threads;
  if (record.fingerprint !== undefined && !isFingerprint(record.fingerprint)) delete record.fingerprint;
  if (record.split !== undefined && !isRecord(record.split)) delete record.split;
  if (record.adapter !== undefined && !isGpuAdapter(record.adapter)) delete record.adapter;
  if (record.auto !== undefined) {
    if (Array.isArray(record.auto)) record.auto = record.auto.filter((f) => typeof f === 'string');
    else delete record.auto;
  }
  if (record.sweep !== undefined && parseRunSweepTag(record.sweep) === undefined) delete record.sweep;
  if (record.stop !== undefined && parseRunStop(record.stop) === undefined) delete record.stop;
  if (record.resumes !== undefined) {
    if (Array.isArray(record.resumes)) record.resumes = record.resumes.filter((r) => isRecord(r) && typeof r.at === 'string' && isCount(r.afterEpoch));
    else delete record.resumes;
  }
  return { record: record as unknown as RunRecord };
}

function isDataWarnings(v: unknown): boolean {
  if (!isRecord(v)) return false;
  const skipped = v.skippedRows;
  const skippedOk =
    skipped === undefined ||
    (isRecord(skipped) && isFiniteNumber(skipped.count) && Array.isArray(skipped.examples) && skipped.examples.every((e) => typeof e === 'string'));
  return skippedOk && [v.duplicateRows, v.itemsWithoutTitle].every((n) => n === undefined || isFiniteNumber(n));
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** A sweep tag from disk or a message, or undefined when it is not one. */
export function parseRunSweepTag(v: unknown): RunSweepTag | undefined {
  if (!isRecord(v) || typeof v.sweepId !== 'string' || !isValidRunId(v.sweepId)) return undefined;
  if (!isCount(v.trial) || !isCount(v.attempt) || !isCount(v.seedIndex) || !isRecord(v.parameters)) return undefined;
  if (!Object.values(v.parameters).every((p) => typeof p === 'string' || isFiniteNumber(p))) return undefined;
  return { sweepId: v.sweepId, trial: v.trial, attempt: v.attempt, seedIndex: v.seedIndex, parameters: v.parameters as RunSweepTag['parameters'] };
}

/** A stop record (run.json's `stop`, or the stop-request file) or undefined when it is not one. */
export function parseRunStop(v: unknown): RunStop | undefined {
  if (!isRecord(v) || (v.rule !== 'asha' && v.rule !== 'median') || !isCount(v.epoch) || typeof v.reason !== 'string') return undefined;
  return {
    rule: v.rule,
    epoch: v.epoch,
    reason: v.reason,
    ...(isCount(v.rung) ? { rung: v.rung } : {}),
    ...(isFiniteNumber(v.metric) ? { metric: v.metric } : {}),
  };
}

function isEpochScore(v: unknown): boolean {
  return isRecord(v) && isFiniteNumber(v.epoch) && isFiniteNumber(v['ndcg@100']);
}

function isRankingMetrics(v: unknown): boolean {
  return (
    isRecord(v) && ['ndcg@100', 'recall@10', 'recall@20', 'recall@50'].every((k) => isFiniteNumber(v[k])) && (v.users === undefined || isFiniteNumber(v.users))
  );
}

function isGpuAdapter(v: unknown): boolean {
  return isRecord(v) && ['vendor', 'architecture', 'device', 'description'].every((k) => typeof v[k] === 'string') && typeof v.software === 'boolean';
}

function isFingerprint(v: unknown): boolean {
  return (
    isRecord(v) &&
    typeof v.layout === 'string' &&
    Array.isArray(v.files) &&
    v.files.every((f) => isRecord(f) && typeof f.name === 'string' && typeof f.sha256 === 'string' && isFiniteNumber(f.bytes))
  );
}

/**
 * Artifact paths are joined to the run directory by readers, so one read from disk must be a single
 * plain name: "../other-run/model" or an absolute path would point outside the run.
 */
function artifactsOf(v: unknown): RunRecord['artifacts'] {
  if (!isRecord(v)) return {};
  const artifacts: Record<string, string> = {};
  for (const key of ['model', 'recommendations', 'split'] as const) {
    const name = v[key];
    if (typeof name === 'string' && isValidRunId(name)) artifacts[key] = name;
  }
  return artifacts;
}

/**
 * Parses metrics.jsonl text. Lines that are not valid JSON objects of a known kind are counted,
 * not thrown: a torn last line (a crash mid-append) is normal, garbage in the middle is reported.
 */
export function parseMetricsLines(text: string): { lines: MetricsLine[]; bad: number; tornTail: boolean } {
  const lines: MetricsLine[] = [];
  let bad = 0;
  let tornTail = false;
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i].trim();
    if (s.length === 0) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch {
      if (i === raw.length - 1) tornTail = true;
      else bad++;
      continue;
    }
    if (isRecord(parsed) && isLineKind(parsed) && isFiniteNumber(parsed.step) && isFiniteNumber(parsed.epoch)) {
      lines.push(parsed as unknown as MetricsLine);
    } else {
      bad++;
    }
  }
  return { lines, bad, tornTail };
}

function isLineKind(v: Record<string, unknown>): boolean {
  if (v.kind === 'fit') return isFiniteNumber(v.lambda) && isFiniteNumber(v['val_ndcg@100']);
  return v.kind === 'step' || v.kind === 'epoch';
}

/** Run ids are generated by the trainer; anything else (from a webview, from disk) is checked against this. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidRunId(id: unknown): id is string {
  return typeof id === 'string' && RUN_ID_PATTERN.test(id) && !id.includes('..');
}
