/**
 * Replaying early stopping on fully recorded curves (src/trainer/sweep/replay.ts): decisions,
 * epochs consumed, wall time and the pick, against outcomes worked out by hand in the comments.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AshaSpec, SweepMetric } from '../../src/shared/sweepSchema';
import { pickConfiguration, replayEarlyStopping, replayRules, shuffledOrder, type RecordedTrial } from '../../src/trainer/sweep/replay';

const MAX: SweepMetric = { name: 'val_ndcg@100', goal: 'max' };
const ASHA: AshaSpec = { type: 'asha', graceEpochs: 1, reductionFactor: 2, maxEpochs: 4 }; // rungs at 1 and 2

const trial = (index: number, values: number[], seconds = 1): RecordedTrial => ({
  index,
  configIndex: index,
  points: values.map((value, k) => ({ epoch: k + 1, value })),
  epochSeconds: values.map(() => seconds),
});
const A = trial(0, [0.1, 0.2, 0.3, 0.4]);
const B = trial(1, [0.2, 0.3, 0.4, 0.5]);
const C = trial(2, [0.05, 0.06, 0.07, 0.08]);

describe('replayEarlyStopping', () => {
  it('ASHA one trial at a time: the late, weak trial is cut at the first rung', () => {
    // A alone at both rungs goes on; B beats A at both; C at rung 0 (epoch 1): 0.05 against
    // [0.1, 0.2], top ceil(3/2) = 2, cutoff 0.1: stopped after 1 epoch. 4 + 4 + 1 epochs, 1 s each.
    const r = replayEarlyStopping([A, B, C], ASHA, MAX, 1);
    assert.deepEqual(
      r.trials.map((t) => [t.state, t.epochs]),
      [
        ['completed', 4],
        ['completed', 4],
        ['stopped', 1],
      ],
    );
    assert.equal(r.trials[2].stop?.rung, 0);
    assert.equal(r.trials[2].stop?.epoch, 1);
    assert.equal(r.epochs, 9);
    assert.equal(r.seconds, 9);
    assert.equal(r.best?.configIndex, 1);
    assert.equal(r.best?.metric, 0.5);
  });

  it('three at a time: trials reaching a rung together are judged in index order, the wall time is the longest chain', () => {
    // At t = 1 all reach epoch 1: A first (alone: on), B against [0.1] (top 1: on), C against
    // [0.1, 0.2] (stopped). A and B go on to epoch 4: wall 4 s.
    const r = replayEarlyStopping([A, B, C], ASHA, MAX, 3);
    assert.deepEqual(
      r.trials.map((t) => t.state),
      ['completed', 'completed', 'stopped'],
    );
    assert.equal(r.epochs, 9);
    assert.equal(r.seconds, 4);
  });

  it('the arrival order decides: C first is never cut, and A passes rung 0 on a tie with the cutoff', () => {
    // Order C, B, A, one at a time: C alone completes; B beats C; A at rung 0: [0.05, 0.2] + 0.1,
    // top 2, cutoff 0.1 = A (ties go on); rung 1: [0.06, 0.3] + 0.2, cutoff 0.2 = A: on. All 12 epochs.
    const r = replayEarlyStopping([A, B, C], ASHA, MAX, 1, [2, 1, 0]);
    assert.deepEqual(
      r.trials.map((t) => t.state),
      ['completed', 'completed', 'completed'],
    );
    assert.equal(r.epochs, 12);
    assert.equal(r.best?.configIndex, 1);
  });

  it('recorded epoch durations set the arrival order', () => {
    // C is fast (0.1 s an epoch) and reaches both rungs before A and B: alone there, it goes on;
    // A then meets [0.05] at rung 0 and [0.06] at rung 1 (top 1 of 2: A on); B meets [0.05, 0.1]
    // (top 2 of 3: on) and [0.06, 0.2] (on). Nobody is stopped.
    const fastC = trial(2, [0.05, 0.06, 0.07, 0.08], 0.1);
    const r = replayEarlyStopping([A, B, fastC], ASHA, MAX, 3);
    assert.deepEqual(
      r.trials.map((t) => t.state),
      ['completed', 'completed', 'completed'],
    );
  });

  it('the median rule stops a trial below the median of the others at the same epoch', () => {
    // One at a time, after epoch 1: A has nobody to compare with; B is above A; C at epoch 1:
    // 0.05 against the median of A and B's best up to epoch 1 (0.1, 0.2: 0.15): stopped.
    const r = replayEarlyStopping([A, B, C], { type: 'median', afterEpochs: 1, minTrials: 1 }, MAX, 1);
    assert.deepEqual(
      r.trials.map((t) => [t.state, t.epochs]),
      [
        ['completed', 4],
        ['completed', 4],
        ['stopped', 1],
      ],
    );
    assert.equal(r.trials[2].stop?.rule, 'median');
  });

  it('without early stopping every trial runs to its end', () => {
    const r = replayEarlyStopping([A, B, C], { type: 'none' }, MAX, 2);
    assert.equal(r.epochs, 12);
    assert.equal(r.best?.configIndex, 1);
  });

  it('refuses an order that names a trial not recorded', () => {
    assert.throws(() => replayEarlyStopping([A, B], ASHA, MAX, 1, [0, 5]), /trial 5/);
  });
});

describe('pickConfiguration', () => {
  it("picks by the mean of a configuration's repeats, whole configurations first, ties to the earlier", () => {
    const t = (configIndex: number, state: 'completed' | 'stopped', metric: number) => ({ configIndex, state, metric });
    // Config 0: repeats 0.30 and 0.40 (mean 0.35); config 1: 0.50 but its other repeat was stopped; config 2: 0.35.
    const trials = [
      t(0, 'completed', 0.3),
      t(0, 'completed', 0.4),
      t(1, 'completed', 0.5),
      t(1, 'stopped', 0.1),
      t(2, 'completed', 0.35),
      t(2, 'completed', 0.35),
    ];
    assert.deepEqual(pickConfiguration(trials, 'max'), { configIndex: 0, metric: 0.35 });
    // Without a whole configuration, the partial ones compete.
    assert.deepEqual(pickConfiguration([t(1, 'completed', 0.5), t(1, 'stopped', 0.1), t(3, 'completed', 0.2), t(3, 'stopped', 0)], 'max'), {
      configIndex: 1,
      metric: 0.5,
    });
    assert.deepEqual(pickConfiguration([t(0, 'completed', 3), t(1, 'completed', 2)], 'min'), { configIndex: 1, metric: 2 });
    assert.equal(pickConfiguration([t(0, 'stopped', 1)], 'max'), undefined);
  });
});

describe('shuffledOrder', () => {
  it('is a permutation, the same for the same seed, another for another seed', () => {
    const ids = Array.from({ length: 16 }, (_, i) => i);
    const a = shuffledOrder(ids, 1);
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      ids,
    );
    assert.deepEqual(shuffledOrder(ids, 1), a);
    assert.notDeepEqual(shuffledOrder(ids, 2), a);
    assert.notDeepEqual(a, ids);
  });
});

describe('replayRules', () => {
  it('measures each rule against the full replay, and over random orders', () => {
    const out = replayRules([A, B, C], [ASHA, { type: 'none' }], MAX, 1, { orders: 6, within: 0 });
    assert.equal(out.full.epochs, 12);
    assert.equal(out.full.best?.configIndex, 1);
    const [asha, none] = out.rules;
    assert.equal(asha.result.epochs, 9);
    assert.equal(asha.gap, 0, 'the same pick as the full sweep');
    // B is the best at every rung it reaches, whatever the order: ASHA never cuts it.
    assert.equal(asha.orders?.samePick, 6);
    assert.equal(asha.orders?.within, 6);
    assert.equal(asha.orders?.worstGap, 0);
    // Cheapest with B first (A and C cut at epoch 1: 4 + 1 + 1), dearest with C first (nobody cut: 12).
    assert.ok(asha.orders && asha.orders.epochs.min >= 6 && asha.orders.epochs.max <= 12 && asha.orders.epochs.min <= asha.orders.epochs.max);
    assert.equal(none.result.epochs, 12);
  });
});
