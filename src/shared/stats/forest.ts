/**
 * Permutation importance of a small random forest (Breiman, Machine Learning 2001): regression trees
 * on bootstrap samples of the trials, each parameter's importance the rise in the trees' out-of-bag
 * mean squared error when that parameter's values are shuffled among the out-of-bag trials. Unlike
 * the marginal means of importance.ts it needs no bins and credits a parameter for what it does
 * together with others, which suits random search. Every parameter has a shadow (Kursa & Rudnicki's
 * Boruta, 2010): a copy with its values shuffled across the trials, grown in the same forest; the
 * shadow's importance is the parameter's chance level.
 */
// The models' seeded generator: a pure class without imports, so shared code may use it.
import { Rng } from '../rng';
import type { ImportanceResult, ParameterImportance } from '../statsContracts';
import type { ImportanceTrial, ParamValue } from './importance';

export const forestDescription = (trees: number) =>
  `random-forest permutation importance: rise in a ${trees}-tree forest’s out-of-bag squared error when a parameter is shuffled, as a share of the metric’s variance`;

export interface ForestOptions {
  metric?: string;
  parameters?: readonly string[];
  trees?: number;
  maxDepth?: number;
  minLeaf?: number;
  seed?: number;
}

/** A feature as the trees see it: numbers as they are (trees only compare them), categories as codes. */
interface Feature {
  name: string;
  categorical: boolean;
  /** Per trial: the number, or the category's code; a missing value is -Infinity / its own code. */
  x: Float64Array;
}

type Node =
  | { kind: 'leaf'; value: number }
  | { kind: 'numeric'; feature: number; threshold: number; left: Node; right: Node }
  /** Categories in `leftCodes` go left, the rest right. */
  | { kind: 'categorical'; feature: number; leftCodes: Set<number>; left: Node; right: Node };

function encode(name: string, values: readonly (ParamValue | undefined)[]): Feature {
  const categorical = values.some((v) => v !== undefined && typeof v !== 'number');
  if (!categorical) return { name, categorical, x: Float64Array.from(values, (v) => (v === undefined ? -Infinity : (v as number))) };
  const codes = new Map<string, number>();
  const x = Float64Array.from(values, (v) => {
    const key = v === undefined ? '\u0000missing' : String(v);
    if (!codes.has(key)) codes.set(key, codes.size);
    return codes.get(key) as number;
  });
  return { name, categorical, x };
}

const sumOf = (y: Float64Array, rows: readonly number[]) => rows.reduce((s, r) => s + y[r], 0);

interface Split {
  gain: number;
  feature: number;
  threshold?: number;
  leftCodes?: Set<number>;
}

/**
 * The best split of `rows` on one feature by squared-error reduction. Categories are ordered by their
 * mean metric first, which makes the best ordinal split the best of all category subsets (Breiman et
 * al. 1984, for regression).
 */
function bestSplit(feature: Feature, f: number, y: Float64Array, rows: number[], minLeaf: number): Split | undefined {
  let key: (r: number) => number = (r) => feature.x[r];
  let rank: Map<number, number> | undefined;
  if (feature.categorical) {
    const sums = new Map<number, [number, number]>();
    for (const r of rows) {
      const s = sums.get(feature.x[r]) ?? [0, 0];
      sums.set(feature.x[r], [s[0] + y[r], s[1] + 1]);
    }
    const order = [...sums].sort((a, b) => a[1][0] / a[1][1] - b[1][0] / b[1][1] || a[0] - b[0]).map(([code]) => code);
    rank = new Map(order.map((code, i) => [code, i]));
    const ranks = rank;
    key = (r) => ranks.get(feature.x[r]) as number;
  }
  const sorted = [...rows].sort((a, b) => key(a) - key(b));
  const n = sorted.length;
  const total = sumOf(y, sorted);
  let left = 0;
  let best: Split | undefined;
  for (let i = 0; i < n - 1; i++) {
    left += y[sorted[i]];
    if (i + 1 < minLeaf || n - i - 1 < minLeaf || key(sorted[i]) === key(sorted[i + 1])) continue;
    const nl = i + 1;
    const nr = n - nl;
    // SSE reduction = nl * meanL^2 + nr * meanR^2 - n * mean^2.
    const gain = (left * left) / nl + ((total - left) * (total - left)) / nr - (total * total) / n;
    if (gain > (best?.gain ?? 1e-12 * Math.abs(total))) {
      const cut = key(sorted[i]);
      best = rank
        ? { gain, feature: f, leftCodes: new Set([...rank].filter(([, k]) => k <= cut).map(([code]) => code)) }
        : { gain, feature: f, threshold: (cut + key(sorted[i + 1])) / 2 };
    }
  }
  return best;
}

function grow(
  features: Feature[],
  y: Float64Array,
  rows: number[],
  depth: number,
  opts: Required<Pick<ForestOptions, 'maxDepth' | 'minLeaf'>>,
  mtry: number,
  rng: Rng,
): Node {
  const value = sumOf(y, rows) / rows.length;
  if (depth >= opts.maxDepth || rows.length < 2 * opts.minLeaf) return { kind: 'leaf', value };
  // mtry features drawn without replacement (partial Fisher-Yates).
  const candidates = features.map((_, i) => i);
  for (let i = 0; i < mtry; i++) {
    const j = i + Math.floor(rng.uniform() * (candidates.length - i));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  let best: Split | undefined;
  for (const f of candidates.slice(0, mtry)) {
    const s = bestSplit(features[f], f, y, rows, opts.minLeaf);
    if (s && s.gain > (best?.gain ?? 0)) best = s;
  }
  if (!best) return { kind: 'leaf', value };
  const split = best;
  const goesLeft = (r: number) =>
    split.leftCodes ? split.leftCodes.has(features[split.feature].x[r]) : features[split.feature].x[r] <= (split.threshold as number);
  const left = grow(features, y, rows.filter(goesLeft), depth + 1, opts, mtry, rng);
  const right = grow(
    features,
    y,
    rows.filter((r) => !goesLeft(r)),
    depth + 1,
    opts,
    mtry,
    rng,
  );
  return split.leftCodes
    ? { kind: 'categorical', feature: split.feature, leftCodes: split.leftCodes, left, right }
    : { kind: 'numeric', feature: split.feature, threshold: split.threshold as number, left, right };
}

/** Prediction for row r, reading feature `swap` from row `from` instead (the permuted column). */
function predict(node: Node, features: Feature[], r: number, swap = -1, from = r): number {
  let n = node;
  while (n.kind !== 'leaf') {
    const v = features[n.feature].x[n.feature === swap ? from : r];
    n = (n.kind === 'categorical' ? n.leftCodes.has(v) : v <= n.threshold) ? n.left : n.right;
  }
  return n.value;
}

export function forestImportance(trials: readonly ImportanceTrial[], opts: ForestOptions = {}): ImportanceResult {
  const trees = opts.trees ?? 100;
  const growOpts = { maxDepth: opts.maxDepth ?? 8, minLeaf: opts.minLeaf ?? 2 };
  const used = trials.filter((t) => t.metric !== undefined && Number.isFinite(t.metric));
  const y = Float64Array.from(used, (t) => t.metric as number);
  const n = y.length;
  const names = (opts.parameters ?? [...new Set(used.flatMap((t) => Object.keys(t.params)))].sort()).filter(
    (name) => new Set(used.map((t) => t.params[name])).size > 1,
  );
  const result: ImportanceResult = {
    method: 'random-forest-permutation',
    description: forestDescription(trees),
    metric: opts.metric ?? 'metric',
    trials: n,
    parameters: [],
    interactions: [],
  };
  const mean = n > 0 ? y.reduce((s, v) => s + v, 0) / n : 0;
  const variance = n > 0 ? y.reduce((s, v) => s + (v - mean) ** 2, 0) / n : 0;
  // Too few trials to leave any out of a bootstrap sample, or nothing to explain: no ranking.
  if (n < 4 || names.length === 0 || variance === 0) return result;

  const rng = new Rng(opts.seed ?? 1);
  const real = names.map((name) =>
    encode(
      name,
      used.map((t) => t.params[name]),
    ),
  );
  const shadows = real.map((f) => {
    const x = Float64Array.from(f.x);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [x[i], x[j]] = [x[j], x[i]];
    }
    return { ...f, name: `shadow:${f.name}`, x };
  });
  const features = [...real, ...shadows];
  const mtry = Math.max(1, Math.floor(features.length / 3));
  const rise = new Float64Array(features.length);
  let counted = 0;
  for (let t = 0; t < trees; t++) {
    const inBag = new Uint8Array(n);
    const rows = Array.from({ length: n }, () => {
      const r = Math.floor(rng.uniform() * n);
      inBag[r] = 1;
      return r;
    });
    const oob = Array.from({ length: n }, (_, r) => r).filter((r) => !inBag[r]);
    if (oob.length < 2) continue;
    const tree = grow(features, y, rows, 0, growOpts, mtry, rng);
    const base = oob.reduce((s, r) => s + (predict(tree, features, r) - y[r]) ** 2, 0) / oob.length;
    for (let f = 0; f < features.length; f++) {
      const perm = [...oob];
      for (let i = perm.length - 1; i > 0; i--) {
        const j = Math.floor(rng.uniform() * (i + 1));
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const mse = oob.reduce((s, r, i) => s + (predict(tree, features, r, f, perm[i]) - y[r]) ** 2, 0) / oob.length;
      rise[f] += mse - base;
    }
    counted++;
  }
  // A shuffled parameter can score below zero by chance: no importance, not a negative one.
  const share = (f: number) => (counted > 0 ? Math.max(0, rise[f] / counted / variance) : 0);
  const parameters: ParameterImportance[] = real.map((f, i) => ({
    parameter: f.name,
    importance: share(i),
    chance: share(real.length + i),
    levels: new Set(f.x).size,
  }));
  parameters.sort((a, b) => b.importance - a.importance || a.parameter.localeCompare(b.parameter));
  return { ...result, parameters };
}
