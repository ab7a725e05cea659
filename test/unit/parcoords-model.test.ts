/** The sweep view's parallel coordinates without a DOM: axis scaling, brushing and hit testing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  axisAt,
  axisX,
  brushExtent,
  brushFromDrag,
  buildAxes,
  buildAxis,
  filterTrials,
  polyline,
  position,
  tOf,
  ticks,
  trialAt,
  valueAt,
  varyingKeys,
  yOf,
  type Axis,
  type Layout,
  type NumericAxis,
  type ParcoordsTrial,
} from '../../webview/sweep/parcoordsModel';

const close = (a: number | undefined, b: number, what = '') => assert.ok(a !== undefined && Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

const trials: ParcoordsTrial[] = [
  { id: 't0', values: { learningRate: 1e-4, dropout: 0.2, activation: 'tanh', hidden: 300, seed: 1, metric: 0.3 } },
  { id: 't1', values: { learningRate: 1e-3, dropout: 0.5, activation: 'relu', hidden: 600, seed: 1, metric: 0.4 } },
  { id: 't2', values: { learningRate: 1e-2, dropout: 0.8, activation: 'tanh', hidden: 600, seed: 1, metric: 0.35 } },
  { id: 't3', values: { learningRate: 1e-3, dropout: 0.2, activation: 'relu', hidden: 300, seed: 1, metric: undefined } },
];
const layout: Layout = { width: 500, height: 300, top: 20, right: 50, bottom: 30, left: 50 };

test('only parameters that vary get an axis', () => {
  assert.deepEqual(varyingKeys(trials, ['learningRate', 'dropout', 'activation', 'hidden', 'seed', 'metric']), [
    'learningRate',
    'dropout',
    'activation',
    'hidden',
    'metric',
  ]);
});

test('axes: two decades of positive numbers are log, others linear, strings categorical (in natural order); a forced scale wins', () => {
  const [lr, dropout, activation, hidden] = buildAxes(trials, [
    { key: 'learningRate', label: 'lr' },
    { key: 'dropout' },
    { key: 'activation' },
    { key: 'hidden', scale: 'categorical' },
  ]);
  assert.deepEqual(lr, { key: 'learningRate', label: 'lr', kind: 'log', min: 1e-4, max: 1e-2 });
  assert.deepEqual(dropout, { key: 'dropout', label: 'dropout', kind: 'linear', min: 0.2, max: 0.8 });
  assert.deepEqual(activation, { key: 'activation', label: 'activation', kind: 'categorical', categories: ['relu', 'tanh'] });
  assert.deepEqual(hidden, { key: 'hidden', label: 'hidden', kind: 'categorical', categories: ['300', '600'] });
  assert.equal(buildAxis(trials, { key: 'learningRate', scale: 'linear' }).kind, 'linear');
  // Natural order puts 10 after 9, not after 1.
  const sizes = buildAxis(
    [
      { id: 'a', values: { k: 'x10' } },
      { id: 'b', values: { k: 'x9' } },
      { id: 'c', values: { k: 'x1' } },
    ],
    { key: 'k' },
  );
  assert.deepEqual((sizes as { categories: string[] }).categories, ['x1', 'x9', 'x10']);
  // A log hint on data that reaches 0 cannot be honoured.
  assert.equal(
    buildAxis(
      [
        { id: 'a', values: { k: 0 } },
        { id: 'b', values: { k: 1 } },
      ],
      { key: 'k', scale: 'log' },
    ).kind,
    'linear',
  );
});

test('positions: linear and log scale to 0..1, categories spread evenly; missing values, unknown categories and <= 0 on a log axis have none', () => {
  const lr: Axis = { key: 'lr', label: 'lr', kind: 'log', min: 1e-4, max: 1e-2 };
  close(position(lr, 1e-4), 0, 'log min');
  close(position(lr, 1e-3), 0.5, 'log middle decade');
  close(position(lr, 1e-2), 1, 'log max');
  assert.equal(position(lr, 0), undefined);
  assert.equal(position(lr, undefined), undefined);
  const dropout: Axis = { key: 'd', label: 'd', kind: 'linear', min: 0.2, max: 0.8 };
  close(position(dropout, 0.35), 0.25, 'linear');
  assert.equal(position(dropout, 'x'), undefined);
  const cat: Axis = { key: 'c', label: 'c', kind: 'categorical', categories: ['a', 'b', 'c'] };
  assert.deepEqual(
    ['a', 'b', 'c', 'zzz'].map((v) => position(cat, v)),
    [0, 0.5, 1, undefined],
  );
  assert.equal(position({ ...cat, categories: ['only'] }, 'only'), 0.5);
  // Inverse: valueAt(position(v)) = v.
  for (const v of [1e-4, 3e-4, 5e-3]) close(valueAt(lr, position(lr, v) ?? NaN) as number, v, 'log round trip');
  close(valueAt(dropout, 0.25) as number, 0.35, 'linear inverse');
  assert.equal(valueAt(cat, 0.7), 'b');
  assert.equal(valueAt(cat, 0.8), 'c');
});

test('an axis over one value is widened around it instead of dividing by zero', () => {
  const one = [{ id: 'a', values: { m: 0.4, z: 0, lr: 1e-3 } }];
  const m = buildAxis(one, { key: 'm' }) as NumericAxis;
  close(m.min, 0.2, 'min');
  close(m.max, 0.6, 'max');
  close(position(m, 0.4), 0.5);
  assert.deepEqual(buildAxis(one, { key: 'z' }), { key: 'z', label: 'z', kind: 'linear', min: -1, max: 1 });
  const lr = buildAxis(one, { key: 'lr', scale: 'log' });
  close(position(lr, 1e-3), 0.5, 'log single value');
});

test('ticks: 1-2-5 steps on linear axes, decades on log axes (1-2-5 within a single decade)', () => {
  // At most about `target` ticks: 0.6 / 5 = 0.12 rounds up to a step of 0.2.
  assert.deepEqual(ticks({ key: 'k', label: 'k', kind: 'linear', min: 0.2, max: 0.8 }), [0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(ticks({ key: 'k', label: 'k', kind: 'linear', min: 0.2, max: 0.8 }, 10), [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
  assert.deepEqual(ticks({ key: 'k', label: 'k', kind: 'linear', min: -1, max: 1 }, 4), [-1, -0.5, 0, 0.5, 1]);
  assert.deepEqual(ticks({ key: 'k', label: 'k', kind: 'log', min: 1e-4, max: 1e-2 }), [1e-4, 1e-3, 1e-2]);
  assert.deepEqual(ticks({ key: 'k', label: 'k', kind: 'log', min: 1.5e-3, max: 8e-3 }), [2e-3, 5e-3]);
});

test('layout: axes spread from left to right, positions map to pixel heights and back', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((i) => axisX(layout, i, 5)),
    [50, 150, 250, 350, 450],
  );
  assert.equal(axisX(layout, 0, 1), 250);
  assert.equal(yOf(layout, 0), 270);
  assert.equal(yOf(layout, 1), 20);
  close(tOf(layout, 145), 0.5);
  assert.equal(tOf(layout, 0), 1);
  assert.equal(tOf(layout, 1000), 0);
  assert.equal(axisAt(layout, 5, 155), 1);
  assert.equal(axisAt(layout, 5, 200), undefined);
});

test('brushing: a drag on a numeric axis is a value range, on a categorical one a set of categories; a click clears', () => {
  const [lr, activation] = buildAxes(trials, [{ key: 'learningRate' }, { key: 'activation' }]);
  // From the middle of the log axis (1e-3) up to the top (1e-2); the drag direction does not matter.
  const up = brushFromDrag(lr, layout, yOf(layout, 0.5), yOf(layout, 1));
  const down = brushFromDrag(lr, layout, yOf(layout, 1), yOf(layout, 0.5));
  assert.deepEqual(up, down);
  assert.equal(up?.kind, 'range');
  if (up?.kind === 'range') {
    close(up.lo, 1e-3, 'lo');
    close(up.hi, 1e-2, 'hi');
  }
  assert.deepEqual(brushFromDrag(activation, layout, yOf(layout, 0.9), yOf(layout, 1)), { kind: 'categories', values: ['tanh'] });
  assert.deepEqual(brushFromDrag(activation, layout, yOf(layout, 0.4), yOf(layout, 0.6)), { kind: 'categories', values: [] });
  assert.equal(brushFromDrag(lr, layout, 100, 102), undefined);
});

test('filtering: a trial passes when it is inside every active brush; no brush keeps all; a missing value on a brushed axis fails', () => {
  const axes = buildAxes(trials, [{ key: 'learningRate' }, { key: 'dropout' }, { key: 'activation' }, { key: 'metric' }]);
  const ids = (brushes: Parameters<typeof filterTrials>[2]) => filterTrials(trials, axes, brushes).map((t) => t.id);
  assert.deepEqual(ids({}), ['t0', 't1', 't2', 't3']);
  assert.deepEqual(ids({ learningRate: { kind: 'range', lo: 1e-3, hi: 1e-2 } }), ['t1', 't2', 't3']);
  assert.deepEqual(ids({ learningRate: { kind: 'range', lo: 1e-3, hi: 1e-2 }, activation: { kind: 'categories', values: ['relu'] } }), ['t1', 't3']);
  // Edges are inside (closed range).
  assert.deepEqual(ids({ dropout: { kind: 'range', lo: 0.2, hi: 0.5 } }), ['t0', 't1', 't3']);
  // t3 has no metric yet: a brush on the metric leaves it out.
  assert.deepEqual(ids({ metric: { kind: 'range', lo: 0, hi: 1 } }), ['t0', 't1', 't2']);
  // A brush on a key that has no axis (the parameter stopped varying) is ignored.
  assert.deepEqual(ids({ gone: { kind: 'range', lo: 5, hi: 6 } }), ['t0', 't1', 't2', 't3']);
  // Brushes are data ranges, so a rebuilt, wider axis keeps the same selection.
  const wider = [...trials, { id: 't4', values: { learningRate: 1, dropout: 0.9, activation: 'gelu', metric: 0.1 } }];
  const rebuilt = buildAxes(wider, [{ key: 'learningRate' }]);
  assert.deepEqual(
    filterTrials(wider, rebuilt, { learningRate: { kind: 'range', lo: 1e-3, hi: 1e-2 } }).map((t) => t.id),
    ['t1', 't2', 't3'],
  );
});

test('brush extents for drawing follow the axis scale', () => {
  const [lr, activation] = buildAxes(trials, [{ key: 'learningRate' }, { key: 'activation' }]);
  const e = brushExtent(lr, { kind: 'range', lo: 1e-3, hi: 1e-2 });
  close(e?.[0], 0.5, 'from');
  close(e?.[1], 1, 'to');
  assert.deepEqual(brushExtent(lr, { kind: 'range', lo: -1, hi: 1e-3 })?.[0], 0);
  assert.deepEqual(brushExtent(activation, { kind: 'categories', values: ['relu', 'tanh'] }), [0, 1]);
  assert.equal(brushExtent(activation, { kind: 'categories', values: [] }), undefined);
});

test('hit testing: the line nearest the pointer within the tolerance, tested on the segment under the pointer only', () => {
  const axes = buildAxes(trials, [{ key: 'learningRate' }, { key: 'dropout' }, { key: 'metric' }]);
  const line = polyline(trials[1], axes, layout);
  assert.equal(line.length, 3);
  // t1: lr 1e-3 (0.5) -> dropout 0.5 (0.5): a horizontal segment at y = 145 between x = 50 and 250.
  assert.deepEqual([line[0]?.x, line[1]?.x], [50, 250]);
  close(line[0]?.y, 145, 'y at lr');
  close(line[1]?.y, 145, 'y at dropout');
  assert.equal(trialAt(trials, axes, layout, 150, 147)?.id, 't1');
  assert.equal(trialAt(trials, axes, layout, 150, 160), undefined);
  // Outside the axes there is nothing to hit.
  assert.equal(trialAt(trials, axes, layout, 20, 145), undefined);
  // t3 has no metric: no segment between dropout and metric; t1 (0.5 -> metric 0.4 = top) is there.
  const metricAxis = axes[2] as NumericAxis;
  close(position(metricAxis, 0.4), 1, 'metric top');
  assert.equal(polyline(trials[3], axes, layout)[2], undefined);
  const midY = (145 + yOf(layout, 1)) / 2;
  assert.equal(trialAt(trials, axes, layout, 350, midY)?.id, 't1');
  // Of two lines within the tolerance, the nearer one.
  const two: ParcoordsTrial[] = [
    { id: 'a', values: { x: 0, y: 0 } },
    { id: 'b', values: { x: 0.02, y: 0.02 } },
  ];
  const xy = buildAxes(
    [...two, { id: 'range', values: { x: 1, y: 1 } }],
    [
      { key: 'x', scale: 'linear' },
      { key: 'y', scale: 'linear' },
    ],
  );
  assert.equal(trialAt(two, xy, layout, 100, yOf(layout, 0.015))?.id, 'b');
  assert.equal(trialAt(two, xy, layout, 100, yOf(layout, 0.004))?.id, 'a');
});
