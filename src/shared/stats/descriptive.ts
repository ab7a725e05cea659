/** Means, spreads and quantiles, and the across-seeds summary the sweep view shows per configuration. */
import type { SeedSummary } from '../statsContracts';

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Sample standard deviation (n - 1), two passes so a large common offset costs no precision. */
export function sampleSd(xs: ArrayLike<number>): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i] - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** The q-quantile of ascending-sorted values, linearly interpolated (Hyndman & Fan type 7, numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function summarise(values: readonly number[]): SeedSummary {
  if (values.length === 0) throw new RangeError('summarise needs at least one value');
  return {
    n: values.length,
    mean: mean(values),
    sd: values.length > 1 ? sampleSd(values) : null,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/**
 * A configuration's identity across seeds: its parameters without the seed keys, as JSON with sorted
 * keys, so {a: 1, b: 2} and {b: 2, a: 1} are one configuration.
 */
export function configurationKey(params: Readonly<Record<string, unknown>>, seedKeys: readonly string[] = ['seed']): string {
  const kept = Object.keys(params)
    .filter((k) => !seedKeys.includes(k))
    .sort();
  return JSON.stringify(kept.map((k) => [k, params[k]]));
}

export interface SeedGroup<T> {
  key: string;
  members: T[];
  /** Over the members with a finite value; undefined when none has one yet. */
  summary: SeedSummary | undefined;
}

/** Groups repeated runs of one configuration and summarises a value over each group, groups in order of first appearance. */
export function groupAcrossSeeds<T>(items: readonly T[], keyOf: (item: T) => string, valueOf: (item: T) => number | undefined): SeedGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const members = groups.get(key);
    if (members) members.push(item);
    else groups.set(key, [item]);
  }
  return [...groups].map(([key, members]) => {
    const values = members.map(valueOf).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return { key, members, summary: values.length > 0 ? summarise(values) : undefined };
  });
}
