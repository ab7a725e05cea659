import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricsLine } from '../../src/shared/runSchema';
import { offCurvePasses, trainingPasses } from '../../src/shared/modelKinds';
import { makeConfig } from '../../src/shared/trainConfig';
import {
  debiasedEma,
  downsampleMinMax,
  fitCurve,
  keyboardZoom,
  lowerBound,
  metricValue,
  nearestIndex,
  SeriesBuilder,
  type AxisContext,
  type ChartMetric,
  type XAxis,
} from '../../webview/dashboard/transforms';

function extract(lines: readonly MetricsLine[], metric: ChartMetric, axis: XAxis, ctx: AxisContext = {}) {
  const b = new SeriesBuilder(metric, axis, ctx, 0, false);
  b.update(lines);
  return b.raw;
}

function close(actual: number, expected: number, eps = 1e-12) {
  assert.ok(Math.abs(actual - expected) <= eps, `${actual} != ${expected}`);
}

function stepLine(step: number, epoch: number, time: number, v: number): MetricsLine {
  return { kind: 'step', step, epoch, time, loss: v, nll: v, kl: v / 10, beta: step / 100, negElbo: v + v / 10 };
}

function epochLine(epoch: number, step: number, time: number, ndcg?: number): MetricsLine {
  return {
    kind: 'epoch',
    epoch,
    step,
    time,
    seconds: 2,
    loss: 1,
    nll: 1,
    kl: 0.1,
    beta: 0.1,
    negElbo: 1.1,
    ...(ndcg !== undefined ? { 'val_ndcg@100': ndcg } : {}),
  };
}

test('debiased EMA of [1,2,3] with w=0.5 matches the hand computation', () => {
  // last: 0.5, 1.25, 2.125; debias: 1-0.5, 1-0.25, 1-0.125
  const s = debiasedEma([1, 2, 3], 0.5);
  close(s[0], 1);
  close(s[1], 1.25 / 0.75);
  close(s[2], 2.125 / 0.875);
});

test('debiased EMA: weight 0 is the identity, constants stay exact, non-finite points pass through', () => {
  assert.deepEqual(debiasedEma([3, 1, 2], 0), [3, 1, 2]);
  assert.deepEqual(debiasedEma([0.2, 0.2, 0.2], 0.9), [0.2, 0.2, 0.2]);
  assert.deepEqual(debiasedEma([], 0.6), []);
  const s = debiasedEma([1, NaN, 2, Infinity, 3], 0.5);
  assert.ok(Number.isNaN(s[1]));
  assert.equal(s[3], Infinity);
  // The non-finite points do not advance the average: same as smoothing [1,2,3].
  close(s[0], 1);
  close(s[2], 1.25 / 0.75);
  close(s[4], 2.125 / 0.875);
});

test('debiased EMA with w=0.99 starts at the first value, not near zero', () => {
  const s = debiasedEma([10, 10.5, 9.5], 0.99);
  close(s[0], 10);
  assert.ok(s[2] > 9.5 && s[2] < 10.5);
});

test('series: step metrics from step lines, NDCG from epoch lines, on each x axis', () => {
  const lines: MetricsLine[] = [
    stepLine(1, 1, 5, 4),
    stepLine(2, 1, 6, 3),
    epochLine(1, 2, 6.5, 0.31),
    stepLine(3, 2, 7, 2),
    stepLine(4, 2, 8, 1),
    epochLine(2, 4, 8.5),
  ];
  assert.deepEqual(extract(lines, 'nll', 'step'), { x: [1, 2, 3, 4], y: [4, 3, 2, 1] });
  assert.deepEqual(extract(lines, 'negElbo', 'time').x, [0, 1, 2, 3], 'wall time is relative to the first line');
  assert.deepEqual(extract(lines, 'beta', 'epoch', { stepsPerEpoch: 2 }).x, [0.5, 1, 1.5, 2]);
  assert.deepEqual(extract(lines, 'kl', 'epoch').x, [1, 1, 2, 2], 'falls back to the epoch field without stepsPerEpoch');
  assert.deepEqual(extract(lines, 'val_ndcg@100', 'step'), { x: [2], y: [0.31] }, 'epoch lines without validation are skipped');
  assert.deepEqual(extract(lines, 'val_ndcg@100', 'epoch', { stepsPerEpoch: 2 }), { x: [1], y: [0.31] });
  assert.deepEqual(extract([], 'nll', 'time'), { x: [], y: [] });
});

test("a RecVAE run's decoder-pass steps are left out of the loss curves, its encoder passes drawn, on a 4-pass epoch axis", () => {
  const recvae = makeConfig('recvae', 'ml-1m');
  const pass = (line: MetricsLine, name: string): MetricsLine => ({ ...line, pass: name }) as MetricsLine;
  const lines: MetricsLine[] = [
    pass(stepLine(1, 1, 5, 4), 'encoder'),
    pass(stepLine(2, 1, 6, 3), 'encoder'),
    pass(stepLine(3, 1, 7, 2), 'encoder'),
    pass(stepLine(4, 1, 8, 9), 'decoder'),
    epochLine(1, 4, 8.5, 0.3),
  ];
  const ctx = { stepsPerEpoch: 4, offCurvePasses: offCurvePasses(recvae) };
  assert.deepEqual([...ctx.offCurvePasses], ['decoder']);
  assert.deepEqual(extract(lines, 'nll', 'epoch', ctx), { x: [0.25, 0.5, 0.75], y: [4, 3, 2] });
  assert.deepEqual(extract(lines, 'val_ndcg@100', 'epoch', ctx), { x: [1], y: [0.3] });
  assert.deepEqual(extract(lines, 'nll', 'step').y, [4, 3, 2, 9], 'without the run context every step is drawn');
  assert.equal(trainingPasses(recvae).length, 4);
  assert.equal(trainingPasses(makeConfig('mvae', 'ml-1m')).length, 1);
});

test("an EASE run's fit lines give validation NDCG@100 against lambda, by increasing lambda", () => {
  const fit = (step: number, lambda: number, ndcg: number): MetricsLine => ({
    kind: 'fit',
    step,
    epoch: 0,
    time: step,
    seconds: 1,
    lambda,
    'val_ndcg@100': ndcg,
  });
  assert.deepEqual(fitCurve([fit(1, 500, 0.42), stepLine(1, 1, 5, 4), fit(2, 50, 0.38), fit(3, 5000, 0.4)]), { x: [50, 500, 5000], y: [0.38, 0.42, 0.4] });
  assert.deepEqual(fitCurve([stepLine(1, 1, 5, 4)]), { x: [], y: [] }, 'no fit lines: nothing to draw');
  assert.equal(metricValue(fit(1, 500, 0.42), 'val_ndcg@100'), undefined, 'fit lines are not epochs');
});

test('series builder is incremental: appending equals building from scratch, smoothing included', () => {
  const lines: MetricsLine[] = [stepLine(1, 1, 5, 4), stepLine(2, 1, 6, 3)];
  const live = new SeriesBuilder('nll', 'time', {}, 0.5, false);
  assert.equal(live.update(lines), true);
  lines.push(stepLine(3, 1, 7, 2), epochLine(1, 3, 7.5, 0.2));
  assert.equal(live.update(lines), true);
  assert.equal(live.update(lines), false, 'nothing new');
  const fresh = new SeriesBuilder('nll', 'time', {}, 0.5, false);
  fresh.update(lines);
  assert.deepEqual(live.raw, fresh.raw);
  assert.deepEqual(live.smoothed, fresh.smoothed);
  assert.deepEqual(live.smoothed.y, debiasedEma([4, 3, 2], 0.5));
  assert.deepEqual(live.raw.x, [0, 1, 2]);
});

test('series builder drops non-finite values, and non-positive ones on a log axis', () => {
  const values = [1, 0, -2, NaN, 5];
  const lines = values.map((v, i) => stepLine(i + 1, 1, i, v));
  const linear = new SeriesBuilder('nll', 'step', {}, 0, false);
  linear.update(lines);
  assert.deepEqual(linear.raw, { x: [1, 2, 3, 5], y: [1, 0, -2, 5] });
  const log = new SeriesBuilder('nll', 'step', {}, 0, true);
  log.update(lines);
  assert.deepEqual(log.raw, { x: [1, 5], y: [1, 5] });
});

test('series builder: 100k lines once, then small appends cost only the new lines', () => {
  const lines = Array.from({ length: 100_000 }, (_, i) => stepLine(i + 1, 1, i, 100 + Math.sin(i)));
  const b = new SeriesBuilder('negElbo', 'step', {}, 0.9, false);
  b.update(lines);
  assert.equal(b.smoothed.x.length, 100_000);
  lines.push(stepLine(100_001, 1, 100_000, 1));
  // Count element reads rather than time them: the machines are shared, and reads are what O(1) means here.
  let reads = 0;
  const counted = new Proxy(lines, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  b.update(counted);
  const appendReads = reads;
  assert.ok(appendReads <= 2, `one appended line read ${appendReads} elements`);
  for (let i = 0; i < 1000; i++) b.update(counted);
  assert.equal(reads, appendReads, 're-updating without new lines reads no line');
  assert.equal(b.raw.x.length, 100_001);
});

test('lowerBound and nearestIndex on ascending x', () => {
  const x = [0, 10, 20, 30];
  assert.equal(lowerBound(x, -1), 0);
  assert.equal(lowerBound(x, 10), 1);
  assert.equal(lowerBound(x, 11), 2);
  assert.equal(lowerBound(x, 99), 4);
  assert.equal(nearestIndex(x, 14), 1);
  assert.equal(nearestIndex(x, 16), 2);
  assert.equal(nearestIndex(x, 99), 3);
  assert.equal(nearestIndex([], 1), -1);
});

test('downsampling keeps first, last, global min and max', () => {
  const n = 10_000;
  const x = Array.from({ length: n }, (_, i) => i);
  const y = x.map((i) => Math.sin(i / 50) + (i === 4321 ? 9 : 0) + (i === 777 ? -9 : 0));
  const d = downsampleMinMax({ x, y }, 100);
  assert.ok(d.x.length <= 202);
  assert.equal(d.x[0], 0);
  assert.equal(d.x[d.x.length - 1], n - 1);
  assert.ok(d.x.includes(4321) && d.y.includes(Math.max(...y)));
  assert.ok(d.x.includes(777) && d.y.includes(Math.min(...y)));
  for (let i = 1; i < d.x.length; i++) assert.ok(d.x[i] > d.x[i - 1], 'x stays strictly ascending');
});

test('downsampling 100k points is bounded by ~2x the bucket count', () => {
  const n = 100_000;
  const x = Array.from({ length: n }, (_, i) => i * 0.5);
  const y = x.map((v) => Math.cos(v) * Math.exp(-v / 10_000));
  const d = downsampleMinMax({ x, y }, 1_000);
  assert.ok(d.x.length <= 2 * 1_000 + 2, `got ${d.x.length}`);
  assert.ok(d.x.length > 1_000);
});

test('downsampling leaves short series untouched', () => {
  const s = { x: [1, 2, 3], y: [3, 1, 2] };
  assert.deepEqual(downsampleMinMax(s, 10), s);
});

test('downsampling a zoom window keeps one point beyond each edge', () => {
  const x = Array.from({ length: 1_000 }, (_, i) => i);
  const y = x.map((i) => i % 7);
  const d = downsampleMinMax({ x, y }, 1_000, { min: 100.5, max: 200 });
  assert.equal(d.x[0], 100);
  assert.equal(d.x[d.x.length - 1], 201);
  const coarse = downsampleMinMax({ x, y }, 10, { min: 100.5, max: 200 });
  assert.equal(coarse.x[0], 100);
  assert.equal(coarse.x[coarse.x.length - 1], 201);
  assert.ok(coarse.x.length <= 22);
});

const FULL_RANGE = { min: 0, max: 100 };

test('keyboardZoom: halves the range about its centre on + and =, and doubles it back on -', () => {
  const zoomed = keyboardZoom('+', undefined, FULL_RANGE);
  assert.deepEqual(zoomed, { min: 25, max: 75 });
  assert.deepEqual(keyboardZoom('=', zoomed ?? undefined, FULL_RANGE), { min: 37.5, max: 62.5 });
  assert.equal(keyboardZoom('-', zoomed ?? undefined, FULL_RANGE), undefined, 'zooming out to the full range means no zoom');
});

test('keyboardZoom: pans by a quarter of the view and stops at the ends without shrinking', () => {
  assert.deepEqual(keyboardZoom('ArrowRight', { min: 25, max: 75 }, FULL_RANGE), { min: 37.5, max: 87.5 });
  assert.deepEqual(keyboardZoom('ArrowRight', { min: 45, max: 95 }, FULL_RANGE), { min: 50, max: 100 });
  assert.deepEqual(keyboardZoom('ArrowLeft', { min: 5, max: 55 }, FULL_RANGE), { min: 0, max: 50 });
});

test('keyboardZoom: resets on 0 and Escape, ignores other keys, and does nothing useful without a range', () => {
  assert.equal(keyboardZoom('0', { min: 10, max: 20 }, FULL_RANGE), undefined);
  assert.equal(keyboardZoom('Escape', { min: 10, max: 20 }, FULL_RANGE), undefined);
  assert.equal(keyboardZoom('a', { min: 10, max: 20 }, FULL_RANGE), null);
  assert.equal(keyboardZoom('+', undefined, { min: 3, max: 3 }), undefined);
  assert.equal(keyboardZoom('Tab', undefined, { min: 3, max: 3 }), null);
});

test('keyboardZoom: zooming out from near an end keeps the wider view inside the data', () => {
  assert.deepEqual(keyboardZoom('-', { min: 0, max: 30 }, FULL_RANGE), { min: 0, max: 60 });
});
