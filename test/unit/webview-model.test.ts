import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DashboardRun } from '../../src/shared/dashboardMessages';
import type { MetricsLine, RunRecord } from '../../src/shared/runSchema';
import { DashboardModel, stepsPerEpochOf } from '../../webview/dashboard/dashboardModel';
import { contrastRatio, RUN_PALETTE, runColour, withAlpha } from '../../webview/dashboard/palette';
import { referencesFor, REFERENCE_FIGURES } from '../../webview/dashboard/referenceFigures';
import { DETAIL_COLUMNS, filterRows, formatParam, sortRows, toRow } from '../../webview/dashboard/runRows';
import { runRecord } from '../helpers/runRecord';

const record = (id: string, extra: Partial<RunRecord> = {}): RunRecord =>
  runRecord(id, {
    config: { epochs: 10, batchSize: 500, learningRate: 0.001, annealCap: 0.2, annealSteps: 200_000, hidden: 600, latent: 200 } as RunRecord['config'],
    split: { trainUsers: 4839, validationUsers: 600, testUsers: 600, items: 3000, trainInteractions: 1, droppedUsers: 0, droppedRatings: 0 },
    updatedAt: '2026-01-01T00:10:00Z',
    epochsCompleted: 10,
    steps: 100,
    ...extra,
  });
const ok = (r: RunRecord, colour = 0): DashboardRun => ({ entry: { ok: true, dir: `/runs/${r.id}`, record: r }, colour });
const broken = (id: string): DashboardRun => ({ entry: { ok: false, dir: `/runs/${id}`, id, reason: 'run.json has no id' }, colour: 9 });
const step = (s: number): MetricsLine => ({ kind: 'step', step: s, epoch: 1, time: s, loss: 1, nll: 1, kl: 1, beta: 0, negElbo: 2 });

test('model: state charts the selected runs that have series, in selection order', () => {
  const m = new DashboardModel();
  const change = m.apply({
    type: 'state',
    runs: [ok(record('a'), 0), ok(record('b'), 1), broken('c')],
    selected: ['b', 'a'],
    series: { a: [step(1)], b: [step(1), step(2)] },
    sampling: {},
  });
  assert.deepEqual(change, { runs: true, selection: true, chartRuns: true, data: false, comparisons: false });
  const charted = m.chartRuns();
  assert.deepEqual(
    charted.map((c) => c.id),
    ['b', 'a'],
  );
  assert.equal(charted[0].label, 'run b · Mult-VAE');
  assert.equal(charted[0].colour, RUN_PALETTE[1]);
  assert.equal(charted[0].stepsPerEpoch, 10);
});

test('model: appends extend the charted series in place and only ask for a redraw', () => {
  const m = new DashboardModel();
  m.apply({ type: 'state', runs: [ok(record('a'))], selected: ['a'], series: { a: [step(1)] }, sampling: {} });
  const lines = m.chartRuns()[0].lines;
  assert.deepEqual(m.apply({ type: 'append', runId: 'a', lines: [step(2), step(3)] }), {
    runs: false,
    selection: false,
    chartRuns: false,
    data: true,
    comparisons: false,
  });
  assert.equal(lines.length, 3, 'the chart reads the same array');
  assert.equal(m.apply({ type: 'append', runId: 'zzz', lines: [step(2)] }).data, false, 'appends for runs without a series are ignored');
});

test('model: unticking drops a series; ticking waits for the host to send it', () => {
  const m = new DashboardModel();
  m.apply({ type: 'state', runs: [ok(record('a')), ok(record('b'), 1)], selected: ['a'], series: { a: [step(1)] }, sampling: {} });
  let change = m.setSelected(['a', 'b']);
  assert.equal(change.chartRuns, false, 'b has no series yet');
  change = m.apply({ type: 'series', series: { b: [step(1)] }, sampling: {} });
  assert.equal(change.chartRuns, true);
  assert.deepEqual(
    m.chartRuns().map((c) => c.id),
    ['a', 'b'],
  );
  change = m.setSelected(['b']);
  assert.ok(change.chartRuns && change.selection);
  assert.deepEqual(
    m.chartRuns().map((c) => c.id),
    ['b'],
  );
  m.apply({ type: 'select', selected: ['a', 'b'] });
  assert.deepEqual(
    m.chartRuns().map((c) => c.id),
    ['b'],
    'a must be resent before it is charted again',
  );
  assert.equal(m.apply({ type: 'series', series: { zzz: [step(1)] }, sampling: {} }).chartRuns, true);
  assert.ok(!m.chartRuns().some((c) => c.id === 'zzz'), 'series for unselected runs are not kept');
});

test('model: a runs update rebuilds the charts only when a charted label or colour changed', () => {
  const m = new DashboardModel();
  m.apply({ type: 'state', runs: [ok(record('a'))], selected: ['a'], series: { a: [step(1)] }, sampling: {} });
  assert.deepEqual(m.apply({ type: 'runs', runs: [ok(record('a', { epochsCompleted: 11 })), ok(record('new'))] }), {
    runs: true,
    selection: false,
    chartRuns: false,
    data: false,
    comparisons: false,
  });
  assert.equal(m.apply({ type: 'runs', runs: [ok(record('a', { name: 'renamed' }))] }).chartRuns, true);
});

test('steps per epoch follows the trainer: ceil(train users / batch)', () => {
  assert.equal(stepsPerEpochOf(record('a')), 10);
  assert.equal(stepsPerEpochOf(record('a', { split: undefined })), undefined);
});

test('palette: every run colour has >= 3:1 contrast on light, dark and high-contrast backgrounds', () => {
  for (const c of RUN_PALETTE) {
    for (const bg of ['#ffffff', '#1f1f1f', '#1e1e1e', '#000000', '#f8f8f8']) {
      assert.ok(contrastRatio(c, bg) >= 3, `${c} on ${bg}: ${contrastRatio(c, bg).toFixed(2)}`);
    }
  }
  assert.equal(new Set(RUN_PALETTE).size, RUN_PALETTE.length);
  assert.equal(runColour(RUN_PALETTE.length + 2), RUN_PALETTE[2]);
  assert.equal(runColour(-1), RUN_PALETTE[RUN_PALETTE.length - 1]);
  assert.equal(withAlpha('#3a7bd5', 0.25), 'rgba(58, 123, 213, 0.25)');
});

test('reference figures: the paper and the same-protocol ML-1M figures, labelled', () => {
  const vae = referencesFor('mvae');
  assert.deepEqual(
    vae.map((r) => [r.sameProtocol, r.ndcg100, r.recall20, r.recall50]),
    [
      [true, 0.403, 0.337, 0.464],
      [false, 0.426, 0.395, 0.537],
    ],
  );
  assert.match(vae[0].protocol, /ML-1M.*600 \+ 600.*98765/);
  assert.match(vae[1].protocol, /ML-20M.*10k held-out/);
  assert.deepEqual(
    referencesFor('mdae').map((r) => [r.ndcg100, r.recall20, r.recall50]),
    [[0.419, 0.387, 0.524]],
  );
  assert.deepEqual(
    referencesFor('pop').map((r) => [r.ndcg100, r.recall20, r.recall50]),
    [[0.218, 0.169, 0.24]],
  );
  assert.ok(REFERENCE_FIGURES.every((r) => r.protocol.length > 0 && r.source.length > 0));
});

test("reference figures for EASE and RecVAE: this lab's split first, then each paper's ML-20M figures", () => {
  assert.deepEqual(
    referencesFor('ease').map((r) => [r.sameProtocol, r.ndcg100, r.recall20, r.recall50]),
    [
      [true, 0.436, 0.367, 0.481],
      [false, 0.42, 0.391, 0.521],
    ],
  );
  assert.deepEqual(
    referencesFor('recvae').map((r) => [r.sameProtocol, r.ndcg100, r.recall20, r.recall50]),
    [
      [true, 0.427, 0.367, 0.486],
      [true, 0.434, 0.368, 0.483],
      [false, 0.442, 0.414, 0.553],
    ],
  );
});

test('run rows: formatting of hyperparameters, durations and damaged runs', () => {
  assert.equal(formatParam(0.001), '1e-3');
  assert.equal(formatParam(0.0015), '1.5e-3');
  assert.equal(formatParam(0.2), '0.2');
  assert.equal(formatParam(200000), '200000');
  assert.equal(formatParam(undefined), '');
  const r = record('a', {
    best: { epoch: 7, 'ndcg@100': 0.41234 },
    test: { 'ndcg@100': 0.4, 'recall@10': 0.3, 'recall@20': 0.335, 'recall@50': 0.46, users: 600 },
  });
  const cell = (key: string) => DETAIL_COLUMNS.find((c) => c.key === key)!.format(r);
  assert.equal(cell('epochs'), '10/10');
  assert.equal(cell('beta'), '0.2 / 200000');
  assert.equal(cell('bestVal'), '0.412 (ep 7)');
  assert.equal(cell('testR20'), '0.335');
  assert.equal(cell('duration'), '10m 00s');
  assert.equal(cell('lastVal'), '');
  const d = toRow(broken('c'));
  assert.equal(d.status, 'damaged');
  assert.equal(d.damagedReason, 'run.json has no id');
  assert.equal(d.record, undefined);
});

test('run rows: filter on every term; sort numbers and text, unknown values last', () => {
  const rows = [
    toRow(ok(record('a', { name: 'beta sweep 0.1', test: { 'ndcg@100': 0.38, 'recall@10': 0, 'recall@20': 0, 'recall@50': 0, users: 1 } }))),
    toRow(ok(record('b', { name: 'Beta sweep 0.3', model: 'mdae', test: { 'ndcg@100': 0.41, 'recall@10': 0, 'recall@20': 0, 'recall@50': 0, users: 1 } }))),
    toRow(ok(record('c', { name: 'running one', status: 'running' }))),
    toRow(broken('d')),
  ];
  assert.deepEqual(
    filterRows(rows, 'BETA').map((r) => r.id),
    ['a', 'b'],
  );
  assert.deepEqual(
    filterRows(rows, 'beta dae').map((r) => r.id),
    ['b'],
    'model labels match too',
  );
  assert.deepEqual(
    filterRows(rows, 'damaged').map((r) => r.id),
    ['d'],
  );
  assert.deepEqual(filterRows(rows, '  ').length, 4);
  assert.deepEqual(
    sortRows(rows, { key: 'testNdcg', descending: true }).map((r) => r.id),
    ['b', 'a', 'c', 'd'],
  );
  assert.deepEqual(
    sortRows(rows, { key: 'testNdcg', descending: false }).map((r) => r.id),
    ['a', 'b', 'c', 'd'],
  );
  assert.deepEqual(
    sortRows(rows, { key: 'name', descending: false }).map((r) => r.id),
    ['a', 'b', 'd', 'c'],
  );
});
