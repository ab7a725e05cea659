/** The sweep view page without a DOM: the trials table's columns, sorting and text filter, and the page model's brushing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SweepViewData, SweepViewTrial } from '../../src/shared/sweepViewMessages';
import { METRIC_AXIS, SweepModel } from '../../webview/sweep/sweepModel';
import { formatNumber, matchesQuery, sortTrials, statusText, tableColumns } from '../../webview/sweep/trialTableModel';

function trial(index: number, over: Partial<SweepViewTrial>): SweepViewTrial {
  return {
    index,
    configIndex: index,
    seedIndex: 0,
    seed: 98765,
    runId: `run-${index}`,
    params: {},
    status: 'completed',
    stoppedAt: null,
    epochs: 27,
    metric: null,
    test: null,
    error: null,
    ...over,
  };
}

function data(trials: SweepViewTrial[], parameters: string[], repeats = 1): SweepViewData {
  return {
    sweep: {
      id: 's',
      name: 's',
      dir: '/w/sweeps/s',
      status: 'running',
      model: 'mvae',
      method: 'grid',
      metric: { name: 'val_ndcg@100', goal: 'max' },
      earlyStopping: 'none',
      rungEpochs: [],
      repeats,
      progress: { epochsDone: 0, epochsPlanned: 0, trialsDone: 0, trials: trials.length },
      best: null,
    },
    parameters,
    scales: { lr: 'log' },
    trials,
    importance: null,
    seeds: null,
  };
}

const trials = [
  trial(0, { params: { lr: 0.001, act: 'tanh', hidden: 600 }, metric: 0.31, test: { 'ndcg@100': 0.3, 'recall@20': 0.25, 'recall@50': 0.4 } }),
  trial(1, { params: { lr: 0.01, act: 'relu', hidden: 600 }, status: 'stopped', stoppedAt: { rule: 'asha', epoch: 9, rung: 1 }, epochs: 9, metric: 0.2 }),
  trial(2, { params: { lr: 0.0001, act: 'relu', hidden: 600 }, status: 'running', epochs: 2, metric: null, runId: null }),
  trial(3, {
    params: { lr: 0.003, act: 'tanh', hidden: 600 },
    status: 'stopped',
    stoppedAt: { rule: 'median', epoch: 5, rung: null },
    epochs: 6,
    metric: 0.25,
  }),
];

test('table columns: the trial, only the parameters that vary, the seed only with repeats, status, epochs, metric and test metrics', () => {
  const keys = tableColumns(data(trials, ['lr', 'act'])).map((c) => c.key);
  assert.deepEqual(keys, ['index', 'param:lr', 'param:act', 'status', 'epochs', 'metric', 'test:ndcg@100', 'test:recall@20', 'test:recall@50']);
  assert.ok(tableColumns(data(trials, ['lr'], 3)).some((c) => c.key === 'seed'));
  const byKey = Object.fromEntries(tableColumns(data(trials, ['lr', 'act'])).map((c) => [c.key, c]));
  assert.equal(byKey['param:lr'].numeric, true);
  assert.equal(byKey['param:act'].numeric, false);
  assert.equal(byKey['test:ndcg@100'].text(trials[0]), '0.3');
  // Stopped and running trials have no test metrics: empty cells, not zeros.
  assert.equal(byKey['test:ndcg@100'].text(trials[1]), '');
  assert.equal(byKey.metric.text(trials[2]), '');
});

test('status says where a trial was stopped', () => {
  assert.equal(statusText(trials[0]), 'completed');
  assert.equal(statusText(trials[1]), 'stopped at rung 1 (epoch 9)');
  assert.equal(statusText(trials[3]), 'stopped by the median rule (epoch 5)');
  assert.equal(statusText(trials[2]), 'running');
});

test('sorting: by any column, either way; trials without a value last in both directions; ties by trial number', () => {
  const columns = tableColumns(data(trials, ['lr', 'act']));
  const order = (key: string, descending: boolean) => sortTrials(trials, columns, { key, descending }).map((t) => t.index);
  assert.deepEqual(order('metric', true), [0, 3, 1, 2]);
  assert.deepEqual(order('metric', false), [1, 3, 0, 2]);
  assert.deepEqual(order('param:lr', false), [2, 0, 3, 1]);
  assert.deepEqual(order('param:act', false), [1, 2, 0, 3]);
  assert.deepEqual(order('test:ndcg@100', false), [0, 1, 2, 3]);
  // An unknown key sorts by the first column (the trial number).
  assert.deepEqual(order('gone', true), [3, 2, 1, 0]);
});

test('text filter: every word in some cell; column=value matches that column exactly', () => {
  const columns = tableColumns(data(trials, ['lr', 'act']));
  const shown = (q: string) => trials.filter((t) => matchesQuery(t, columns, q)).map((t) => t.index);
  assert.deepEqual(shown(''), [0, 1, 2, 3]);
  assert.deepEqual(shown('relu'), [1, 2]);
  assert.deepEqual(shown('RELU stopped'), [1]);
  assert.deepEqual(shown('rung'), [1]);
  assert.deepEqual(shown('act=tanh'), [0, 3]);
  assert.deepEqual(shown('lr=0.01'), [1]);
  assert.deepEqual(shown('lr=0.0'), []);
});

test('numbers: integers as they are, small values in exponent form, others to 4 decimals', () => {
  assert.equal(formatNumber(600), '600');
  assert.equal(formatNumber(0.00012), '1.20e-4');
  assert.equal(formatNumber(0.412345678), '0.4123');
  assert.equal(formatNumber(null), '');
  assert.equal(formatNumber(NaN), '');
});

test('page model: axes for the varying parameters and the metric; a brush filters the trials; brushes survive new data, a brush on a parameter that stopped varying is dropped', () => {
  const model = new SweepModel();
  const change = model.apply({
    type: 'state',
    data: data(trials, ['lr', 'act']),
    curves: [{ index: 0, points: [[1, 0.2]] }],
    significance: { state: 'computing' },
  });
  assert.equal(change.data && change.filter && change.curves, true);
  assert.deepEqual(
    model.axes.map((a) => [a.key, a.kind]),
    [
      ['lr', 'log'],
      ['act', 'categorical'],
      [METRIC_AXIS, 'linear'],
    ],
  );
  assert.deepEqual([...model.kept], [0, 1, 2, 3]);
  model.setBrush(METRIC_AXIS, { kind: 'range', lo: 0.22, hi: 0.4 });
  // Trial 2 has no metric yet: outside a brush on the metric.
  assert.deepEqual([...model.kept].sort(), [0, 3]);
  model.setBrush('act', { kind: 'categories', values: ['relu'] });
  assert.deepEqual([...model.kept], []);
  model.setBrush('act', undefined);
  assert.deepEqual([...model.kept].sort(), [0, 3]);
  // A live update: trial 2 gets its metric and passes the brush.
  const updated = trials.map((t) => (t.index === 2 ? { ...t, metric: 0.3 } : t));
  model.apply({ type: 'data', data: data(updated, ['lr', 'act']) });
  assert.deepEqual([...model.kept].sort(), [0, 2, 3]);
  model.setBrush('act', { kind: 'categories', values: ['tanh'] });
  model.apply({ type: 'data', data: data(updated, ['lr']) });
  assert.deepEqual(Object.keys(model.brushes), [METRIC_AXIS]);
  assert.deepEqual([...model.kept].sort(), [0, 2, 3]);
  model.clearBrushes();
  assert.equal(model.kept.size, 4);
  // Curves replace per trial; a problem keeps the data for when the record is readable again.
  model.apply({
    type: 'curves',
    curves: [
      {
        index: 0,
        points: [
          [1, 0.2],
          [2, 0.25],
        ],
      },
    ],
  });
  assert.equal(model.curves.get(0)?.length, 2);
  model.apply({ type: 'problem', sweepDir: '/w/sweeps/s', message: 'sweep.json is truncated or not valid JSON' });
  assert.equal(model.problem, 'sweep.json is truncated or not valid JSON');
});
