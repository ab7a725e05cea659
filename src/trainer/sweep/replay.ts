/**
 * Replays an early-stopping rule on learning curves already recorded in full (a grid run without
 * early stopping): what the rule would have stopped, how many epochs it would have consumed and
 * which configuration it would have picked. The decisions are the coordinator's own functions
 * (ashaStep, medianStep) fed in the order a local executor would have fed them: trials start in
 * `order` as slots free up, each epoch ends after its recorded duration, and after every epoch
 * every trial is checked, as the coordinator does after each poll. Deterministic training makes
 * this exact up to the arrival order: a trial trained again with the same seed and thread count
 * gives the same curve, so only who reaches a rung first depends on timing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { METRICS_FILE } from '../../shared/runLayout';
import type { RunStop } from '../../shared/runSchema';
import { parseMetricsLines } from '../../shared/runSchema';
import type { EarlyStoppingSpec, RungResult, SweepMetric, SweepRecord } from '../../shared/sweepSchema';
import { better } from '../../shared/sweepSchema';
import { NumpyRandomState } from '../protocol/mt19937';
import { ashaStep, bestUpTo, median, medianStep, type Curve, type TrialCurveView } from './earlyStopping';

export interface RecordedTrial {
  index: number;
  /** Repeats of one configuration share it; the pick is by configuration, as the sweep's is. */
  configIndex: number;
  /** The metric at every epoch that has it, to the end of the run. */
  points: { epoch: number; value: number }[];
  /** Seconds each epoch took (epoch e at [e - 1]); its length is the run's epoch count. */
  epochSeconds: number[];
}

export interface ReplayedTrial {
  index: number;
  configIndex: number;
  state: 'completed' | 'stopped';
  /**
   * Epochs trained up to the epoch the rule decided at: a lower bound of the real sweep's, whose
   * trainer obeys a stop at its next batch boundary after the coordinator's next poll, and whose
   * slot is given to the next trial only once that trainer has exited.
   */
  epochs: number;
  /** Best metric over those epochs. */
  metric: number;
  stop?: RunStop;
  rungs: RungResult[];
}

export interface ReplayResult {
  trials: ReplayedTrial[];
  epochs: number;
  /** Wall seconds with `concurrency` trials at a time, from the recorded epoch durations. */
  seconds: number;
  /** The configuration the sweep would pick (see pickConfiguration). */
  best?: ConfigurationPick;
}

export interface ConfigurationPick {
  configIndex: number;
  /** Mean of its completed repeats' best metric. */
  metric: number;
}

/**
 * As the sweep picks (bestConfiguration in src/shared/sweepSummary.ts): among configurations with
 * completed trials, those whose every repeat completed first; the best mean of their repeats' best
 * metric; ties to the earlier configuration.
 */
export function pickConfiguration(
  trials: readonly Pick<ReplayedTrial, 'configIndex' | 'state' | 'metric'>[],
  goal: SweepMetric['goal'],
): ConfigurationPick | undefined {
  const byConfig = new Map<number, { all: number; done: number[] }>();
  for (const t of trials) {
    const c = byConfig.get(t.configIndex) ?? { all: 0, done: [] };
    c.all++;
    if (t.state === 'completed' && Number.isFinite(t.metric)) c.done.push(t.metric);
    byConfig.set(t.configIndex, c);
  }
  const candidates = [...byConfig.entries()].filter(([, c]) => c.done.length > 0).sort(([a], [b]) => a - b);
  const whole = candidates.filter(([, c]) => c.done.length === c.all);
  let best: ConfigurationPick | undefined;
  for (const [configIndex, c] of whole.length > 0 ? whole : candidates) {
    const metric = c.done.reduce((x, y) => x + y, 0) / c.done.length;
    if (!best || better(goal, metric, best.metric)) best = { configIndex, metric };
  }
  return best;
}

export function replayEarlyStopping(
  recorded: readonly RecordedTrial[],
  earlyStopping: EarlyStoppingSpec,
  metric: SweepMetric,
  concurrency: number,
  order: readonly number[] = recorded.map((t) => t.index),
): ReplayResult {
  const byIndex = new Map(recorded.map((t) => [t.index, t]));
  interface Live {
    rec: RecordedTrial;
    view: TrialCurveView & { curve: Curve; rungs: RungResult[] };
    epochs: number;
    nextAt: number;
    state: 'pending' | 'running' | 'completed' | 'stopped';
    stop?: RunStop;
    medianChecked: number;
  }
  const live: Live[] = recorded.map((rec) => ({
    rec,
    view: { index: rec.index, curve: { points: [], lastEpoch: 0 }, rungs: [], finished: false, stopped: false },
    epochs: 0,
    nextAt: Infinity,
    state: 'pending',
    medianChecked: 0,
  }));
  const liveOf = new Map(live.map((l) => [l.rec.index, l]));
  const queue = order.map((i) => {
    const l = liveOf.get(i);
    if (!l || !byIndex.has(i)) throw new Error(`order names trial ${i}, which was not recorded`);
    return l;
  });
  let now = 0;
  const start = () => {
    while (queue.length > 0 && live.filter((l) => l.state === 'running').length < concurrency) {
      const l = queue.shift() as Live;
      l.state = 'running';
      l.nextAt = now + (l.rec.epochSeconds[0] ?? 0);
    }
  };
  start();
  for (;;) {
    const running = live.filter((l) => l.state === 'running');
    if (running.length === 0) break;
    const next = running.reduce((a, b) => (b.nextAt < a.nextAt || (b.nextAt === a.nextAt && b.rec.index < a.rec.index) ? b : a));
    now = next.nextAt;
    next.epochs++;
    const point = next.rec.points.find((p) => p.epoch === next.epochs);
    if (point) next.view.curve.points.push(point);
    next.view.curve.lastEpoch = next.epochs;
    if (next.epochs >= next.rec.epochSeconds.length) {
      next.state = 'completed';
      next.view.finished = true;
    } else next.nextAt = now + next.rec.epochSeconds[next.epochs];
    for (const l of live) {
      if (l.state === 'pending') continue;
      const others = live.filter((o) => o !== l && o.state !== 'pending').map((o) => o.view);
      let stop: RunStop | undefined;
      if (earlyStopping.type === 'asha') {
        const step = ashaStep(earlyStopping, metric, l.view, others);
        l.view.rungs.push(...step.rungs);
        stop = step.stop;
      } else if (earlyStopping.type === 'median' && l.state === 'running' && l.epochs > l.medianChecked) {
        const epochs = Array.from({ length: l.epochs - l.medianChecked }, (_, k) => l.medianChecked + k + 1);
        l.medianChecked = l.epochs;
        stop = medianStep(earlyStopping, metric, l.view, others, epochs);
      }
      if (stop && l.state === 'running') {
        l.state = 'stopped';
        l.stop = stop;
        l.view.stopped = true;
      }
    }
    start();
  }
  const trials: ReplayedTrial[] = live.map((l) => ({
    index: l.rec.index,
    configIndex: l.rec.configIndex,
    state: l.state === 'completed' ? 'completed' : 'stopped',
    epochs: l.epochs,
    metric: bestUpTo(l.view.curve, Infinity, metric.goal)?.value ?? NaN,
    ...(l.stop ? { stop: l.stop } : {}),
    rungs: l.view.rungs,
  }));
  const best = pickConfiguration(trials, metric.goal);
  return { trials, epochs: trials.reduce((s, t) => s + t.epochs, 0), seconds: now, ...(best ? { best } : {}) };
}

/** A sweep that cannot be replayed: one line for the CLI, exit 2. */
export class ReplayInputError extends Error {}

/** A sweep's trials as recorded in their runs; every trial must have run to its end (a sweep without early stopping). */
export function recordedTrials(record: SweepRecord): RecordedTrial[] {
  const name = record.spec.metric.name;
  if ('epochs' in record.spec.parameters)
    throw new ReplayInputError('the sweep searches epochs: early stopping needs one epoch budget for every trial, so it cannot be replayed on it');
  return record.trials.map((t) => {
    if (t.state !== 'completed' || !t.runId)
      throw new ReplayInputError(`trial ${t.index} is ${t.state}: a replay needs every trial trained to its end (a sweep run without early stopping)`);
    const file = path.join(record.runsDir, t.runId, METRICS_FILE);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ReplayInputError(`trial ${t.index}: cannot read ${file}: ${(err as Error).message}`);
    }
    const epochs = parseMetricsLines(text).lines.flatMap((l) => (l.kind === 'epoch' ? [l] : []));
    return {
      index: t.index,
      configIndex: t.configIndex,
      points: epochs.flatMap((l) => {
        const value = l[name];
        return typeof value === 'number' && Number.isFinite(value) ? [{ epoch: l.epoch, value }] : [];
      }),
      epochSeconds: epochs.map((l) => l.seconds + (l.evalSeconds ?? 0)),
    };
  });
}

/** The trial indices in a seeded random order (NumPy's legacy `RandomState(seed).permutation`, as the splits use): the same seed, the same order, anywhere. */
export function shuffledOrder(indices: readonly number[], seed: number): number[] {
  return Array.from(new NumpyRandomState(seed).permutation(indices.length), (k) => indices[k]);
}

export interface RuleReplay {
  rule: EarlyStoppingSpec;
  /** In the sweep's own order (trials started by index). */
  result: ReplayResult;
  /**
   * How far the picked configuration's full-run value (the mean of its repeats trained to the end)
   * is from the full sweep's best, in the metric's worse direction; 0 for the same pick. Undefined
   * when nothing completed.
   */
  gap?: number;
  /** Replayed again with the trials started in `n` seeded random orders. */
  orders?: { n: number; samePick: number; within?: number; noPick: number; worstGap: number | null; epochs: { min: number; median: number; max: number } };
}

/** Replays each rule on the recorded trials, and, with `orders`, in that many seeded random orders too. */
export function replayRules(
  recorded: readonly RecordedTrial[],
  rules: readonly EarlyStoppingSpec[],
  metric: SweepMetric,
  concurrency: number,
  o: { orders?: number; within?: number } = {},
): { full: ReplayResult; rules: RuleReplay[] } {
  const full = replayEarlyStopping(recorded, { type: 'none' }, metric, concurrency);
  // Each configuration's value in the full sweep: what a pick is really worth.
  const fullValue = new Map<number, number>();
  for (const c of new Set(full.trials.map((t) => t.configIndex)))
    fullValue.set(
      c,
      pickConfiguration(
        full.trials.filter((t) => t.configIndex === c),
        metric.goal,
      )?.metric ?? NaN,
    );
  const gapOf = (r: ReplayResult) => {
    if (!r.best || !full.best) return undefined;
    const value = fullValue.get(r.best.configIndex) ?? NaN;
    return metric.goal === 'max' ? full.best.metric - value : value - full.best.metric;
  };
  const indices = recorded.map((t) => t.index);
  return {
    full,
    rules: rules.map((rule) => {
      const result = replayEarlyStopping(recorded, rule, metric, concurrency);
      const gap = gapOf(result);
      const out: RuleReplay = { rule, result, ...(gap !== undefined ? { gap } : {}) };
      const n = o.orders ?? 0;
      if (n > 0) {
        const runs = Array.from({ length: n }, (_, k) => replayEarlyStopping(recorded, rule, metric, concurrency, shuffledOrder(indices, k + 1)));
        const gaps = runs.map(gapOf).filter((g): g is number => g !== undefined);
        const epochs = runs.map((r) => r.epochs);
        out.orders = {
          n,
          samePick: runs.filter((r) => r.best?.configIndex === full.best?.configIndex).length,
          ...(o.within !== undefined ? { within: gaps.filter((g) => g <= (o.within as number)).length } : {}),
          noPick: n - gaps.length,
          worstGap: gaps.length > 0 ? Math.max(...gaps) : null,
          epochs: { min: Math.min(...epochs), median: median(epochs), max: Math.max(...epochs) },
        };
      }
      return out;
    }),
  };
}
