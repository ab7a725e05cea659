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
  /** Training steps per epoch (ceil(train users / batch) per pass); step lines are placed at step / stepsPerEpoch on the epoch axis. */
  stepsPerEpoch?: number;
  /** Passes whose steps optimise another objective than the curves show (RecVAE's decoder passes): left out. */
  offCurvePasses?: ReadonlySet<string>;
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
 * Whether a line carries the metric, and its value. Step metrics come from step lines (not those of
 * an off-curve pass); validation NDCG from epoch lines that have it.
 */
export function metricValue(line: MetricsLine, metric: ChartMetric, ctx: AxisContext = {}): number | undefined {
  if (metric === 'val_ndcg@100') return line.kind === 'epoch' ? line['val_ndcg@100'] : undefined;
  if (line.kind !== 'step' || (line.pass !== undefined && ctx.offCurvePasses?.has(line.pass))) return undefined;
  return line[metric];
}

/**
 * A closed-form fit's candidates (EASE's "fit" lines): validation NDCG@100 against lambda, by
 * increasing lambda (a candidate fitted twice keeps its last score).
 */
export function fitCurve(lines: readonly MetricsLine[]): XY {
  const byLambda = new Map<number, number>();
  for (const l of lines) if (l.kind === 'fit' && Number.isFinite(l.lambda) && l.lambda > 0) byLambda.set(l.lambda, l['val_ndcg@100']);
  const x = [...byLambda.keys()].sort((a, b) => a - b);
  return { x, y: x.map((v) => byLambda.get(v) as number) };
}

/**
 * TensorBoard's debiased exponential moving average, one point at a time:
 * last = last*w + (1-w)*y, reported as last / (1 - w^n) (n = finite points so far) so the start is
 * not pulled towards 0. Non-finite points pass through and do not advance the average. While the
 * series has been constant its value is returned exactly (TensorBoard does the same for constant
 * series, avoiding float noise on flat lines such as a capped beta).
 */
export class EmaAccumulator {
  private last = 0;
  private n = 0;
  private constant: number | undefined;
  private readonly w: number;

  constructor(weight: number) {
    this.w = Math.min(Math.max(weight, 0), 1);
  }

  push(v: number): number {
    if (!Number.isFinite(v)) return v;
    this.last = this.last * this.w + (1 - this.w) * v;
    this.n++;
    if (this.n === 1) this.constant = v;
    else if (this.constant !== v) this.constant = undefined;
    if (this.constant !== undefined) return v;
    const debias = this.w === 1 ? 1 : 1 - Math.pow(this.w, this.n);
    return this.last / debias;
  }
}

export function debiasedEma(ys: readonly number[], weight: number): number[] {
  const ema = new EmaAccumulator(weight);
  return ys.map((v) => ema.push(v));
}

/** Whether a value can be drawn: finite, and on a log axis positive (log of <= 0 is undefined). */
function drawable(x: number, y: number, logY: boolean): boolean {
  return Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0);
}

/**
 * Builds one metric of one run against an x axis, raw and smoothed, keeping only drawable points.
 * Incremental: `update` consumes only lines appended since the last call (the run's array only
 * grows), so a live run with 100k steps costs O(new lines) per update, not O(all). Wall time is
 * relative to the run's first line.
 */
export class SeriesBuilder {
  readonly raw: XY = { x: [], y: [] };
  readonly smoothed: XY = { x: [], y: [] };
  private consumed = 0;
  private t0 = 0;
  private readonly ema: EmaAccumulator;

  constructor(
    private readonly metric: ChartMetric,
    private readonly axis: XAxis,
    private readonly ctx: AxisContext,
    smoothing: number,
    private readonly logY: boolean,
  ) {
    this.ema = new EmaAccumulator(smoothing);
  }

  /** Returns whether any point was added. */
  update(lines: readonly MetricsLine[]): boolean {
    if (this.consumed === 0 && lines.length > 0) this.t0 = lines[0].time;
    const before = this.raw.x.length + this.smoothed.x.length;
    for (let i = this.consumed; i < lines.length; i++) {
      const v = metricValue(lines[i], this.metric, this.ctx);
      if (v === undefined) continue;
      const x = xOf(lines[i], this.axis, this.t0, this.ctx);
      const smoothed = this.ema.push(v);
      if (drawable(x, v, this.logY)) {
        this.raw.x.push(x);
        this.raw.y.push(v);
      }
      if (drawable(x, smoothed, this.logY)) {
        this.smoothed.x.push(x);
        this.smoothed.y.push(smoothed);
      }
    }
    this.consumed = lines.length;
    return this.raw.x.length + this.smoothed.x.length > before;
  }
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

export interface XRange {
  min: number;
  max: number;
}

/** Keys the chart answers to when focused (also listed in its accessible label). */
export const ZOOM_KEYS = ['+', '=', '-', 'ArrowLeft', 'ArrowRight', '0', 'Escape'] as const;

/**
 * The x range after a key press on a focused chart, so zoom and pan do not need a mouse: + / =
 * halve the range about its centre, - doubles it, the arrows pan by a quarter of it, 0 and Escape
 * show everything. The result stays inside the data's full range; undefined means "no zoom" (the
 * whole range), null that the key is not a chart key.
 */
export function keyboardZoom(key: string, current: XRange | undefined, full: XRange): XRange | undefined | null {
  if (!(full.max > full.min)) return (ZOOM_KEYS as readonly string[]).includes(key) ? undefined : null;
  const view = current ?? full;
  const width = view.max - view.min;
  const centre = (view.min + view.max) / 2;
  let next: XRange;
  switch (key) {
    case '+':
    case '=':
      next = { min: centre - width / 4, max: centre + width / 4 };
      break;
    case '-':
      next = { min: centre - width, max: centre + width };
      break;
    case 'ArrowLeft':
      next = { min: view.min - width / 4, max: view.max - width / 4 };
      break;
    case 'ArrowRight':
      next = { min: view.min + width / 4, max: view.max + width / 4 };
      break;
    case '0':
    case 'Escape':
      return undefined;
    default:
      return null;
  }
  const fullWidth = full.max - full.min;
  const w = Math.min(next.max - next.min, fullWidth);
  if (w >= fullWidth) return undefined;
  // Panning past an end keeps the width and stops at the end.
  const min = Math.min(Math.max(next.min, full.min), full.max - w);
  return { min, max: min + w };
}
