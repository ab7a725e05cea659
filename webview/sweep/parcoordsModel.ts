/**
 * The parallel-coordinates plot of the sweep view without the DOM: axes (linear, log or categorical)
 * built from the trials, positions on them, brushes that filter the trials, and hit tests for the
 * pointer. The view draws what this computes; unit tests check it directly. Brushes are kept in data
 * units (a value range, or a set of categories), so they survive the axes being rebuilt when a live
 * sweep adds trials that widen a domain.
 */

export type AxisValue = number | string | boolean | undefined;

export interface ParcoordsTrial {
  id: string;
  /** Parameter values and metrics by axis key; undefined where a trial has none (e.g. a running trial's metric). */
  values: Readonly<Record<string, AxisValue>>;
}

export interface NumericAxis {
  key: string;
  label: string;
  kind: 'linear' | 'log';
  min: number;
  max: number;
}

export interface CategoricalAxis {
  key: string;
  label: string;
  kind: 'categorical';
  /** In display order, bottom to top. */
  categories: string[];
}

export type Axis = NumericAxis | CategoricalAxis;

export interface AxisSpec {
  key: string;
  label?: string;
  /** Forced scale; without it, numbers spanning two decades or more (all positive) get a log axis, anything else non-numeric a categorical one. */
  scale?: 'linear' | 'log' | 'categorical';
}

/** Keys whose defined values are not all the same: the parameters worth an axis. */
export function varyingKeys(trials: readonly ParcoordsTrial[], keys: readonly string[]): string[] {
  return keys.filter((key) => new Set(trials.map((t) => t.values[key]).filter((v) => v !== undefined)).size > 1);
}

const categoryOf = (v: Exclude<AxisValue, undefined>) => String(v);
const byNaturalOrder = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** Ratio of max to min from which an all-positive numeric axis is drawn on a log scale. */
export const LOG_RATIO = 100;

export function buildAxis(trials: readonly ParcoordsTrial[], spec: AxisSpec): Axis {
  const label = spec.label ?? spec.key;
  const defined = trials.map((t) => t.values[spec.key]).filter((v): v is Exclude<AxisValue, undefined> => v !== undefined);
  const numbers = defined.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (spec.scale === 'categorical' || numbers.length < defined.length) {
    return { key: spec.key, label, kind: 'categorical', categories: [...new Set(defined.map(categoryOf))].sort(byNaturalOrder) };
  }
  let min = numbers.length ? Math.min(...numbers) : 0;
  let max = numbers.length ? Math.max(...numbers) : 1;
  const log = min > 0 && (spec.scale === 'log' || (spec.scale === undefined && max / min >= LOG_RATIO));
  if (min === max) {
    // One value: an axis around it, so the line sits in the middle instead of dividing by zero.
    if (log) [min, max] = [min / 2, max * 2];
    else [min, max] = min === 0 ? [-1, 1] : [min - Math.abs(min) / 2, max + Math.abs(max) / 2];
  }
  return { key: spec.key, label, kind: log ? 'log' : 'linear', min, max };
}

export function buildAxes(trials: readonly ParcoordsTrial[], specs: readonly AxisSpec[]): Axis[] {
  return specs.map((s) => buildAxis(trials, s));
}

/** Where a value sits on an axis, 0 (bottom) to 1 (top); undefined when it has no place (missing, unknown category, <= 0 on a log axis). */
export function position(axis: Axis, value: AxisValue): number | undefined {
  if (value === undefined) return undefined;
  if (axis.kind === 'categorical') {
    const i = axis.categories.indexOf(categoryOf(value));
    if (i < 0) return undefined;
    return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (axis.kind === 'log') return value > 0 ? (Math.log(value) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min)) : undefined;
  return (value - axis.min) / (axis.max - axis.min);
}

/** The value at a position: a number on a numeric axis, the nearest category on a categorical one. */
export function valueAt(axis: Axis, t: number): number | string {
  if (axis.kind === 'categorical') {
    const n = axis.categories.length;
    return axis.categories[n <= 1 ? 0 : Math.max(0, Math.min(n - 1, Math.round(t * (n - 1))))];
  }
  if (axis.kind === 'log') return Math.exp(Math.log(axis.min) + t * (Math.log(axis.max) - Math.log(axis.min)));
  return axis.min + t * (axis.max - axis.min);
}

/** Tick values for a numeric axis: 1-2-5 steps on a linear one, powers of ten (or 1-2-5 within a decade) on a log one. */
export function ticks(axis: NumericAxis, target = 5): number[] {
  if (axis.kind === 'log') {
    // Parsed from decimal text: 10 ** -4 is 0.00009999999999999999, 1e-4 is 0.0001.
    const decimal = (m: number, e: number) => Number(`${m}e${e}`);
    const lo = Math.floor(Math.log10(axis.min));
    const hi = Math.ceil(Math.log10(axis.max));
    const within = (v: number) => v >= axis.min * (1 - 1e-12) && v <= axis.max * (1 + 1e-12);
    const exponents = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    const decades = exponents.map((e) => decimal(1, e)).filter(within);
    if (decades.length >= 2) return decades;
    return exponents.flatMap((e) => [1, 2, 5].map((m) => decimal(m, e))).filter(within);
  }
  const raw = (axis.max - axis.min) / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let v = Math.ceil(axis.min / step) * step; v <= axis.max + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : +v.toPrecision(12));
  return out;
}

/** The plot's box in pixels: axes spread evenly from left to right, 1 at `top`, 0 at `height - bottom`. */
export interface Layout {
  width: number;
  height: number;
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export function axisX(layout: Layout, index: number, count: number): number {
  const span = layout.width - layout.left - layout.right;
  return count <= 1 ? layout.left + span / 2 : layout.left + (index * span) / (count - 1);
}

export function yOf(layout: Layout, t: number): number {
  return layout.height - layout.bottom - t * (layout.height - layout.top - layout.bottom);
}

/** The position (0..1, clamped) at pixel height y. */
export function tOf(layout: Layout, y: number): number {
  const t = (layout.height - layout.bottom - y) / (layout.height - layout.top - layout.bottom);
  return Math.max(0, Math.min(1, t));
}

/** A brush in data units: a closed value range on a numeric axis, chosen categories on a categorical one. */
export type Brush = { kind: 'range'; lo: number; hi: number } | { kind: 'categories'; values: string[] };
export type Brushes = Readonly<Record<string, Brush>>;

/** Drags shorter than this (pixels) are clicks: they clear the axis' brush. */
export const MIN_BRUSH_PIXELS = 3;

/** The brush a vertical drag from y0 to y1 on an axis makes; undefined for a click (clear the brush). */
export function brushFromDrag(axis: Axis, layout: Layout, y0: number, y1: number): Brush | undefined {
  if (Math.abs(y1 - y0) < MIN_BRUSH_PIXELS) return undefined;
  const [t0, t1] = [tOf(layout, Math.max(y0, y1)), tOf(layout, Math.min(y0, y1))];
  if (axis.kind === 'categorical') {
    const values = axis.categories.filter((c) => {
      const t = position(axis, c) ?? -1;
      return t >= t0 && t <= t1;
    });
    return { kind: 'categories', values };
  }
  return { kind: 'range', lo: valueAt(axis, t0) as number, hi: valueAt(axis, t1) as number };
}

export function inBrush(brush: Brush, value: AxisValue): boolean {
  if (value === undefined) return false;
  if (brush.kind === 'categories') return brush.values.includes(categoryOf(value));
  return typeof value === 'number' && value >= brush.lo && value <= brush.hi;
}

/** The brush's extent on its axis as positions [bottom, top], for drawing it. */
export function brushExtent(axis: Axis, brush: Brush): [number, number] | undefined {
  if (brush.kind === 'range') {
    if (axis.kind === 'categorical') return undefined;
    const clamp = (v: number) => Math.max(0, Math.min(1, v));
    // A log axis has no place for a value <= 0: its bottom stands in.
    return [clamp(position(axis, brush.lo) ?? 0), clamp(position(axis, brush.hi) ?? 0)];
  }
  const ts = brush.values.map((v) => position(axis, v)).filter((t): t is number => t !== undefined);
  return ts.length ? [Math.min(...ts), Math.max(...ts)] : undefined;
}

/** The trials inside every active brush (a brush on a key without an axis is ignored); a trial without a value on a brushed axis is out. */
export function filterTrials<T extends ParcoordsTrial>(trials: readonly T[], axes: readonly Axis[], brushes: Brushes): T[] {
  const active = axes.filter((a) => brushes[a.key] !== undefined).map((a) => [a.key, brushes[a.key]] as const);
  if (active.length === 0) return [...trials];
  return trials.filter((t) => active.every(([key, brush]) => inBrush(brush, t.values[key])));
}

/** The trial's line: one point per axis, undefined where the trial has no value on that axis. */
export function polyline(trial: ParcoordsTrial, axes: readonly Axis[], layout: Layout): ({ x: number; y: number } | undefined)[] {
  return axes.map((axis, i) => {
    const t = position(axis, trial.values[axis.key]);
    return t === undefined ? undefined : { x: axisX(layout, i, axes.length), y: yOf(layout, t) };
  });
}

/** Index of the axis within `tolerance` pixels of x (where a brush drag starts), or undefined. */
export function axisAt(layout: Layout, count: number, x: number, tolerance = 10): number | undefined {
  let best: number | undefined;
  let bestDistance = tolerance;
  for (let i = 0; i < count; i++) {
    const d = Math.abs(axisX(layout, i, count) - x);
    if (d <= bestDistance) [best, bestDistance] = [i, d];
  }
  return best;
}

function distanceToSegment(px: number, py: number, a: { x: number; y: number }, b: { x: number; y: number }): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const s = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / len2));
  return Math.hypot(px - (a.x + s * dx), py - (a.y + s * dy));
}

/**
 * The trial whose line passes closest to (x, y), within `tolerance` pixels, or undefined. Only the
 * segment between the two axes around x is tested, so a pointer move costs one segment per trial.
 */
export function trialAt<T extends ParcoordsTrial>(
  trials: readonly T[],
  axes: readonly Axis[],
  layout: Layout,
  x: number,
  y: number,
  tolerance = 5,
): T | undefined {
  const n = axes.length;
  if (n < 2 || x < axisX(layout, 0, n) || x > axisX(layout, n - 1, n)) return undefined;
  let i = 0;
  while (i < n - 2 && x > axisX(layout, i + 1, n)) i++;
  let best: T | undefined;
  let bestDistance = tolerance;
  for (const trial of trials) {
    const ta = position(axes[i], trial.values[axes[i].key]);
    const tb = position(axes[i + 1], trial.values[axes[i + 1].key]);
    if (ta === undefined || tb === undefined) continue;
    const d = distanceToSegment(x, y, { x: axisX(layout, i, n), y: yOf(layout, ta) }, { x: axisX(layout, i + 1, n), y: yOf(layout, tb) });
    if (d <= bestDistance) [best, bestDistance] = [trial, d];
  }
  return best;
}
