/**
 * A sweep's answer and its status object: the best configuration (by the mean of its repeats' best
 * metric) with its test metrics' mean and standard deviation, and the `--json` status.
 */
import type { TrainConfig } from './runSchema';
import type { AshaSpec, SweepBest, SweepRecord, SweepStatusJson, SweepTrial } from './sweepSchema';
import { better } from './sweepSchema';
import { trialConfig } from './sweepTrialConfig';

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1); 0 for a single value. */
export function std(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/**
 * The best configuration among those with completed trials. Configurations whose every repeat
 * completed come first: one whose other repeats were stopped early would be judged on its lucky
 * seeds only. Ties go to the earlier configuration.
 */
export function bestConfiguration(record: SweepRecord): SweepBest | undefined {
  const goal = record.spec.metric.goal;
  const byConfig = new Map<number, SweepTrial[]>();
  for (const t of record.trials) byConfig.set(t.configIndex, [...(byConfig.get(t.configIndex) ?? []), t]);
  const candidates = [...byConfig.entries()]
    .map(([configIndex, trials]) => ({ configIndex, trials, done: trials.filter((t) => t.state === 'completed' && t.metric !== undefined) }))
    .filter((c) => c.done.length > 0);
  const whole = candidates.filter((c) => c.done.length === c.trials.length);
  const pool = whole.length > 0 ? whole : candidates;
  let best: (typeof pool)[number] | undefined;
  let bestMean = 0;
  for (const c of pool) {
    const m = mean(c.done.map((t) => t.metric as number));
    if (!best || better(goal, m, bestMean)) {
      best = c;
      bestMean = m;
    }
  }
  if (!best) return undefined;
  const metrics = best.done.map((t) => t.metric as number);
  const top = best.done.reduce((a, b) => (better(goal, b.metric as number, a.metric as number) ? b : a));
  const tested = best.done.filter((t) => t.test);
  let test: SweepBest['test'];
  if (tested.length > 0) {
    const keys = Object.keys(tested[0].test ?? {}).filter((k) => tested.every((t) => typeof (t.test as unknown as Record<string, unknown>)[k] === 'number'));
    const values = (k: string) => tested.map((t) => (t.test as unknown as Record<string, number>)[k]);
    test = {
      mean: Object.fromEntries(keys.map((k) => [k, mean(values(k))])),
      std: Object.fromEntries(keys.map((k) => [k, std(values(k))])),
      n: tested.length,
    };
  }
  return {
    index: top.index,
    ...(top.runId ? { runId: top.runId } : {}),
    configIndex: best.configIndex,
    params: top.params,
    metric: bestMean,
    metricStd: std(metrics),
    repeats: best.done.length,
    runIds: best.done.map((t) => t.runId).filter((id): id is string => id !== undefined),
    ...(test ? { test } : {}),
  };
}

const FINAL = new Set(['completed', 'stopped', 'failed', 'cancelled', 'skipped']);

/** Epochs a trial trains when nothing stops it. */
export function plannedEpochs(record: SweepRecord, t: SweepTrial, cache?: Map<number, TrainConfig>): number {
  let c = cache?.get(t.index);
  if (!c) {
    c = trialConfig(record.spec, record.dataSource, t);
    cache?.set(t.index, c);
  }
  return c.epochs;
}

export function progressOf(record: SweepRecord, cache?: Map<number, TrainConfig>): SweepStatusJson['progress'] {
  let epochsDone = 0;
  let epochsPlanned = 0;
  let trialsDone = 0;
  for (const t of record.trials) {
    epochsDone += t.epochs;
    if (FINAL.has(t.state)) {
      trialsDone++;
      epochsPlanned += t.epochs;
    } else epochsPlanned += Math.max(t.epochs, plannedEpochs(record, t, cache));
  }
  return { epochsDone, epochsPlanned, trialsDone, trials: record.trials.length };
}

export function statusJson(record: SweepRecord, sweepDir: string, status = record.status): SweepStatusJson {
  return {
    sweepId: record.id,
    sweepDir,
    name: record.name,
    status,
    metric: record.spec.metric,
    progress: progressOf(record),
    trials: record.trials.map((t) => ({
      index: t.index,
      runId: t.runId ?? null,
      params: t.params,
      seed: t.seed,
      status: t.state,
      epochs: t.epochs,
      metric: t.metric ?? null,
      ...(t.stop ? { stop: t.stop } : {}),
      ...(t.error ? { error: t.error } : {}),
      ...(t.jobId ? { jobId: t.jobId } : {}),
    })),
    best: record.best ?? bestConfiguration(record) ?? null,
  };
}

/** Rung epochs: round(grace x eta^k) for k = 0, 1, ... while below maxEpochs. */
export function rungEpochs(a: Pick<AshaSpec, 'graceEpochs' | 'reductionFactor' | 'maxEpochs'>): number[] {
  const out: number[] = [];
  for (let k = 0; ; k++) {
    const e = Math.round(a.graceEpochs * a.reductionFactor ** k);
    if (e >= a.maxEpochs) return out;
    if (out[out.length - 1] !== e) out.push(e);
  }
}
