/**
 * Early-stopping rules, decided from learning curves only (a trial's epoch lines in its
 * metrics.jsonl), so they work whatever runs the trials. Pure functions: the coordinator feeds
 * them curves and records what they decide.
 *
 * ASHA, stop variant (Li et al., MLSys 2020; Ray Tune's ASHAScheduler): rungs at grace x eta^k
 * epochs below maxEpochs. A trial reaching a rung goes on only if its metric is in the top
 * ceil(n / eta) of the n trials that have reached that rung so far (itself included; ties go on);
 * the decision is taken once, when the trial arrives, and never revisited.
 *
 * Median rule (Golovin et al., Vizier; Optuna's MedianPruner): from epoch `afterEpochs` on, a trial
 * whose best metric so far is worse than the median of the other trials' best metrics up to the
 * same epoch is stopped; only trials that reached that epoch count, and at least `minTrials` of them.
 *
 * A trial's "metric at epoch e" is its best value up to e, as the trainer keeps the best weights.
 */
import type { RunStop } from '../../shared/runSchema';
import type { AshaSpec, MedianSpec, RungResult, SweepMetric } from '../../shared/sweepSchema';
import { better } from '../../shared/sweepSchema';
import { rungEpochs } from '../../shared/sweepSummary';

export interface CurvePoint {
  epoch: number;
  value: number;
}

/** A trial's learning curve: the metric at the epochs that have it, and the last epoch seen. */
export interface Curve {
  points: CurvePoint[];
  lastEpoch: number;
}

/** The best value up to and including `epoch`, or undefined if no epoch up to it has the metric. */
export function bestUpTo(curve: Curve, epoch: number, goal: SweepMetric['goal']): CurvePoint | undefined {
  let best: CurvePoint | undefined;
  for (const p of curve.points) if (p.epoch <= epoch && (!best || better(goal, p.value, best.value))) best = p;
  return best;
}

// Shared with the sweep view, which marks the rungs on the curves.
export { rungEpochs };

/**
 * ASHA's decision for a trial arriving at a rung with `metric`, given the metrics of the trials
 * recorded there before it.
 */
export function ashaDecision(
  earlier: readonly number[],
  metric: number,
  reductionFactor: number,
  goal: SweepMetric['goal'],
): { decision: 'continue' | 'stop'; cutoff: number; trialsAtRung: number } {
  const all = [...earlier, metric].sort((a, b) => (goal === 'max' ? b - a : a - b));
  const keep = Math.ceil(all.length / reductionFactor);
  const cutoff = all[keep - 1];
  return { decision: better(goal, cutoff, metric) ? 'stop' : 'continue', cutoff, trialsAtRung: all.length };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The median rule at one epoch: `others` are the other trials' best values up to that epoch. */
export function medianDecision(
  own: number,
  others: readonly number[],
  minTrials: number,
  goal: SweepMetric['goal'],
): { decision: 'continue' | 'stop'; median?: number } {
  if (others.length === 0 || others.length < minTrials) return { decision: 'continue' };
  const m = median(others);
  return { decision: better(goal, m, own) ? 'stop' : 'continue', median: m };
}

const f4 = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

export interface TrialCurveView {
  index: number;
  curve: Curve;
  rungs: readonly RungResult[];
  /** The trial has ended: it can be recorded at rungs but not stopped. */
  finished: boolean;
  /** Already stopped (or being stopped): nothing more is recorded for it. */
  stopped: boolean;
}

/**
 * ASHA for one trial: the rung results it newly reached (in order) and, if one says stop, the stop
 * record. `others` are every other trial of the sweep.
 */
export function ashaStep(
  spec: AshaSpec,
  metric: SweepMetric,
  trial: TrialCurveView,
  others: readonly TrialCurveView[],
): { rungs: RungResult[]; stop?: RunStop } {
  if (trial.stopped) return { rungs: [] };
  const out: RungResult[] = [];
  const rungs = rungEpochs(spec);
  for (let k = 0; k < rungs.length; k++) {
    const epoch = rungs[k];
    if (trial.curve.lastEpoch < epoch) break;
    if (trial.rungs.some((r) => r.rung === k)) continue;
    const best = bestUpTo(trial.curve, epoch, metric.goal);
    if (!best) break;
    const earlier = others.flatMap((o) => o.rungs.filter((r) => r.rung === k).map((r) => r.metric));
    const d = ashaDecision(earlier, best.value, spec.reductionFactor, metric.goal);
    const result: RungResult = {
      rung: k,
      epoch,
      metric: best.value,
      trialsAtRung: d.trialsAtRung,
      cutoff: d.cutoff,
      decision: trial.finished ? 'finished' : d.decision,
    };
    out.push(result);
    if (result.decision === 'stop') {
      const keep = Math.ceil(d.trialsAtRung / spec.reductionFactor);
      return {
        rungs: out,
        stop: {
          rule: 'asha',
          epoch,
          rung: k,
          metric: best.value,
          reason: `ASHA rung ${k} (epoch ${epoch}): ${metric.name} ${f4(best.value)} is not in the top ${keep} of ${d.trialsAtRung} (cutoff ${f4(d.cutoff)})`,
        },
      };
    }
  }
  return { rungs: out };
}

/** The median rule for one running trial at each of `epochs` (those newly seen), in order. */
export function medianStep(
  spec: MedianSpec,
  metric: SweepMetric,
  trial: TrialCurveView,
  others: readonly TrialCurveView[],
  epochs: readonly number[],
): RunStop | undefined {
  if (trial.stopped || trial.finished) return undefined;
  for (const epoch of epochs) {
    if (epoch < spec.afterEpochs) continue;
    const own = bestUpTo(trial.curve, epoch, metric.goal);
    if (!own) continue;
    const values = others
      .filter((o) => o.curve.lastEpoch >= epoch)
      .map((o) => bestUpTo(o.curve, epoch, metric.goal)?.value)
      .filter((v): v is number => v !== undefined);
    const d = medianDecision(own.value, values, spec.minTrials, metric.goal);
    if (d.decision === 'stop' && d.median !== undefined) {
      return {
        rule: 'median',
        epoch,
        metric: own.value,
        reason: `median rule at epoch ${epoch}: best ${metric.name} ${f4(own.value)} is worse than the median ${f4(d.median)} of ${values.length} other trials`,
      };
    }
  }
  return undefined;
}
