/** Scores held-out users from their fold-in items and ranks the catalogue minus those items. */
import type { RankingMetrics } from '../shared/runSchema';
import { MetricsAccumulator, topK, userMetrics, type UserMetrics } from './metrics';
import type { Recommender } from './model/types';
import type { HeldOut } from './protocol/split';
import { rowsToBatch } from './protocol/split';

const EVAL_BATCH = 500;

export interface Evaluation {
  metrics: RankingMetrics;
  /** Per user (in held-out order): the top-k item indices, their scores, and the user's metrics. */
  perUser?: { top: Int32Array; scores: Float32Array; metrics: UserMetrics }[];
}

export function evaluateHeldOut(model: Recommender, heldOut: HeldOut, keepTop = 0): Evaluation {
  const acc = new MetricsAccumulator();
  const perUser: Evaluation['perUser'] = keepTop > 0 ? [] : undefined;
  const k = Math.max(100, keepTop);
  const n = heldOut.users.length;
  const I = model.numItems;
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const end = Math.min(n, start + EVAL_BATCH);
    const scores = model.score(rowsToBatch(heldOut.foldIn, start, end));
    for (let u = start; u < end; u++) {
      const foldIn = heldOut.foldIn.indices.subarray(heldOut.foldIn.indptr[u], heldOut.foldIn.indptr[u + 1]);
      const targets = new Set(heldOut.targets.indices.subarray(heldOut.targets.indptr[u], heldOut.targets.indptr[u + 1]));
      const offset = (u - start) * I;
      const top = topK(scores, offset, I, k, foldIn);
      const m = userMetrics(top, targets);
      acc.add(m);
      if (perUser) {
        const kept = top.subarray(0, keepTop);
        perUser.push({ top: kept, scores: Float32Array.from(kept, (i) => scores[offset + i]), metrics: m });
      }
    }
  }
  return { metrics: acc.result(), perUser };
}
