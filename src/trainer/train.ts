/**
 * One training run from data to test metrics, writing everything to its run directory as it goes.
 * Runs inside the trainer child process; talks to the parent only through `emit`.
 */
import * as os from 'node:os';
import { MODEL_INFO, trainingPasses } from '../shared/modelKinds';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MODEL_DIR, RECOMMENDATIONS_FILE, SPLIT_FILE, STOP_REQUEST_FILE, TRAINING_STATE_DIR } from '../shared/runLayout';
import { readRun } from '../shared/runReader';
import { resumeRefusal } from '../shared/runResume';
import type { BackendChoice, DataFingerprint, DataWarnings, MetricsLine, RunRecord, RunStatus, RunSweepTag, TrainConfig } from '../shared/runSchema';
import { ConfigError, autoHeldoutUsers, makeConfig, type AutoField } from '../shared/trainConfig';
import type { TrainerToParent } from '../shared/trainerMessages';
import { selectBackend } from './backend';
import { fingerprintOf, loadDataset } from './data/load';
import { evaluateCancellable, evaluateHeldOut, evaluateModel } from './evaluate';
import { InputError } from './inputError';
import type { EaseFit } from './model/easeFit';
import type { AnyRecommender, Recommender } from './model/types';
import { TRAINER_KINDS, type FittedKind, type SteppedKind, type TrainableModel } from './modelKinds';
import { NumpyRandomState } from './protocol/mt19937';
import { gatherRows, type Split } from './protocol/split';
import { RunWriter, metricsText } from './runStore';
import { takeResumeLock } from './resumeLock';
import { readStopRequest } from './stopRequest';
import { readTrainingCheckpoint, writeTrainingCheckpoint, type TrainingCheckpoint } from './trainingCheckpoint';

/**
 * Training threads for Mult-VAE and SVAE. The wasm and cpu backends use one core each under Node,
 * so a second thread takes half of every batch (model/parallel.ts; the README's speed tables give
 * the gain on 2 cores here);
 * the native TensorFlow backends are multi-threaded already. VAEREC_THREADS=1 forces one thread,
 * which makes a run's figures independent of the machine's core count.
 */
export function trainingThreads(backend: string): 1 | 2 {
  if (process.env.VAEREC_THREADS === '1') return 1;
  return (backend === 'wasm' || backend === 'cpu') && os.availableParallelism() >= 2 ? 2 : 1;
}
export const RECOMMENDATIONS_K = 100;

export interface TrainOptions {
  config: TrainConfig;
  runsDir: string;
  cacheDir: string;
  name?: string;
  /** Set when the run is a sweep's trial; recorded in run.json. */
  sweep?: RunSweepTag;
  emit(message: TrainerToParent): void;
  /** Aborted when the parent asks to cancel; checked at every batch boundary, between chunks of a validation pass and inside data loading. */
  signal: AbortSignal;
}

/** `vaerec train --resume RUN_DIR`: the run to continue, in its own directory, with its own configuration. */
export interface ResumeOptions {
  runDir: string;
  cacheDir: string;
  /** A backend other than the one the run's configuration names (allowed, with a warning). */
  backend?: BackendChoice;
  emit(message: TrainerToParent): void;
  signal: AbortSignal;
}

/** A run being resumed: its record as found and where its training stands (none: no epoch was saved). */
interface Resuming {
  dir: string;
  record: RunRecord;
  checkpoint?: TrainingCheckpoint;
  /** Called once the run's record says running again: the resume lock is no longer needed. */
  onReopened?: () => void;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'AbortError';
  }
}

function checkCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}

/** Lets IPC messages (cancel) in between synchronous training steps. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function heldOutJson(split: Split) {
  const side = (h: Split['validation']) =>
    h.users.map((user, r) => ({
      user,
      foldIn: Array.from(h.foldIn.indices.subarray(h.foldIn.indptr[r], h.foldIn.indptr[r + 1]), (i) => split.items[i]),
      targets: Array.from(h.targets.indices.subarray(h.targets.indptr[r], h.targets.indptr[r + 1]), (i) => split.items[i]),
    }));
  return { items: split.items, validation: side(split.validation), test: side(split.test) };
}

/** Loads and splits the data; nothing is written yet, so bad data leaves no half-made run behind. */
async function prepareData(opts: TrainOptions): Promise<{
  config: TrainConfig;
  auto: AutoField[];
  split: Split;
  fingerprint: DataFingerprint;
  dataWarnings: DataWarnings;
  stepsPerEpoch: number;
  loadSeconds: number;
  splitSeconds: number;
}> {
  const { emit, signal } = opts;
  let config = opts.config;
  const loadStart = Date.now();
  emit({ type: 'phase', phase: 'load', message: `loading ${config.data.source}` });
  const dataset = await loadDataset(config.data, {
    cacheDir: opts.cacheDir,
    signal,
    onProgress: (p) => emit({ type: 'phase', phase: p.phase, message: p.message, fraction: p.fraction }),
  });
  if (dataset.skipped.count > 0)
    emit({ type: 'log', level: 'warn', message: `skipped ${dataset.skipped.count} malformed rows, e.g. ${dataset.skipped.examples.join('; ')}` });
  const ratingsFile = dataset.files[0]?.path ?? config.data.source;
  if (dataset.duplicates > 0)
    emit({ type: 'log', level: 'warn', message: `${ratingsFile}: ${dataset.duplicates} duplicate (user, item) rows: the last rating of each pair was kept` });
  // A movie file that disagrees with the ratings is no reason to stop, but the user should know why
  // titles are missing. dataset.files lists the ratings file first and the movie file last.
  if (dataset.moviesMissing > 0)
    emit({
      type: 'log',
      level: 'warn',
      message: `${dataset.files.at(-1)?.path}: ${dataset.moviesMissing} rated items have no entry there (shown without a title)`,
    });
  checkCancelled(signal);

  const loadSeconds = (Date.now() - loadStart) / 1000;
  const sequential = MODEL_INFO[config.model].sequential;
  emit({ type: 'phase', phase: 'split', message: sequential ? 'splitting users (time-ordered histories)' : 'splitting users (strong generalisation)' });
  if (sequential && dataset.interactions.timestamp === null)
    emit({ type: 'log', level: 'warn', message: "the ratings have no timestamps: each user's history is taken in file order" });
  const splitStart = Date.now();
  // Recorded, so that a rerun keeps "auto" instead of freezing the values resolved for this data.
  const auto: AutoField[] = [];
  if (config.protocol.heldoutUsers === 0) {
    auto.push('protocol.heldoutUsers');
    const eligible = countEligibleUsers(dataset.interactions, config.protocol.minRating, config.protocol.minUserItems);
    config = { ...config, protocol: { ...config.protocol, heldoutUsers: autoHeldoutUsers(eligible, config.model) } };
  }
  const trainerKind = TRAINER_KINDS[config.model];
  const split = trainerKind.split(dataset.interactions, config.protocol, config.seed);
  for (const [side, heldOut] of [
    ['validation', split.validation],
    ['test', split.test],
  ] as const) {
    if (!hasTargets(heldOut.targets))
      throw new InputError(`no ${side} user has held-out targets (their items are all fold-in): the ${side} metrics would mean nothing`);
  }
  if (trainerKind.resolve) config = trainerKind.resolve(config, split);
  const stepsPerEpoch = Math.ceil(split.train.users.length / config.batchSize) * trainingPasses(config).length;
  if (config.annealSteps === 0) {
    auto.push('annealSteps');
    config = { ...config, annealSteps: Math.max(1, stepsPerEpoch * config.epochs) };
  }
  emit({
    type: 'log',
    level: 'info',
    message: `split: ${split.summary.trainUsers} train / ${split.summary.validationUsers} validation / ${split.summary.testUsers} test users, ${split.summary.items} items`,
  });
  const splitSeconds = (Date.now() - splitStart) / 1000;
  checkCancelled(signal);
  const dataWarnings: DataWarnings = {
    ...(dataset.skipped.count > 0 ? { skippedRows: dataset.skipped } : {}),
    ...(dataset.duplicates > 0 ? { duplicateRows: dataset.duplicates } : {}),
    ...(dataset.moviesMissing > 0 ? { itemsWithoutTitle: dataset.moviesMissing } : {}),
  };
  return { config, auto, split, fingerprint: fingerprintOf(dataset), dataWarnings, stepsPerEpoch, loadSeconds, splitSeconds };
}

export function runTraining(opts: TrainOptions): Promise<RunRecord | undefined> {
  return execute(opts);
}

/**
 * The run's configuration, validated again (run.json is read from disk), with a backend override;
 * undefined when the run cannot be resumed, after saying why (bad input).
 */
function openForResume(opts: ResumeOptions): { resuming: Resuming; config: TrainConfig; release: () => void } | undefined {
  const dir = path.resolve(opts.runDir);
  let release: (() => void) | undefined;
  try {
    const check = () => {
      const entry = readRun(dir);
      const refusal = resumeRefusal(entry);
      if (refusal || !entry.ok) throw new InputError(refusal ?? `${dir}: not a run`);
      return entry.record;
    };
    check();
    release = takeResumeLock(dir);
    // Read again under the lock: a resume that held it a moment ago may have taken the run.
    const record = check();
    const overrides: Record<string, unknown> = { ...record.config, ...(opts.backend ? { backend: opts.backend } : {}) };
    const dataOptions: Record<string, unknown> = { ...record.config.data };
    delete overrides.model;
    delete dataOptions.source;
    const config = makeConfig(record.model, record.config.data.source, { ...overrides, data: dataOptions });
    const checkpoint = MODEL_INFO[record.model].epochs ? readTrainingCheckpoint(dir) : undefined;
    if (!checkpoint && MODEL_INFO[record.model].epochs && record.best)
      throw new InputError(`${dir}: no training state was saved (a run made before resumable checkpoints): it cannot be continued`);
    return { resuming: { dir, record, ...(checkpoint ? { checkpoint } : {}), onReopened: release }, config, release };
  } catch (err) {
    release?.();
    opts.emit({ type: 'error', message: err instanceof ConfigError ? `${dir}/run.json: ${err.message}` : (err as Error).message });
    opts.emit({ type: 'done', status: 'failed', epochs: 0, badInput: true });
    return undefined;
  }
}

/**
 * Continues an interrupted, cancelled, stopped or failed run in its own directory from its last
 * saved epoch: weights, Adam's moments, step counts, generators, best-so-far and metrics as they
 * were then. A kind fitted in one pass (EASE, popularity) is fitted again.
 */
export async function resumeTraining(opts: ResumeOptions): Promise<RunRecord | undefined> {
  const opened = openForResume(opts);
  if (!opened) return undefined;
  const { resuming, config, release } = opened;
  try {
    return await execute({ config, runsDir: path.dirname(resuming.dir), cacheDir: opts.cacheDir, emit: opts.emit, signal: opts.signal }, resuming);
  } finally {
    release();
  }
}

/** The data must be the data the run was trained on: the split and every saved state depend on it. */
function checkSameData(resuming: Resuming, fingerprint: DataFingerprint): void {
  const before = resuming.record.fingerprint;
  if (before && JSON.stringify(before) !== JSON.stringify(fingerprint))
    throw new InputError(`${resuming.record.config.data.source}: the data is not what run ${resuming.record.id} was trained on (its fingerprint changed)`);
}

/** Takes the run back in its directory, its record put back to where its training state stands. */
function reopenRun(resuming: Resuming): RunWriter {
  const { dir, record, checkpoint } = resuming;
  const loop = checkpoint?.loop;
  // The previous session's test no longer describes the run.
  fs.rmSync(path.join(dir, RECOMMENDATIONS_FILE), { force: true });
  fs.rmSync(path.join(dir, STOP_REQUEST_FILE), { force: true });
  const artifacts = { ...record.artifacts };
  delete artifacts.recommendations;
  if (!loop?.best) delete artifacts.model;
  const patch: Partial<RunRecord> = {
    epochsCompleted: loop?.epoch ?? 0,
    steps: loop?.step ?? 0,
    epochSeconds: loop?.epochSeconds ?? [],
    best: loop?.best,
    lastValidation: loop?.lastValidation,
    artifacts,
    resumes: [...(record.resumes ?? []), { at: new Date().toISOString(), afterEpoch: loop?.epoch ?? 0 }],
  };
  return RunWriter.reopen(dir, record, loop ? { bytes: loop.metricsBytes, epochLine: loop.epochLine } : { bytes: 0, epochLine: '' }, patch);
}

async function execute(opts: TrainOptions, resuming?: Resuming): Promise<RunRecord | undefined> {
  const { emit } = opts;
  let prepared: Awaited<ReturnType<typeof prepareData>>;
  try {
    prepared = await prepareData(opts);
    if (resuming) checkSameData(resuming, prepared.fingerprint);
  } catch (err) {
    const cancelled = opts.signal.aborted || (err as Error).name === 'AbortError';
    // A configuration mistake names its field, so each front end can name its own flag or setting;
    // like a refused data file, it is the user's input, not a failed run.
    if (!cancelled) emit({ type: 'error', message: (err as Error).message, ...(err instanceof ConfigError && err.field ? { field: err.field } : {}) });
    const badInput = err instanceof InputError || err instanceof ConfigError;
    emit({ type: 'done', status: cancelled ? 'cancelled' : 'failed', epochs: 0, ...(badInput ? { badInput: true } : {}) });
    return undefined;
  }
  const { config, auto, split, fingerprint, dataWarnings, stepsPerEpoch, loadSeconds, splitSeconds } = prepared;
  const run = resuming ? reopenRun(resuming) : RunWriter.create(opts.runsDir, config, opts.name, { sweep: opts.sweep });
  resuming?.onReopened?.();
  const from = resuming?.checkpoint;
  emit({ type: 'started', runId: run.id, runDir: run.dir, pid: process.pid, ...(resuming ? { resumedAfterEpoch: from?.loop.epoch ?? 0 } : {}) });
  if (resuming)
    emit({
      type: 'log',
      level: 'info',
      message: from
        ? `resuming after epoch ${from.loop.epoch} of ${config.epochs}`
        : MODEL_INFO[config.model].epochs
          ? 'no epoch was saved: training from the start'
          : 'fitting again (fitted in one pass)',
    });
  let model: AnyRecommender | undefined;
  let status: RunStatus = 'failed';
  let error: string | undefined;
  try {
    if (!resuming) {
      run.writeArtifact(SPLIT_FILE, JSON.stringify(heldOutJson(split)));
      run.update({
        auto,
        fingerprint,
        split: split.summary,
        timings: { loadSeconds, splitSeconds },
        artifacts: { split: SPLIT_FILE },
        ...(Object.keys(dataWarnings).length > 0 ? { dataWarnings } : {}),
      });
    }
    const kind = TRAINER_KINDS[config.model];
    if (kind.fit) {
      run.update({ backend: 'js' });
      await fitModel(kind, split, config, run, opts, (m) => (model = m));
    } else {
      emit({ type: 'phase', phase: 'backend', message: `starting the ${config.backend} backend` });
      const backend = await selectBackend(config.backend, (message, level = 'warn') => emit({ type: 'log', level, message }), {
        webgpu: kind.webgpu,
        webgpuUnsupportedBy: MODEL_INFO[config.model].label,
      });
      run.update({ backend: backend.name, ...(backend.adapter ? { adapter: backend.adapter } : {}) });
      emit({ type: 'backend', backend: backend.name, note: backend.note });
      const threads = from ? resumedThreads(from.loop.threads, backend.name) : trainingThreads(backend.name);
      const trained = kind.create(config, split.items.length, threads);
      model = trained;
      run.update({ threads: trained.threads });
      if (from) warnIfDifferent(from, backend.name, trained.threads, emit);
      await trainEpochs(trained, kind, split, config, run, opts, stepsPerEpoch, from);
    }
    status = 'completed';
  } catch (err) {
    if (opts.signal.aborted || (err as Error).name === 'AbortError') {
      // A sweep's early stop is a cancel with a reason left in the run directory; such runs are not tested.
      const stop = readStopRequest(run.dir);
      status = stop ? 'stopped' : 'cancelled';
      if (stop) run.update({ stop });
    } else {
      status = 'failed';
      error = (err as Error).message;
    }
  }
  return finish(run, model, split, status, error, opts);
}

/**
 * A resumed run trains on the threads it trained on where it can: two threads sum a batch's
 * gradient in another order than one, so the same count is what makes the run continue exactly.
 */
function resumedThreads(saved: number, backend: string): 1 | 2 {
  return saved === 1 ? 1 : trainingThreads(backend);
}

function warnIfDifferent(from: TrainingCheckpoint, backend: string, threads: number, emit: TrainOptions['emit']): void {
  const { loop } = from;
  if (loop.backend !== backend)
    emit({
      type: 'log',
      level: 'warn',
      message: `resuming on ${backend}, not ${loop.backend} as the run began: its metrics may differ in the last digits from a run never interrupted`,
    });
  else if (loop.threads !== threads)
    emit({
      type: 'log',
      level: 'warn',
      message: `resuming on ${threads} training thread${threads === 1 ? '' : 's'}, not ${loop.threads}: its metrics may differ in the last digits from a run never interrupted`,
    });
}

function hasTargets(targets: { indptr: Int32Array }): boolean {
  return targets.indptr[targets.indptr.length - 1] > 0;
}

/** Threads for a closed-form fit in plain JavaScript (EASE's inversion): both cores where there are two. */
function fitThreads(): 1 | 2 {
  return process.env.VAEREC_THREADS === '1' || os.availableParallelism() < 2 ? 1 : 2;
}

/**
 * A closed-form fit: each candidate it tries becomes a "fit" line (EASE: a lambda and its validation
 * NDCG@100); the model it returns is validated, saved and recorded as the run's best.
 */
async function fitModel(
  kind: FittedKind,
  split: Split,
  config: TrainConfig,
  run: RunWriter,
  opts: TrainOptions,
  keep: (m: Recommender) => void,
): Promise<void> {
  const { emit } = opts;
  emit({ type: 'phase', phase: 'train', message: `fitting ${MODEL_INFO[config.model].label}` });
  const start = Date.now();
  let chosen: EaseFit | undefined;
  let candidates = 0;
  const fitted = await kind.fit(split.train, split.items.length, config, {
    validation: split.validation,
    threads: fitThreads(),
    signal: opts.signal,
    onFit: (fit) => {
      const line: MetricsLine = {
        kind: 'fit',
        step: ++candidates,
        epoch: 0,
        time: (Date.now() - start) / 1000,
        seconds: fit.seconds,
        lambda: fit.lambda,
        'val_ndcg@100': fit['val_ndcg@100'],
      };
      run.appendMetrics([line]);
      run.syncMetrics();
      emit({
        type: 'log',
        level: 'info',
        message: `lambda ${fit.lambda}: validation NDCG@100 ${fit['val_ndcg@100'].toFixed(4)}, fitted in ${fit.seconds.toFixed(1)} s`,
      });
      if (!chosen || fit['val_ndcg@100'] > chosen['val_ndcg@100']) chosen = fit;
      run.update({ threads: fit.threads });
    },
    onProgress: (fraction, message) => emit({ type: 'phase', phase: 'train', message, fraction }),
  });
  keep(fitted);
  const fitSeconds = (Date.now() - start) / 1000;
  const val = evaluateHeldOut(fitted, split.validation).metrics['ndcg@100'];
  await run.saveCheckpoint(MODEL_DIR, (dir) => fitted.save(dir));
  run.update({
    best: { epoch: 0, 'ndcg@100': val, ...(chosen ? { lambda: chosen.lambda } : {}) },
    lastValidation: { epoch: 0, 'ndcg@100': val },
    timings: { ...run.current.timings, fitSeconds },
    artifacts: { ...run.current.artifacts, model: MODEL_DIR },
  });
}

function countEligibleUsers(data: { length: number; user: Int32Array; rating: Float32Array; users: string[] }, minRating: number, minItems: number): number {
  const counts = new Int32Array(data.users.length);
  for (let r = 0; r < data.length; r++) if (data.rating[r] > minRating) counts[data.user[r]]++;
  let n = 0;
  for (const c of counts) if (c >= minItems) n++;
  return n;
}

async function trainEpochs(
  model: TrainableModel,
  kind: SteppedKind,
  split: Split,
  config: TrainConfig,
  run: RunWriter,
  opts: TrainOptions,
  stepsPerEpoch: number,
  from?: TrainingCheckpoint,
): Promise<void> {
  const { emit, signal } = opts;
  const rng = new NumpyRandomState(config.seed);
  const nTrain = split.train.users.length;
  let t0 = Date.now();
  let step = 0;
  const annealed = MODEL_INFO[config.model].kl;
  let best = run.current.best;
  const epochSeconds: number[] = [];
  let firstEpoch = 1;
  if (from) {
    rng.restore(from.loop.shuffle);
    model.restoreTrainingState(from.model);
    step = from.loop.step;
    best = from.loop.best;
    epochSeconds.push(...from.loop.epochSeconds);
    t0 -= from.loop.elapsedSeconds * 1000;
    firstEpoch = from.loop.epoch + 1;
    // The state is saved before the best weights are swapped in: a kill between the two left the
    // weights of the state's own best epoch unsaved. They are the state's weights, so save them now.
    if (best?.epoch === from.loop.epoch) await saveBest(model, run, from.loop.epoch, emit);
  }
  emit({ type: 'phase', phase: 'train', message: `training ${config.model} for ${config.epochs} epochs` });
  const passes = trainingPasses(config);
  for (let epoch = firstEpoch; epoch <= config.epochs; epoch++) {
    const epochStart = Date.now();
    // The epoch's means are over the steps of the passes the curves show (RecVAE: its encoder passes).
    const sums = { loss: 0, nll: 0, kl: 0, beta: 0, steps: 0 };
    let stepInEpoch = 0;
    for (let p = 0; p < passes.length; p++) {
      model.beginPass?.(p);
      const order = kind.batchOrder(split.train, config.batchSize, rng);
      for (let start = 0; start < nTrain; start += config.batchSize) {
        await yieldToEventLoop();
        checkCancelled(signal);
        const batch = gatherRows(split.train, order, start, Math.min(nTrain, start + config.batchSize));
        const beta = annealed ? Math.min(config.annealCap, step / config.annealSteps) : 0;
        const s = await model.trainStep(batch, beta);
        if (!Number.isFinite(s.loss)) throw new Error(`the loss became ${s.loss} at step ${step} (epoch ${epoch}); try a lower learning rate`);
        step++;
        stepInEpoch++;
        if (passes[p].curves) {
          sums.loss += s.loss;
          sums.nll += s.nll;
          sums.kl += s.kl;
          sums.beta += beta;
          sums.steps++;
        }
        const line: MetricsLine = {
          kind: 'step',
          step,
          epoch,
          time: (Date.now() - t0) / 1000,
          loss: s.loss,
          nll: s.nll,
          kl: s.kl,
          beta,
          negElbo: s.nll + s.kl,
          ...(passes.length > 1 ? { pass: passes[p].name } : {}),
        };
        // Every reader follows the file (the dashboard of any window, a sweep): a line is written as
        // soon as it exists; it is made durable once per epoch (syncMetrics below).
        run.appendMetrics([line]);
        const elapsed = (Date.now() - t0) / 1000;
        const etaSeconds = (elapsed / step) * (config.epochs * stepsPerEpoch - step);
        emit({ type: 'progress', epoch, epochs: config.epochs, step, stepInEpoch, stepsPerEpoch, loss: s.loss, etaSeconds });
      }
    }
    const seconds = (Date.now() - epochStart) / 1000;
    epochSeconds.push(seconds);

    let valNdcg: number | undefined;
    let evalSeconds: number | undefined;
    // A cancel during validation ends it between chunks: the epoch is recorded without its score
    // and the run stops after it (the best weights so far are tested).
    let cancelledInValidation = false;
    if (epoch % config.evalEvery === 0 || epoch === config.epochs) {
      emit({ type: 'phase', phase: 'evaluate', message: `validating epoch ${epoch}` });
      const evalStart = Date.now();
      const validation = await evaluateCancellable(model, split.validation, signal);
      if (validation === undefined) cancelledInValidation = true;
      else {
        valNdcg = validation.metrics['ndcg@100'];
        evalSeconds = (Date.now() - evalStart) / 1000;
      }
    }
    const improved = valNdcg !== undefined && (!best || valNdcg > best['ndcg@100']);
    if (improved) best = { epoch, 'ndcg@100': valNdcg as number };
    const mean = (v: number) => v / sums.steps;
    const epochLine: MetricsLine = {
      kind: 'epoch',
      epoch,
      step,
      time: (Date.now() - t0) / 1000,
      seconds,
      loss: mean(sums.loss),
      nll: mean(sums.nll),
      kl: mean(sums.kl),
      beta: mean(sums.beta),
      negElbo: mean(sums.nll) + mean(sums.kl),
      ...(valNdcg !== undefined ? { 'val_ndcg@100': valNdcg, evalSeconds } : {}),
    };
    const lastValidation = valNdcg !== undefined ? { epoch, 'ndcg@100': valNdcg } : run.current.lastValidation;
    // Saved before the epoch's line is written, with that line, so that a reader (a sweep) that sees
    // epoch k can count on a resume going on from k. An epoch whose validation a cancel cut short
    // is not saved: a resume does it again, whole.
    if (!cancelledInValidation) {
      emit({ type: 'phase', phase: 'checkpoint', message: `saving the training state (epoch ${epoch})` });
      const loop = {
        epoch,
        step,
        metricsBytes: run.metricsLength(),
        epochLine: metricsText([epochLine]),
        shuffle: rng.state(),
        elapsedSeconds: epochLine.time,
        epochSeconds: [...epochSeconds],
        ...(best ? { best } : {}),
        ...(lastValidation ? { lastValidation } : {}),
        backend: run.current.backend ?? config.backend,
        threads: model.threads,
      };
      const state = await model.trainingState();
      await run.saveCheckpoint(TRAINING_STATE_DIR, (dir) => writeTrainingCheckpoint(dir, { loop, model: state }));
    }
    if (improved) await saveBest(model, run, epoch, emit);
    run.appendMetrics([epochLine]);
    run.syncMetrics();
    run.update({
      epochsCompleted: epoch,
      steps: step,
      epochSeconds: [...epochSeconds],
      best,
      ...(lastValidation ? { lastValidation } : {}),
      artifacts: { ...run.current.artifacts, ...(best ? { model: MODEL_DIR } : {}) },
    });
    emit({ type: 'epoch', epoch, epochs: config.epochs, seconds, loss: epochLine.loss, 'val_ndcg@100': valNdcg, best });
    if (cancelledInValidation) throw new CancelledError();
  }
}

/** Swaps the model's current weights in as the run's best (model/). */
async function saveBest(model: TrainableModel, run: RunWriter, epoch: number, emit: TrainOptions['emit']): Promise<void> {
  emit({ type: 'phase', phase: 'checkpoint', message: `saving the best weights (epoch ${epoch})` });
  const dir = await run.saveCheckpoint(MODEL_DIR, (d) => model.save(d));
  emit({ type: 'checkpoint', epoch, path: dir });
}

/** Tests the best weights (when there are any), writes recommendations and the final record. */
async function finish(
  run: RunWriter,
  model: AnyRecommender | undefined,
  split: Split,
  status: RunStatus,
  error: string | undefined,
  opts: TrainOptions,
): Promise<RunRecord> {
  const { emit } = opts;
  let patch: Partial<RunRecord> = { status, finishedAt: new Date().toISOString(), pid: undefined, ...(error ? { error } : {}) };
  try {
    const record = run.current;
    if (model && record.artifacts.model && (status === 'completed' || status === 'cancelled')) {
      emit({ type: 'phase', phase: 'test', message: 'testing the best-validation weights' });
      const testStart = Date.now();
      const kind = TRAINER_KINDS[record.model];
      // A fitted model is the saved one. A trained model's worker thread and buffers are not needed
      // for testing the saved (best-validation) weights.
      if (!kind.fit) model.dispose();
      const best = kind.fit ? model : await kind.load(`${run.dir}/${MODEL_DIR}`);
      const evaluation = await evaluateModel(best, split.test, RECOMMENDATIONS_K);
      const users = (evaluation.perUser ?? []).map((u, r) => ({
        user: split.test.users[r],
        items: Array.from(u.top, (i) => split.items[i]),
        scores: Array.from(u.scores),
      }));
      run.writeArtifact(RECOMMENDATIONS_FILE, JSON.stringify({ k: RECOMMENDATIONS_K, users }));
      patch = {
        ...patch,
        test: evaluation.metrics,
        timings: { ...record.timings, testSeconds: (Date.now() - testStart) / 1000 },
        artifacts: { ...record.artifacts, recommendations: RECOMMENDATIONS_FILE },
      };
      if (best !== model) best.dispose();
    }
  } catch (err) {
    patch = { ...patch, status: 'failed', error: `testing failed: ${(err as Error).message}` };
  } finally {
    model?.dispose();
  }
  patch = { ...patch, timings: { ...run.current.timings, ...patch.timings, peakRssBytes: process.resourceUsage().maxRSS * 1024 } };
  run.update(patch);
  // A completed run is never resumed: its training state (three times the weights) would only take space.
  if (patch.status === 'completed') fs.rmSync(path.join(run.dir, TRAINING_STATE_DIR), { recursive: true, force: true });
  run.close();
  const final = run.current;
  emit({
    type: 'done',
    status: final.status,
    runId: final.id,
    runDir: run.dir,
    test: final.test,
    best: final.best,
    medianEpochSeconds: median(final.epochSeconds),
    fitSeconds: final.timings?.fitSeconds,
    epochs: final.epochsCompleted,
    backend: final.backend,
  });
  if (final.error && final.status === 'failed') emit({ type: 'error', message: final.error, runId: final.id, runDir: run.dir });
  return final;
}
