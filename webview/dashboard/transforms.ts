/**
 * Pure data transforms behind the dashboard charts: series extraction, TensorBoard smoothing,
 * log-safe filtering and extreme-preserving downsampling. No DOM here, so all of it is unit-tested.
 */
import type { MetricsLine } from '../../src/shared/runSchema';

export type XAxis = 'step' | 'epoch' | 'time';
export const X_AXES: readonly XAxis[] = ['step', 'epoch', 'time'];

/** Metrics logged on every training step, plus validation NDCG which only epoch lines carry. */
export type StepMetric = 'negElbo' | 'nll' | 'kl' | 'beta';
export type ChartMetric = StepMetric | 'val_ndcg@100';

export interface XY {
  x: number[];
  y: number[];
}

export interface AxisContext {
  /** Training steps per epoch (ceil(train users / batch)); step lines are placed at step / stepsPerEpoch on the epoch axis. */
  stepsPerEpoch?: number;
}

/** The x coordinate of a line. Steps are cumulative and 1-based, so step / stepsPerEpoch equals the epoch number at an epoch's end. */
export function xOf(line: MetricsLine, axis: XAxis, t0: number, ctx: AxisContext): number {
  switch (axis) {
    case 'step':
      return line.step;
    case 'epoch':
      return ctx.stepsPerEpoch !== undefined && ctx.stepsPerEpoch > 0 ? line.step / ctx.stepsPerEpoch : line.epoch;
    case 'time':
      return line.time - t0;
  }
}

/**
 * One metric of one run against the chosen x axis. Step metrics come from step lines; validation
 * NDCG from the epoch lines that carry it. Wall time is relative to the run's first line.
 */
export function extractSeries(lines: readonly MetricsLine[], metric: ChartMetric, axis: XAxis, ctx: AxisContext = {}): XY {
  const x: number[] = [];
  const y: number[] = [];
  const t0 = lines.length > 0 ? lines[0].time : 0;
  for (const line of lines) {
    if (metric === 'val_ndcg@100') {
      if (line.kind !== 'epoch') continue;
      const v = line['val_ndcg@100'];
      if (v === undefined) continue;
      x.push(xOf(line, axis, t0, ctx));
      y.push(v);
    } else if (line.kind === 'step') {
      x.push(xOf(line, axis, t0, ctx));
      y.push(line[metric]);
    }
  }
  return { x, y };
}

/**
 * TensorBoard's debiased exponential moving average: last = last*w + (1-w)*y, divided by
 * 1 - w^n (n = finite points so far) so the start is not pulled towards 0. Non-finite points pass
 * through unchanged and do not advance the average; a constant series is returned as is (avoids
 * float noise on flat lines such as a capped beta).
 */
export function debiasedEma(ys: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 1);
  if (ys.length === 0) return [];
  const first = ys[0];
  if (w === 0 || ys.every((v) => v === first)) return ys.slice();
  const out = new Array<number>(ys.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < ys.length; i++) {
    const v = ys[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    const debias = w === 1 ? 1 : 1 - Math.pow(w, n);
    out[i] = last / debias;
  }
  return out;
}

/** Keeps drawable points: finite values, and on a log axis only positive ones (log of <= 0 is undefined). */
export function drawablePoints(s: XY, logY: boolean): XY {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < s.x.length; i++) {
    const v = s.y[i];
    if (!Number.isFinite(v) || !Number.isFinite(s.x[i]) || (logY && v <= 0)) continue;
    x.push(s.x[i]);
    y.push(v);
  }
  return { x, y };
}

/** Index of the first x >= target in an ascending array (x.length if none). */
export function lowerBound(x: readonly number[], target: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the point whose x is closest to target in an ascending array (-1 if empty). */
export function nearestIndex(x: readonly number[], target: number): number {
  if (x.length === 0) return -1;
  const i = lowerBound(x, target);
  if (i === 0) return 0;
  if (i === x.length) return x.length - 1;
  return target - x[i - 1] <= x[i] - target ? i - 1 : i;
}

/**
 * Min/max bucket downsampling over an ascending x: the x range (or the given window) is cut into
 * `buckets` equal-width columns and each keeps its lowest and highest point, in x order; the first
 * and last points are always kept. So peaks and dips survive at any zoom and the output has at
 * most 2*buckets + 2 points. With a window, the nearest point outside each edge is kept too so the
 * line runs to the plot border.
 */
export function downsampleMinMax(s: XY, buckets: number, window?: { min: number; max: number }): XY {
  const n = s.x.length;
  let from = 0;
  let to = n;
  if (window) {
    from = Math.max(0, lowerBound(s.x, window.min) - 1);
    to = Math.min(n, lowerBound(s.x, window.max) + 1);
    while (to < n && s.x[to - 1] <= window.max) to++;
  }
  const count = to - from;
  if (count <= Math.max(2, 2 * buckets + 2)) return { x: s.x.slice(from, to), y: s.y.slice(from, to) };

  const x0 = s.x[from];
  const span = s.x[to - 1] - x0 || 1;
  const keep: number[] = [from];
  const push = (i: number) => {
    if (keep[keep.length - 1] !== i) keep.push(i);
  };
  let bucket = -1;
  let minI = -1;
  let maxI = -1;
  const flush = () => {
    if (minI < 0) return;
    if (minI < maxI) {
      push(minI);
      push(maxI);
    } else {
      push(maxI);
      push(minI);
    }
  };
  for (let i = from; i < to; i++) {
    const b = Math.min(buckets - 1, Math.floor(((s.x[i] - x0) / span) * buckets));
    if (b !== bucket) {
      flush();
      bucket = b;
      minI = i;
      maxI = i;
    } else {
      if (s.y[i] < s.y[minI]) minI = i;
      if (s.y[i] > s.y[maxI]) maxI = i;
    }
  }
  flush();
  push(to - 1);
  return { x: keep.map((i) => s.x[i]), y: keep.map((i) => s.y[i]) };
}
