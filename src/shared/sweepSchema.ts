/**
 * Sweeps (`vaerec sweep`): the sweep file a user writes (SweepSpec, validated strictly, every error
 * naming its key), the sweep record the coordinator keeps (`.vaerec/sweeps/<id>/sweep.json`,
 * SweepRecord, read back tolerantly like run.json) and the status object `sweep status --json`
 * prints (SweepStatusJson). Pure: no file system, so a VS Code view can use all of it.
 */
import { CONFIG_KEYS, configKey, mergeConfigs, setConfigValue } from './configKeys';
import { MODEL_KINDS, type ModelKind } from './modelKinds';
import type { RankingMetrics, RunStop } from './runSchema';
import { isRecord, isValidRunId, parseRunStop } from './runSchema';
import { ConfigError, DEFAULT_CONFIG, makeConfig } from './trainConfig';

export const SWEEP_FILE = 'sweep.json';
export const SWEEP_SCHEMA_VERSION = 1;
/** A grid with more trials than this needs `--yes`: a typo in a value list should not start a week of training. */
export const GRID_TRIAL_LIMIT = 100;

export type ParameterValue = number | string;
export type ParameterSpec = { values: ParameterValue[] } | { min: number; max: number; scale: 'linear' | 'log'; integer: boolean };

/** Figures of a metrics.jsonl epoch line a sweep can optimise. */
export const SWEEP_METRICS = ['val_ndcg@100', 'loss', 'nll', 'kl', 'negElbo'] as const;
export type SweepMetricName = (typeof SWEEP_METRICS)[number];
export interface SweepMetric {
  name: SweepMetricName;
  goal: 'max' | 'min';
}

/** Whether metric value a beats b under the goal. */
export const better = (goal: SweepMetric['goal'], a: number, b: number): boolean => (goal === 'max' ? a > b : a < b);

export interface AshaSpec {
  type: 'asha';
  graceEpochs: number;
  reductionFactor: number;
  maxEpochs: number;
}
export interface MedianSpec {
  type: 'median';
  afterEpochs: number;
  /** Others that must have reached the epoch before the rule judges (default 1). */
  minTrials: number;
}
export type EarlyStoppingSpec = { type: 'none' } | AshaSpec | MedianSpec;

export interface LocalExecutorSpec {
  type: 'local';
  concurrency: 'auto' | number;
  /** Training threads per trial (1 or 2); default: chosen with the concurrency. */
  threadsPerTrial?: 1 | 2;
}
export interface SlurmExecutorSpec {
  type: 'slurm';
  partition?: string;
  cpusPerTask: number;
  gpus?: number | string;
  time?: string;
  mem?: string;
  /** More `#SBATCH` options, each as one argument (e.g. "--account=lab"). */
  sbatchArgs: string[];
  /** Node.js on the compute nodes; default: the coordinator's. */
  nodePath?: string;
  /** Jobs queued or running at once; default: every trial is submitted. */
  maxJobs?: number;
}
export type ExecutorSpec = LocalExecutorSpec | SlurmExecutorSpec;

export interface SweepSpec {
  name: string;
  model: ModelKind;
  /** 'ml-1m' or a path; a relative path is relative to the sweep file (resolved by the coordinator). */
  dataset: string;
  base: Record<string, unknown>;
  parameters: Record<string, ParameterSpec>;
  method: 'grid' | 'random';
  /** Random search: configurations drawn. */
  trials?: number;
  /** Random search: seed of the draws (default 0). */
  seed?: number;
  repeats: number;
  metric: SweepMetric;
  earlyStopping: EarlyStoppingSpec;
  executor: ExecutorSpec;
  budget: { maxTrials?: number; maxHours?: number };
}

/** A mistake in a sweep file: `key` is its dotted path, e.g. `parameters.dropout.values`. */
export class SweepSpecError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`${key}: ${reason}`);
    this.name = 'SweepSpecError';
  }
}

const TOP_KEYS = [
  '$schema',
  '$comment',
  'name',
  'model',
  'dataset',
  'base',
  'parameters',
  'method',
  'trials',
  'seed',
  'repeats',
  'metric',
  'earlyStopping',
  'executor',
  'budget',
];

function fail(key: string, reason: string): never {
  throw new SweepSpecError(key, reason);
}

function onlyKeys(v: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(v)) if (!allowed.includes(k)) fail(where ? `${where}.${k}` : k, `unknown key (expected one of ${allowed.join(', ')})`);
}

function int(v: unknown, key: string, min: number, max = 1e9): number {
  if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) fail(key, `must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
  return v as number;
}

function num(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(key, `must be a number (got ${JSON.stringify(v)})`);
  return v;
}

function str(v: unknown, key: string): string {
  if (typeof v !== 'string' || v.trim().length === 0) fail(key, `must be a non-empty string (got ${JSON.stringify(v)})`);
  return v;
}

function obj(v: unknown, key: string): Record<string, unknown> {
  if (!isRecord(v)) fail(key, 'must be an object');
  return v;
}

/** Keys a sweep may vary: every configuration key but the seed, which `repeats` sets. */
export function sweepableKeys(model: ModelKind): string[] {
  return CONFIG_KEYS.filter((k) => k.key !== 'seed' && (!k.models || k.models.includes(model))).map((k) => k.key);
}

/** Checks a configuration through makeConfig, reporting its complaint under `key`. */
function checkConfig(model: ModelKind, partial: Record<string, unknown>, key: string): void {
  try {
    makeConfig(model, 'dataset', partial);
  } catch (err) {
    if (err instanceof ConfigError) fail(key, err.message);
    throw err;
  }
}

function parseParameter(name: string, v: unknown, spec: { model: ModelKind; base: Record<string, unknown>; method: string }): ParameterSpec {
  const key = `parameters.${name}`;
  const k = configKey(name);
  if (name === 'seed') fail(key, 'the seed is set by repeats (trial seed = base seed + repeat index), not swept');
  if (name === 'model' || name === 'data' || name.startsWith('data.')) fail(key, 'the model and the dataset are set by the sweep\'s "model" and "dataset"');
  if (!k) fail(key, `vaerec train has no such configuration key (known: ${CONFIG_KEYS.map((c) => c.key).join(', ')})`);
  if (k.models && !k.models.includes(spec.model)) fail(key, `applies to ${k.models.join(', ')} only, not ${spec.model}`);
  if (k.type === 'numberList') fail(key, 'is a list of candidates tried within one run: sweep the single value (lambda) instead');
  const p = obj(v, key);
  const withValue = (value: unknown) => {
    const partial = mergeConfigs(spec.base);
    setConfigValue(partial, name, value);
    return partial;
  };
  if ('values' in p) {
    onlyKeys(p, ['values'], key);
    if (!Array.isArray(p.values)) fail(`${key}.values`, 'must be a list');
    if (p.values.length === 0) fail(`${key}.values`, 'is an empty list');
    p.values.forEach((value: unknown, i: number) => {
      const at = `${key}.values[${i}]`;
      if (k.type === 'choice' ? typeof value !== 'string' : typeof value !== 'number')
        fail(at, `must be a ${k.type === 'choice' ? 'string' : 'number'} (got ${JSON.stringify(value)})`);
      checkConfig(spec.model, withValue(value), at);
    });
    return { values: p.values as ParameterValue[] };
  }
  onlyKeys(p, ['min', 'max', 'scale', 'integer'], key);
  if (!('min' in p) || !('max' in p)) fail(key, 'needs either "values" (a list) or "min" and "max" (a range)');
  if (k.type === 'choice') fail(key, `is a choice (${(k.choices ?? []).join(', ')}): give "values"`);
  if (spec.method === 'grid') fail(key, 'a range (min, max) needs "method": "random"; a grid takes "values"');
  const min = num(p.min, `${key}.min`);
  const max = num(p.max, `${key}.max`);
  if (min > max) fail(key, `min (${min}) is greater than max (${max})`);
  const scale = p.scale ?? 'linear';
  if (scale !== 'linear' && scale !== 'log') fail(`${key}.scale`, `must be "linear" or "log" (got ${JSON.stringify(scale)})`);
  if (scale === 'log' && min <= 0) fail(`${key}.min`, `a log scale needs min > 0 (got ${min})`);
  if (p.integer !== undefined && typeof p.integer !== 'boolean') fail(`${key}.integer`, 'must be true or false');
  const integer = k.type === 'int' || p.integer === true;
  if (integer && Math.ceil(min) > Math.floor(max)) fail(key, `holds no integer between ${min} and ${max}`);
  checkConfig(spec.model, withValue(integer ? Math.ceil(min) : min), `${key}.min`);
  checkConfig(spec.model, withValue(integer ? Math.floor(max) : max), `${key}.max`);
  return { min, max, scale, integer };
}

function parseMetric(v: unknown): SweepMetric {
  if (v === undefined) return { name: 'val_ndcg@100', goal: 'max' };
  const m = typeof v === 'string' ? { name: v } : obj(v, 'metric');
  onlyKeys(m, ['name', 'goal'], 'metric');
  if (!(SWEEP_METRICS as readonly unknown[]).includes(m.name))
    fail('metric.name', `must be one of ${SWEEP_METRICS.join(', ')} (got ${JSON.stringify(m.name)})`);
  const name = m.name as SweepMetricName;
  const goal = m.goal ?? (name === 'val_ndcg@100' ? 'max' : 'min');
  if (goal !== 'max' && goal !== 'min') fail('metric.goal', `must be "max" or "min" (got ${JSON.stringify(goal)})`);
  return { name, goal };
}

function parseEarlyStopping(v: unknown, base: Record<string, unknown>, parameters: Record<string, unknown>): EarlyStoppingSpec {
  if (v === undefined || v === 'none') return { type: 'none' };
  const e = obj(v, 'earlyStopping');
  if (e.type === 'none') {
    onlyKeys(e, ['type'], 'earlyStopping');
    return { type: 'none' };
  }
  if (e.type === 'asha') {
    onlyKeys(e, ['type', 'graceEpochs', 'reductionFactor', 'maxEpochs'], 'earlyStopping');
    const graceEpochs = int(e.graceEpochs, 'earlyStopping.graceEpochs', 1);
    const reductionFactor = num(e.reductionFactor ?? 3, 'earlyStopping.reductionFactor');
    if (reductionFactor <= 1) fail('earlyStopping.reductionFactor', `must be greater than 1 (got ${reductionFactor})`);
    const epochs = base.epochs;
    const maxEpochs = int(e.maxEpochs ?? epochs ?? DEFAULT_CONFIG.epochs, 'earlyStopping.maxEpochs', 1);
    if (maxEpochs < graceEpochs) fail('earlyStopping.maxEpochs', `(${maxEpochs}) is below graceEpochs (${graceEpochs})`);
    if (epochs !== undefined && epochs !== maxEpochs)
      fail('earlyStopping.maxEpochs', `(${maxEpochs}) differs from base.epochs (${String(epochs)}); the trials train up to maxEpochs`);
    if ('epochs' in parameters) fail('parameters.epochs', 'with ASHA every trial trains up to earlyStopping.maxEpochs');
    return { type: 'asha', graceEpochs, reductionFactor, maxEpochs };
  }
  if (e.type === 'median') {
    onlyKeys(e, ['type', 'afterEpochs', 'minTrials'], 'earlyStopping');
    return { type: 'median', afterEpochs: int(e.afterEpochs, 'earlyStopping.afterEpochs', 1), minTrials: int(e.minTrials ?? 1, 'earlyStopping.minTrials', 1) };
  }
  return fail('earlyStopping.type', `must be "none", "asha" or "median" (got ${JSON.stringify(e.type)})`);
}

function parseExecutor(v: unknown): ExecutorSpec {
  if (v === undefined) return { type: 'local', concurrency: 'auto' };
  const e = obj(v, 'executor');
  if (e.type === 'local') {
    onlyKeys(e, ['type', 'concurrency', 'threadsPerTrial'], 'executor');
    const concurrency = e.concurrency === undefined || e.concurrency === 'auto' ? 'auto' : int(e.concurrency, 'executor.concurrency', 1, 256);
    const threads = e.threadsPerTrial === undefined ? undefined : int(e.threadsPerTrial, 'executor.threadsPerTrial', 1, 2);
    return { type: 'local', concurrency, ...(threads !== undefined ? { threadsPerTrial: threads as 1 | 2 } : {}) };
  }
  if (e.type === 'slurm') {
    onlyKeys(e, ['type', 'partition', 'cpusPerTask', 'gpus', 'time', 'mem', 'sbatchArgs', 'nodePath', 'maxJobs'], 'executor');
    const out: SlurmExecutorSpec = { type: 'slurm', cpusPerTask: int(e.cpusPerTask ?? 1, 'executor.cpusPerTask', 1, 4096), sbatchArgs: [] };
    // These end up in a shell script's #SBATCH lines: one line each, no newlines smuggled in.
    const line = (x: unknown, key: string) => {
      const s = str(x, key);
      if (/[\n\r]/.test(s)) fail(key, 'must be one line');
      return s;
    };
    if (e.partition !== undefined) out.partition = line(e.partition, 'executor.partition');
    if (e.time !== undefined) out.time = line(e.time, 'executor.time');
    if (e.mem !== undefined) out.mem = line(e.mem, 'executor.mem');
    if (e.nodePath !== undefined) out.nodePath = line(e.nodePath, 'executor.nodePath');
    if (e.gpus !== undefined) out.gpus = typeof e.gpus === 'number' ? int(e.gpus, 'executor.gpus', 1, 1024) : line(e.gpus, 'executor.gpus');
    if (e.maxJobs !== undefined) out.maxJobs = int(e.maxJobs, 'executor.maxJobs', 1, 100_000);
    if (e.sbatchArgs !== undefined) {
      if (!Array.isArray(e.sbatchArgs)) fail('executor.sbatchArgs', 'must be a list of strings');
      out.sbatchArgs = e.sbatchArgs.map((a: unknown, i: number) => {
        const s = line(a, `executor.sbatchArgs[${i}]`);
        if (!s.startsWith('-')) fail(`executor.sbatchArgs[${i}]`, `must be an option such as "--account=lab" (got ${JSON.stringify(s)})`);
        return s;
      });
    }
    return out;
  }
  return fail('executor.type', `must be "local" or "slurm" (got ${JSON.stringify(e.type)})`);
}

/**
 * Validates a parsed sweep file and fills in its defaults. Throws SweepSpecError naming the first
 * bad key; every configuration value is checked by makeConfig, as `vaerec train` would.
 */
export function parseSweepSpec(v: unknown): SweepSpec {
  const s = obj(v, '(the sweep file)');
  onlyKeys(s, TOP_KEYS, '');
  // JSON has no comments: a sweep file explains itself in "$comment" (one line or a list of lines), read by nobody.
  const comment = s.$comment;
  if (comment !== undefined && typeof comment !== 'string' && !(Array.isArray(comment) && comment.every((l) => typeof l === 'string')))
    fail('$comment', 'must be a string or a list of strings');
  const name = str(s.name, 'name');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) fail('name', 'must be 1-64 letters, digits, ".", "_" or "-" (it names the sweep\'s folder)');
  if (!(MODEL_KINDS as readonly unknown[]).includes(s.model)) fail('model', `must be one of ${MODEL_KINDS.join(', ')} (got ${JSON.stringify(s.model)})`);
  const model = s.model as ModelKind;
  const dataset = str(s.dataset, 'dataset');
  const base = s.base === undefined ? {} : obj(s.base, 'base');
  for (const k of Object.keys(base)) {
    if (k === 'model') fail('base.model', 'the model is set by the sweep\'s "model"');
    if (k === 'seed' || k === 'data') continue;
    if (k === 'protocol') {
      for (const p of Object.keys(obj(base.protocol, 'base.protocol')))
        if (!configKey(`protocol.${p}`)) fail(`base.protocol.${p}`, 'unknown configuration key');
      continue;
    }
    if (!configKey(k)) fail(`base.${k}`, `vaerec train has no such configuration key (known: ${CONFIG_KEYS.map((c) => c.key).join(', ')})`);
  }
  if (isRecord(base.data) && 'source' in base.data) fail('base.data.source', 'the dataset is set by the sweep\'s "dataset"');
  checkConfig(model, base, 'base');
  const method = s.method ?? 'grid';
  if (method !== 'grid' && method !== 'random') fail('method', `must be "grid" or "random" (got ${JSON.stringify(method)})`);
  const paramsIn = s.parameters === undefined ? {} : obj(s.parameters, 'parameters');
  const parameters: Record<string, ParameterSpec> = {};
  for (const [name, p] of Object.entries(paramsIn)) parameters[name] = parseParameter(name, p, { model, base, method });
  let trials: number | undefined;
  if (method === 'random') trials = int(s.trials, 'trials', 1, 1_000_000);
  else if (s.trials !== undefined) fail('trials', 'applies to "method": "random" (a grid has one trial per combination)');
  if (method === 'grid' && s.seed !== undefined) fail('seed', 'seeds the random draws of "method": "random"; the training seed goes in base.seed');
  const seed = method === 'random' ? (s.seed === undefined ? 0 : int(s.seed, 'seed', 0, 0xffffffff)) : undefined;
  const repeats = s.repeats === undefined ? 1 : int(s.repeats, 'repeats', 1, 1000);
  const metric = parseMetric(s.metric);
  const earlyStopping = parseEarlyStopping(s.earlyStopping, base, paramsIn);
  if (earlyStopping.type !== 'none' && metric.name === 'val_ndcg@100' && isRecord(base) && typeof base.evalEvery === 'number' && base.evalEvery > 1) {
    // Rungs and the median rule read a validation figure per epoch.
    fail('base.evalEvery', 'early stopping on val_ndcg@100 needs a validation every epoch (evalEvery 1)');
  }
  const executor = parseExecutor(s.executor);
  const budgetIn = s.budget === undefined ? {} : obj(s.budget, 'budget');
  onlyKeys(budgetIn, ['maxTrials', 'maxHours'], 'budget');
  const budget: SweepSpec['budget'] = {};
  if (budgetIn.maxTrials !== undefined) budget.maxTrials = int(budgetIn.maxTrials, 'budget.maxTrials', 1);
  if (budgetIn.maxHours !== undefined) {
    budget.maxHours = num(budgetIn.maxHours, 'budget.maxHours');
    if (budget.maxHours <= 0) fail('budget.maxHours', 'must be above 0');
  }
  return {
    name,
    model,
    dataset,
    base,
    parameters,
    method,
    ...(trials !== undefined ? { trials } : {}),
    seed,
    repeats,
    metric,
    earlyStopping,
    executor,
    budget,
  };
}

// ---------------------------------------------------------------------------------------------
// The sweep record (sweep.json)

export type SweepStatus = 'running' | 'completed' | 'stopped' | 'failed' | 'interrupted';
export const SWEEP_STATUSES: readonly SweepStatus[] = ['running', 'completed', 'stopped', 'failed', 'interrupted'];

/**
 * pending: not launched yet; running: launched (queued or training); completed / stopped (by the
 * early-stopping rule) / failed: final; cancelled: ended by `sweep stop` (resume continues its run);
 * skipped: left out when the budget ran out.
 */
export type TrialState = 'pending' | 'running' | 'completed' | 'stopped' | 'failed' | 'cancelled' | 'skipped';
export const TRIAL_STATES: readonly TrialState[] = ['pending', 'running', 'completed', 'stopped', 'failed', 'cancelled', 'skipped'];

export interface RungResult {
  rung: number;
  epoch: number;
  /** The trial's best metric up to the rung's epoch. */
  metric: number;
  /** Trials at the rung when it arrived (itself included) and the value it had to reach. */
  trialsAtRung: number;
  cutoff: number;
  /** finished: the trial had already ended when its rung was read (too fast to stop). */
  decision: 'continue' | 'stop' | 'finished';
}

/** One launch of a trial that did not finish it (a restart replaced it). */
export interface TrialAttempt {
  attempt: number;
  runId?: string;
  jobId?: string;
  outcome: string;
}

export interface SweepTrial {
  index: number;
  configIndex: number;
  seedIndex: number;
  params: Record<string, ParameterValue>;
  seed: number;
  state: TrialState;
  /** The `vaerec train` command that trains this trial (runs directory and sweep tag included). */
  command: string[];
  attempt: number;
  /** The trial's run; a pending trial that has one continues it (`vaerec train --resume`) instead of starting a new run. */
  runId?: string;
  jobId?: string;
  pid?: number;
  /** How often the trial's run was resumed after its trainer died or the sweep was stopped. */
  resumes?: number;
  epochs: number;
  /** Best metric so far and its epoch. */
  metric?: number;
  metricEpoch?: number;
  rungs: RungResult[];
  stop?: RunStop;
  error?: string;
  test?: RankingMetrics;
  threads?: number;
  startedAt?: string;
  finishedAt?: string;
  previousAttempts: TrialAttempt[];
}

export interface SweepExecutorState {
  type: 'local' | 'slurm';
  /** Trials at once (local) or jobs at once (slurm, 0: no limit). */
  concurrency: number;
  threadsPerTrial: number;
}

export interface SweepBest {
  /** The best configuration's best repeat: its trial index and run. */
  index: number;
  runId?: string;
  configIndex: number;
  params: Record<string, ParameterValue>;
  /** Mean of the configuration's completed repeats' best metric. */
  metric: number;
  metricStd: number;
  repeats: number;
  runIds: string[];
  /** Test metrics of the completed repeats: mean and sample standard deviation. */
  test?: { mean: Record<string, number>; std: Record<string, number>; n: number };
}

export interface SweepRecord {
  schemaVersion: number;
  id: string;
  name: string;
  status: SweepStatus;
  /** The sweep file as given, and the absolute dataset and runs directory it resolved to. */
  specFile: string;
  spec: SweepSpec;
  dataSource: string;
  runsDir: string;
  cacheDir: string;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Wall seconds the coordinator has run this sweep, over all its sessions (the budget's clock). */
  elapsedSeconds: number;
  coordinator?: { pid: number; host: string; startedAt: string };
  executor: SweepExecutorState;
  trials: SweepTrial[];
  best?: SweepBest;
  /** What each resume did with the trials it found running, and other notices, oldest first. */
  log: string[];
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function parseTrial(v: unknown, i: number): SweepTrial | undefined {
  if (!isRecord(v) || v.index !== i || !isCount(v.configIndex) || !isCount(v.seedIndex) || !isCount(v.seed) || !isRecord(v.params)) return undefined;
  if (!(TRIAL_STATES as readonly unknown[]).includes(v.state)) return undefined;
  const params = v.params as Record<string, unknown>;
  if (!Object.values(params).every((p) => typeof p === 'string' || isFiniteNumber(p))) return undefined;
  const t: SweepTrial = {
    index: i,
    configIndex: v.configIndex,
    seedIndex: v.seedIndex,
    params: params as Record<string, ParameterValue>,
    seed: v.seed,
    state: v.state as TrialState,
    command: Array.isArray(v.command) && v.command.every((a) => typeof a === 'string') ? (v.command as string[]) : [],
    attempt: isCount(v.attempt) ? v.attempt : 0,
    epochs: isCount(v.epochs) ? v.epochs : 0,
    rungs: Array.isArray(v.rungs)
      ? (v.rungs.filter((r) => isRecord(r) && isCount(r.rung) && isCount(r.epoch) && isFiniteNumber(r.metric)) as RungResult[])
      : [],
    previousAttempts: Array.isArray(v.previousAttempts)
      ? (v.previousAttempts.filter((a) => isRecord(a) && isCount(a.attempt) && typeof a.outcome === 'string') as TrialAttempt[])
      : [],
  };
  // Ids and pids are used to find and signal processes and folders: only well-formed ones are kept.
  if (isValidRunId(v.runId)) t.runId = v.runId;
  if (typeof v.jobId === 'string' && /^\d+(_\d+)?$/.test(v.jobId)) t.jobId = v.jobId;
  if (Number.isSafeInteger(v.pid) && (v.pid as number) > 0) t.pid = v.pid as number;
  if (isFiniteNumber(v.metric)) t.metric = v.metric;
  if (isCount(v.metricEpoch)) t.metricEpoch = v.metricEpoch;
  const stop = parseRunStop(v.stop);
  if (stop) t.stop = stop;
  if (typeof v.error === 'string') t.error = v.error;
  if (isRecord(v.test) && isFiniteNumber(v.test['ndcg@100'])) t.test = v.test as unknown as RankingMetrics;
  if (isCount(v.threads)) t.threads = v.threads;
  if (isCount(v.resumes)) t.resumes = v.resumes;
  if (typeof v.startedAt === 'string') t.startedAt = v.startedAt;
  if (typeof v.finishedAt === 'string') t.finishedAt = v.finishedAt;
  return t;
}

/**
 * Validates a parsed sweep.json; returns the record or the reason it cannot be used. Never throws.
 * The spec inside is re-validated in full, so a hand-edited record cannot smuggle in a bad value.
 */
export function validateSweepRecord(v: unknown): { record: SweepRecord } | { reason: string } {
  if (!isRecord(v)) return { reason: 'sweep.json is not a JSON object' };
  if (!isValidRunId(v.id)) return { reason: 'sweep.json has no valid id' };
  if (isFiniteNumber(v.schemaVersion) && v.schemaVersion > SWEEP_SCHEMA_VERSION)
    return { reason: `sweep.json schema version ${v.schemaVersion} is newer than this reader (${SWEEP_SCHEMA_VERSION})` };
  if (!(SWEEP_STATUSES as readonly unknown[]).includes(v.status)) return { reason: `sweep.json has an unknown status ${JSON.stringify(v.status)}` };
  let spec: SweepSpec;
  try {
    spec = parseSweepSpec(v.spec);
  } catch (err) {
    return { reason: `sweep.json's spec is not valid: ${(err as Error).message}` };
  }
  for (const key of ['specFile', 'dataSource', 'runsDir', 'cacheDir', 'createdAt'] as const)
    if (typeof v[key] !== 'string' || (v[key] as string).length === 0) return { reason: `sweep.json has no ${key}` };
  if (!Array.isArray(v.trials)) return { reason: 'sweep.json has no trials' };
  const trials: SweepTrial[] = [];
  for (let i = 0; i < v.trials.length; i++) {
    const t = parseTrial(v.trials[i], i);
    if (!t) return { reason: `sweep.json: trial ${i} is damaged` };
    trials.push(t);
  }
  const ex = isRecord(v.executor) ? v.executor : {};
  const record: SweepRecord = {
    schemaVersion: SWEEP_SCHEMA_VERSION,
    id: v.id,
    name: typeof v.name === 'string' ? v.name : spec.name,
    status: v.status as SweepStatus,
    specFile: v.specFile as string,
    spec,
    dataSource: v.dataSource as string,
    runsDir: v.runsDir as string,
    cacheDir: v.cacheDir as string,
    createdAt: v.createdAt as string,
    updatedAt: typeof v.updatedAt === 'string' ? v.updatedAt : (v.createdAt as string),
    elapsedSeconds: isFiniteNumber(v.elapsedSeconds) && v.elapsedSeconds >= 0 ? v.elapsedSeconds : 0,
    executor: {
      type: spec.executor.type,
      concurrency: isCount(ex.concurrency) ? ex.concurrency : 1,
      threadsPerTrial: ex.threadsPerTrial === 2 ? 2 : 1,
    },
    trials,
    log: Array.isArray(v.log) ? v.log.filter((l): l is string => typeof l === 'string') : [],
  };
  if (typeof v.finishedAt === 'string') record.finishedAt = v.finishedAt;
  const c = v.coordinator;
  if (isRecord(c) && Number.isSafeInteger(c.pid) && (c.pid as number) > 0 && typeof c.host === 'string' && typeof c.startedAt === 'string') {
    record.coordinator = { pid: c.pid as number, host: c.host, startedAt: c.startedAt };
  }
  if (isRecord(v.best) && isCount(v.best.index) && isFiniteNumber(v.best.metric) && isRecord(v.best.params)) record.best = v.best as unknown as SweepBest;
  return { record };
}

// ---------------------------------------------------------------------------------------------
// `vaerec sweep run|resume|status --json`

export interface SweepTrialStatusJson {
  index: number;
  runId: string | null;
  params: Record<string, ParameterValue>;
  seed: number;
  status: TrialState;
  epochs: number;
  metric: number | null;
  stop?: RunStop;
  error?: string;
  jobId?: string;
}

export interface SweepStatusJson {
  sweepId: string;
  sweepDir: string;
  name: string;
  status: SweepStatus;
  metric: SweepMetric;
  /** Epochs trained by all trials, and the epochs the trials not yet finished could still take. */
  progress: { epochsDone: number; epochsPlanned: number; trialsDone: number; trials: number };
  trials: SweepTrialStatusJson[];
  best: SweepBest | null;
}
