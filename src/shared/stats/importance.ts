/**
 * Parameter importance of a sweep, fANOVA-style (Hutter, Hoos & Leyton-Brown, ICML 2014), computed
 * from the observed trials instead of a fitted surrogate: a parameter's importance is the variance of
 * the metric's marginal means over the parameter's levels, as a share of the metric's variance; a
 * pair's interaction is the variance of the pair's cell means left after both main effects. Numeric
 * parameters with more distinct values than `bins` are cut into `bins` quantile bins (equal counts;
 * a scale that is monotone, such as log, does not change them). On a full grid this is exactly the
 * functional ANOVA decomposition of the metric over the grid; on random search it estimates it.
 * docs/STATISTICS.md discusses both and the chance level.
 */
import type { ImportanceResult, InteractionImportance, ParameterImportance } from '../statsContracts';

export type ParamValue = number | string | boolean;

export interface ImportanceTrial {
  params: Readonly<Record<string, ParamValue | undefined>>;
  /** Trials without a finite metric (running, failed) are left out. */
  metric: number | undefined;
}

export const DEFAULT_BINS = 5;

export const FANOVA_DESCRIPTION =
  'fANOVA-style: variance of the metric’s marginal means over each parameter’s values (numeric parameters in quantile bins), as a share of the metric’s variance over the trials';

/** Each trial's level (0..levels-1) of one parameter. */
export interface Levels {
  of: Int32Array;
  count: number;
}

/**
 * Levels of one parameter over the trials: its distinct values when there are at most `bins` of
 * them (or it is not numeric), else quantile bins by rank with equal values never split. A trial
 * without the parameter gets a level of its own.
 */
export function levelsOf(values: readonly (ParamValue | undefined)[], bins: number): Levels {
  const of = new Int32Array(values.length);
  const numeric = values.every((v) => v === undefined || typeof v === 'number');
  const distinct = [...new Set(values.filter((v) => v !== undefined))];
  if (!numeric || distinct.length <= bins) {
    const sorted = numeric ? (distinct as number[]).sort((a, b) => a - b) : distinct.map(String).sort();
    const index = new Map<unknown, number>(sorted.map((v, i) => [v, i]));
    values.forEach((v, t) => (of[t] = v === undefined ? sorted.length : (index.get(numeric ? v : String(v)) ?? 0)));
    return { of, count: sorted.length + (values.includes(undefined) ? 1 : 0) };
  }
  const present = values.map((v, t) => [v as number, t] as const).filter(([v]) => v !== undefined);
  present.sort((a, b) => a[0] - b[0]);
  // A run of equal values goes whole into the bin of its middle rank, so ties are never split and
  // the bins stay in value order.
  for (let start = 0; start < present.length;) {
    let end = start + 1;
    while (end < present.length && present[end][0] === present[start][0]) end++;
    const level = Math.floor((((start + end - 1) / 2) * bins) / present.length);
    for (let r = start; r < end; r++) of[present[r][1]] = level;
    start = end;
  }
  // Bins left empty by ties are closed up so levels are 0..count-1.
  const used = [...new Set(present.map(([, t]) => of[t]))].sort((a, b) => a - b);
  const renumber = new Map(used.map((l, i) => [l, i]));
  for (const [, t] of present) of[t] = renumber.get(of[t]) ?? 0;
  const missing = values.includes(undefined);
  values.forEach((v, t) => v === undefined && (of[t] = used.length));
  return { of, count: used.length + (missing ? 1 : 0) };
}

/** Sum over groups of n_g (mean_g - mean)^2, divided by N: the variance of the group means. */
function betweenVariance(y: Float64Array, group: Int32Array, groups: number, mean: number): number {
  const sums = new Float64Array(groups);
  const counts = new Float64Array(groups);
  for (let t = 0; t < y.length; t++) {
    sums[group[t]] += y[t];
    counts[group[t]]++;
  }
  let v = 0;
  for (let g = 0; g < groups; g++) if (counts[g] > 0) v += counts[g] * (sums[g] / counts[g] - mean) ** 2;
  return v / y.length;
}

export function fanovaImportance(
  trials: readonly ImportanceTrial[],
  opts: { metric?: string; bins?: number; parameters?: readonly string[] } = {},
): ImportanceResult {
  const bins = opts.bins ?? DEFAULT_BINS;
  if (!Number.isSafeInteger(bins) || bins < 2) throw new RangeError('bins must be an integer >= 2');
  const used = trials.filter((t) => t.metric !== undefined && Number.isFinite(t.metric));
  const y = Float64Array.from(used, (t) => t.metric as number);
  const n = y.length;
  const names = opts.parameters ?? [...new Set(used.flatMap((t) => Object.keys(t.params)))].sort();
  const result: ImportanceResult = {
    method: 'fanova-marginal-variance',
    description: FANOVA_DESCRIPTION,
    metric: opts.metric ?? 'metric',
    trials: n,
    parameters: [],
    interactions: [],
  };
  if (n < 2) return result;
  const mean = y.reduce((s, v) => s + v, 0) / n;
  const total = y.reduce((s, v) => s + (v - mean) ** 2, 0) / n;

  // Only parameters that vary over the trials can explain anything.
  const levels = names
    .map((name) => ({
      name,
      levels: levelsOf(
        used.map((t) => t.params[name]),
        bins,
      ),
    }))
    .filter((p) => p.levels.count > 1);
  const main = levels.map((p) => (total > 0 ? betweenVariance(y, p.levels.of, p.levels.count, mean) : 0));
  const parameters: ParameterImportance[] = levels.map((p, i) => ({
    parameter: p.name,
    importance: total > 0 ? main[i] / total : 0,
    // E[share] for a parameter unrelated to the metric: (levels - 1) / (n - 1) (one-way ANOVA's E[eta^2] under the null).
    chance: (p.levels.count - 1) / (n - 1),
    levels: p.levels.count,
  }));
  const interactions: InteractionImportance[] = [];
  if (total > 0) {
    const cell = new Int32Array(n);
    for (let i = 0; i < levels.length; i++) {
      for (let j = i + 1; j < levels.length; j++) {
        const li = levels[i].levels;
        const lj = levels[j].levels;
        for (let t = 0; t < n; t++) cell[t] = li.of[t] * lj.count + lj.of[t];
        const joint = betweenVariance(y, cell, li.count * lj.count, mean);
        // Unbalanced designs can make the remainder slightly negative: no interaction.
        const share = Math.max(0, joint - main[i] - main[j]) / total;
        interactions.push({ parameters: [levels[i].name, levels[j].name], importance: share });
      }
    }
  }
  parameters.sort((a, b) => b.importance - a.importance || a.parameter.localeCompare(b.parameter));
  interactions.sort((a, b) => b.importance - a.importance);
  return { ...result, parameters, interactions };
}
