/**
 * "Because you liked": which of a user's items a recommendation comes from, by the kind's method
 * (ModelKindInfo.explain):
 *
 * - contributions (EASE): the score of item i is sum_j B[j, i] over the user's items j, so each item
 *   contributes a known part; the share of item j is B[j, i] / score, and all shares sum to 1.
 * - leave-one-out (the VAEs): the user's items are fed again with one item left out; the item's
 *   weight is the drop in the recommendation's log-probability, log softmax(scores)_i, which is
 *   what the multinomial models rank by (the raw logits of a row are defined only up to a constant).
 */
import type { ExplainMethod } from '../../shared/modelKinds';
import { sliceRows } from '../model/batch';
import type { Recommender, SparseBatch } from '../model/types';

/** How many of the user's items are named per recommendation. */
export const BECAUSE_ITEMS = 3;
/** Left-out rows scored at once: bounds memory for users with long histories. */
const LEAVE_ONE_OUT_ROWS = 256;

/** One of the user's items behind a recommendation: its index in `known`, and its share of the score or the drop it causes. */
export interface Reason {
  known: number;
  share: number;
}

/** An additive model: what each of `known` adds to `item`'s score (EASE's B[j, item]). */
export interface Additive {
  contributions(known: ArrayLike<number>, item: number): Float64Array;
}

export function isAdditive(m: Recommender): m is Recommender & Additive {
  return typeof (m as Partial<Additive>).contributions === 'function';
}

/** The BECAUSE_ITEMS largest weights, largest first (ties by position), leaving out those not above 0. */
function strongest(weights: ArrayLike<number>): Reason[] {
  const order = Array.from({ length: weights.length }, (_, q) => q).filter((q) => weights[q] > 0);
  order.sort((a, b) => weights[b] - weights[a] || a - b);
  return order.slice(0, BECAUSE_ITEMS).map((q) => ({ known: q, share: weights[q] }));
}

/** EASE: for each item, its BECAUSE_ITEMS largest contributions as shares of its score. */
export function contributionReasons(model: Additive, known: ArrayLike<number>, items: ArrayLike<number>): Reason[][] {
  return Array.from(items, (item) => {
    const parts = model.contributions(known, item);
    let score = 0;
    for (const p of parts) score += p;
    if (!(score > 0)) return [];
    return strongest(parts.map((p) => p / score));
  });
}

function logSumExp(scores: Float32Array, offset: number, n: number): number {
  let max = -Infinity;
  for (let i = offset; i < offset + n; i++) if (scores[i] > max) max = scores[i];
  let sum = 0;
  for (let i = offset; i < offset + n; i++) sum += Math.exp(scores[i] - max);
  return max + Math.log(sum);
}

/**
 * The VAEs: for each item, the BECAUSE_ITEMS history items whose removal lowers its log-probability
 * most, with that drop (in nats). `full` is the user's own score row. `known` keeps its order (a
 * sequential model's history stays in time order with one item taken out).
 */
export function leaveOneOutReasons(model: Recommender, known: Int32Array, full: Float32Array, items: ArrayLike<number>): Reason[][] {
  const n = known.length;
  const I = model.numItems;
  const fullNorm = logSumExp(full, 0, I);
  const drops = Array.from(items, () => new Float64Array(n));
  if (n < 2) return drops.map(() => []);
  // Row q is the history without its q-th item.
  const indptr = Int32Array.from({ length: n + 1 }, (_, q) => q * (n - 1));
  const indices = new Int32Array(n * (n - 1));
  for (let q = 0; q < n; q++) {
    let o = q * (n - 1);
    for (let p = 0; p < n; p++) if (p !== q) indices[o++] = known[p];
  }
  const all: SparseBatch = { rows: n, indptr, indices };
  const targets = Array.from(items);
  for (let start = 0; start < n; start += LEAVE_ONE_OUT_ROWS) {
    const end = Math.min(n, start + LEAVE_ONE_OUT_ROWS);
    const scores = model.score(sliceRows(all, start, end));
    for (let q = start; q < end; q++) {
      const o = (q - start) * I;
      const norm = logSumExp(scores, o, I);
      targets.forEach((item, r) => (drops[r][q] = full[item] - fullNorm - (scores[o + item] - norm)));
    }
  }
  return drops.map(strongest);
}

export function explainRecommendations(method: ExplainMethod, model: Recommender, known: Int32Array, full: Float32Array, items: ArrayLike<number>): Reason[][] {
  if (method === 'contributions') {
    if (!isAdditive(model)) throw new Error('this model does not split its scores into contributions');
    return contributionReasons(model, known, items);
  }
  return leaveOneOutReasons(model, known, full, items);
}
