/**
 * ASHA (stop variant) and the median rule on synthetic learning curves, against decisions worked
 * out by hand in the comments.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RungResult, SweepMetric } from '../../src/shared/sweepSchema';
import {
  ashaDecision,
  ashaStep,
  bestUpTo,
  medianDecision,
  medianStep,
  rungEpochs,
  type Curve,
  type TrialCurveView,
} from '../../src/trainer/sweep/earlyStopping';

const MAX: SweepMetric = { name: 'val_ndcg@100', goal: 'max' };
const MIN: SweepMetric = { name: 'negElbo', goal: 'min' };

/** A curve with one value per epoch from 1. */
const curve = (values: number[]): Curve => ({ points: values.map((value, i) => ({ epoch: i + 1, value })), lastEpoch: values.length });

const view = (index: number, values: number[], rungs: RungResult[] = [], finished = false): TrialCurveView => ({
  index,
  curve: curve(values),
  rungs,
  finished,
  stopped: false,
});

describe('ASHA', () => {
  it('rungs at grace x eta^k below maxEpochs', () => {
    assert.deepEqual(rungEpochs({ graceEpochs: 10, reductionFactor: 3, maxEpochs: 100 }), [10, 30, 90]);
    assert.deepEqual(rungEpochs({ graceEpochs: 1, reductionFactor: 2, maxEpochs: 16 }), [1, 2, 4, 8]);
    assert.deepEqual(rungEpochs({ graceEpochs: 5, reductionFactor: 3, maxEpochs: 5 }), []);
    assert.deepEqual(rungEpochs({ graceEpochs: 2, reductionFactor: 1.5, maxEpochs: 7 }), [2, 3, 5]);
  });

  it('a trial goes on only in the top ceil(n / eta) of the n trials at its rung so far (eta 3)', () => {
    // Arrivals at one rung, in order, and what the rule says:
    //  0.30: n=1, keep 1, sorted [.30]                  -> cutoff .30, continue
    //  0.25: n=2, keep 1, sorted [.30 .25]              -> cutoff .30, stop
    //  0.35: n=3, keep 1, sorted [.35 .30 .25]          -> cutoff .35, continue
    //  0.32: n=4, keep 2, sorted [.35 .32 .30 .25]      -> cutoff .32, continue
    //  0.28: n=5, keep 2, sorted [.35 .32 .30 .28 .25]  -> cutoff .32, stop
    //  0.32: n=6, keep 2, sorted [.35 .32 .32 ...]      -> cutoff .32, continue (ties go on)
    const arrivals = [0.3, 0.25, 0.35, 0.32, 0.28, 0.32];
    const expected = [
      ['continue', 0.3],
      ['stop', 0.3],
      ['continue', 0.35],
      ['continue', 0.32],
      ['stop', 0.32],
      ['continue', 0.32],
    ];
    arrivals.forEach((m, i) => {
      const d = ashaDecision(arrivals.slice(0, i), m, 3, 'max');
      assert.deepEqual([d.decision, d.cutoff], expected[i], `arrival ${i}`);
      assert.equal(d.trialsAtRung, i + 1);
    });
  });

  it('minimising: the lowest values go on (eta 2)', () => {
    // [500, 480] + 490: n=3, keep 2, sorted [480 490 500] -> cutoff 490, continue; 510 -> n=4, keep 2, cutoff 490, stop.
    assert.equal(ashaDecision([500, 480], 490, 2, 'min').decision, 'continue');
    assert.equal(ashaDecision([500, 480, 490], 510, 2, 'min').decision, 'stop');
  });

  it("a trial's rung metric is its best up to the rung; rungs are taken in order and the first stop ends it", () => {
    const spec = { type: 'asha' as const, graceEpochs: 2, reductionFactor: 2, maxEpochs: 10 }; // rungs 2, 4, 8
    // Trial 0 arrived first everywhere: rung 0 (epoch 2) best of [.1 .3] = .3; rung 1 (epoch 4) best .4.
    const t0 = view(0, [0.1, 0.3, 0.2, 0.4, 0.41, 0.42]);
    const s0 = ashaStep(spec, MAX, t0, []);
    assert.deepEqual(
      s0.rungs.map((r) => [r.rung, r.epoch, r.metric, r.decision]),
      [
        [0, 2, 0.3, 'continue'],
        [1, 4, 0.4, 'continue'],
      ],
    );
    assert.equal(s0.stop, undefined);
    t0.rungs = s0.rungs;
    // Trial 1: rung 0 best .35 (n=2, keep 1, cutoff .35: continue); rung 1 best .38 < .40 (n=2, keep 1): stop at rung 1.
    const t1 = view(1, [0.35, 0.2, 0.38, 0.3, 0.5]);
    const s1 = ashaStep(spec, MAX, t1, [t0]);
    assert.deepEqual(
      s1.rungs.map((r) => [r.rung, r.metric, r.decision, r.cutoff, r.trialsAtRung]),
      [
        [0, 0.35, 'continue', 0.35, 2],
        [1, 0.38, 'stop', 0.4, 2],
      ],
    );
    assert.equal(s1.stop?.rule, 'asha');
    assert.equal(s1.stop?.rung, 1);
    assert.equal(s1.stop?.epoch, 4);
    assert.equal(s1.stop?.metric, 0.38);
    assert.match(s1.stop?.reason ?? '', /ASHA rung 1 \(epoch 4\): val_ndcg@100 0\.3800 is not in the top 1 of 2 \(cutoff 0\.4000\)/);
    // Nothing is recorded twice, and a trial that has not reached a rung waits.
    assert.deepEqual(ashaStep(spec, MAX, { ...t0, rungs: s0.rungs }, []).rungs, []);
    assert.deepEqual(ashaStep(spec, MAX, view(2, [0.9]), [t0]).rungs, []);
  });

  it('a trial that had already finished is recorded at its rungs (so later trials compare with it) but not stopped', () => {
    const spec = { type: 'asha' as const, graceEpochs: 1, reductionFactor: 2, maxEpochs: 4 }; // rungs 1, 2
    const first = view(
      0,
      [0.5, 0.6],
      [
        { rung: 0, epoch: 1, metric: 0.5, trialsAtRung: 1, cutoff: 0.5, decision: 'continue' },
        { rung: 1, epoch: 2, metric: 0.6, trialsAtRung: 1, cutoff: 0.6, decision: 'continue' },
      ],
    );
    const done = ashaStep(spec, MAX, view(1, [0.1, 0.2, 0.3, 0.4], [], true), [first]);
    assert.deepEqual(
      done.rungs.map((r) => r.decision),
      ['finished', 'finished'],
    );
    assert.equal(done.stop, undefined);
  });
});

describe('median rule', () => {
  it('the median of the others; stop only when strictly worse', () => {
    // others [.2 .4 .3] -> median .3
    assert.deepEqual(medianDecision(0.29, [0.2, 0.4, 0.3], 1, 'max'), { decision: 'stop', median: 0.3 });
    assert.deepEqual(medianDecision(0.3, [0.2, 0.4, 0.3], 1, 'max'), { decision: 'continue', median: 0.3 });
    // others [.2 .4] -> median .3 (mean of the middle two)
    assert.equal(medianDecision(0.31, [0.2, 0.4], 1, 'max').decision, 'continue');
    assert.equal(medianDecision(500, [480, 520, 490], 1, 'min').decision, 'stop');
    // fewer others than minTrials: no judgement
    assert.deepEqual(medianDecision(0.01, [0.5, 0.6], 3, 'max'), { decision: 'continue' });
    assert.deepEqual(medianDecision(0.01, [], 1, 'max'), { decision: 'continue' });
  });

  it('compares best-so-far at the same epoch, only with trials that reached it, from afterEpochs on', () => {
    const spec = { type: 'median' as const, afterEpochs: 3, minTrials: 2 };
    const a = view(0, [0.1, 0.2, 0.3, 0.4, 0.5]);
    const b = view(1, [0.3, 0.1, 0.1, 0.1]);
    const c = view(2, [0.0, 0.0]); // has not reached epoch 3: never counted there
    // Trial under test: epochs 1-4 = [.05 .25 .2 .22]
    const t = view(3, [0.05, 0.25, 0.2, 0.22]);
    // Epochs 1-2: before afterEpochs, not judged (it is worse than both at epoch 1).
    assert.equal(medianStep(spec, MAX, t, [a, b, c], [1, 2]), undefined);
    // Epoch 3: own best .25; a's best up to 3 = .3, b's = .3; median .3 -> stop.
    const stop = medianStep(spec, MAX, t, [a, b, c], [1, 2, 3, 4]);
    assert.equal(stop?.rule, 'median');
    assert.equal(stop?.epoch, 3);
    assert.equal(stop?.metric, 0.25);
    assert.match(stop?.reason ?? '', /median rule at epoch 3: best val_ndcg@100 0\.2500 is worse than the median 0\.3000 of 2 other trials/);
    // With only a and c as others, just one trial reached epoch 3: fewer than minTrials, no decision.
    assert.equal(medianStep(spec, MAX, t, [a, c], [3, 4]), undefined);
    // A better trial goes on: best .45 by epoch 3 against a median of .3.
    assert.equal(medianStep(spec, MAX, view(4, [0.45, 0, 0]), [a, b], [3]), undefined);
    // A finished trial is never stopped.
    assert.equal(medianStep(spec, MAX, { ...t, finished: true }, [a, b], [3]), undefined);
  });

  it('best so far, by goal', () => {
    const c = curve([3, 1, 2]);
    assert.deepEqual(bestUpTo(c, 3, 'max'), { epoch: 1, value: 3 });
    assert.deepEqual(bestUpTo(c, 3, 'min'), { epoch: 2, value: 1 });
    assert.deepEqual(bestUpTo(c, 1, 'min'), { epoch: 1, value: 3 });
    assert.equal(bestUpTo({ points: [{ epoch: 5, value: 1 }], lastEpoch: 5 }, 4, 'max'), undefined);
    assert.equal(medianStep({ type: 'median', afterEpochs: 1, minTrials: 1 }, MIN, view(0, [10, 9]), [view(1, [5, 4])], [2])?.epoch, 2);
  });
});
