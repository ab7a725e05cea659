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
import type { RunStop } from '../../shared/runSchema';
import type { EarlyStoppingSpec, RungResult, SweepMetric } from '../../shared/sweepSchema';
import { better } from '../../shared/sweepSchema';
import { ashaStep, bestUpTo, medianStep, type Curve, type TrialCurveView } from './earlyStopping';

export interface RecordedTrial {
  index: number;
  /** The metric at every epoch that has it, to the end of the run. */
  points: { epoch: number; value: number }[];
  /** Seconds each epoch took (epoch e at [e - 1]); its length is the run's epoch count. */
  epochSeconds: number[];
}

export interface ReplayedTrial {
  index: number;
  state: 'completed' | 'stopped';
  /** Epochs trained before the stop reached it (the epoch the rule decided at). */
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
  /** The completed trial with the best metric (ties to the lower index), as the sweep would pick. */
  best?: ReplayedTrial;
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
    state: l.state === 'completed' ? 'completed' : 'stopped',
    epochs: l.epochs,
    metric: bestUpTo(l.view.curve, Infinity, metric.goal)?.value ?? NaN,
    ...(l.stop ? { stop: l.stop } : {}),
    rungs: l.view.rungs,
  }));
  let best: ReplayedTrial | undefined;
  for (const t of trials) if (t.state === 'completed' && (!best || better(metric.goal, t.metric, best.metric))) best = t;
  return { trials, epochs: trials.reduce((s, t) => s + t.epochs, 0), seconds: now, ...(best ? { best } : {}) };
}
