/**
 * Ranking metrics exactly as dawenl/vae_cf (and the PyTorch reference): fold-in items are removed
 * from the ranking; NDCG@k uses binary relevance with IDCG over min(k, #targets); Recall@k is
 * hits / min(k, #targets); users without targets are left out of the averages. For SVAE's
 * comparisons also NDCG@10, Recall@100, Precision@k = hits / k, and the SVAE reference's Recall
 * (hits / #targets, refRecall) beside ours.
 */
import type { RankingMetrics } from '../shared/runSchema';

const DISCOUNT_CACHE: number[] = [];
function discount(rank: number): number {
  for (let r = DISCOUNT_CACHE.length; r <= rank; r++) DISCOUNT_CACHE.push(1 / Math.log2(r + 2));
  return DISCOUNT_CACHE[rank];
}

/**
 * Indices of the k highest scores of one row (descending), skipping excluded items.
 * A bounded min-heap: O(I log k), no full sort of the catalogue.
 */
export function topK(scores: Float32Array | Float64Array, offset: number, numItems: number, k: number, exclude?: ArrayLike<number>): Int32Array {
  const excluded = new Set<number>();
  if (exclude) for (let i = 0; i < exclude.length; i++) excluded.add(exclude[i]);
  const heapIdx = new Int32Array(k);
  const heapVal = new Float64Array(k);
  let size = 0;
  const siftDown = (start: number) => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && heapVal[l] < heapVal[m]) m = l;
      if (r < size && heapVal[r] < heapVal[m]) m = r;
      if (m === i) return;
      [heapVal[i], heapVal[m]] = [heapVal[m], heapVal[i]];
      [heapIdx[i], heapIdx[m]] = [heapIdx[m], heapIdx[i]];
      i = m;
    }
  };
  for (let item = 0; item < numItems; item++) {
    if (excluded.has(item)) continue;
    const v = scores[offset + item];
    if (Number.isNaN(v)) continue;
    if (size < k) {
      let i = size++;
      heapVal[i] = v;
      heapIdx[i] = item;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heapVal[p] <= heapVal[i]) break;
        [heapVal[i], heapVal[p]] = [heapVal[p], heapVal[i]];
        [heapIdx[i], heapIdx[p]] = [heapIdx[p], heapIdx[i]];
        i = p;
      }
    } else if (v > heapVal[0]) {
      heapVal[0] = v;
      heapIdx[0] = item;
      siftDown(0);
    }
  }
  const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => heapVal[b] - heapVal[a] || heapIdx[a] - heapIdx[b]);
  return Int32Array.from(order, (i) => heapIdx[i]);
}

/** NDCG@k of one ranked list against a target set. */
export function ndcgAtK(ranked: ArrayLike<number>, targets: Set<number>, k: number): number {
  if (targets.size === 0) return NaN;
  let dcg = 0;
  const n = Math.min(k, ranked.length);
  for (let r = 0; r < n; r++) if (targets.has(ranked[r])) dcg += discount(r);
  let idcg = 0;
  for (let r = 0; r < Math.min(k, targets.size); r++) idcg += discount(r);
  return dcg / idcg;
}

/** Recall@k = hits in the top k / min(k, #targets). */
export function recallAtK(ranked: ArrayLike<number>, targets: Set<number>, k: number): number {
  if (targets.size === 0) return NaN;
  let hits = 0;
  const n = Math.min(k, ranked.length);
  for (let r = 0; r < n; r++) if (targets.has(ranked[r])) hits++;
  return hits / Math.min(k, targets.size);
}

function hitsAtK(ranked: ArrayLike<number>, targets: Set<number>, k: number): number {
  let hits = 0;
  const n = Math.min(k, ranked.length);
  for (let r = 0; r < n; r++) if (targets.has(ranked[r])) hits++;
  return hits;
}

/** Precision@k = hits in the top k / k. */
export function precisionAtK(ranked: ArrayLike<number>, targets: Set<number>, k: number): number {
  return targets.size === 0 ? NaN : hitsAtK(ranked, targets, k) / k;
}

/** The SVAE reference's Recall@k: hits in the top k / #targets. */
export function refRecallAtK(ranked: ArrayLike<number>, targets: Set<number>, k: number): number {
  return targets.size === 0 ? NaN : hitsAtK(ranked, targets, k) / targets.size;
}

/** Per-user values, for the inspector and for averaging. */
export interface UserMetrics {
  'ndcg@100': number;
  'recall@10': number;
  'recall@20': number;
  'recall@50': number;
  'ndcg@10': number;
  'recall@100': number;
  'precision@10': number;
  'precision@100': number;
  'refRecall@10': number;
  'refRecall@100': number;
}

export function userMetrics(ranked: ArrayLike<number>, targets: Set<number>): UserMetrics {
  return {
    'ndcg@100': ndcgAtK(ranked, targets, 100),
    'recall@10': recallAtK(ranked, targets, 10),
    'recall@20': recallAtK(ranked, targets, 20),
    'recall@50': recallAtK(ranked, targets, 50),
    'ndcg@10': ndcgAtK(ranked, targets, 10),
    'recall@100': recallAtK(ranked, targets, 100),
    'precision@10': precisionAtK(ranked, targets, 10),
    'precision@100': precisionAtK(ranked, targets, 100),
    'refRecall@10': refRecallAtK(ranked, targets, 10),
    'refRecall@100': refRecallAtK(ranked, targets, 100),
  };
}

/** Accumulates per-user metrics into the averages a run reports. */
export class MetricsAccumulator {
  private readonly sums: UserMetrics = {
    'ndcg@100': 0,
    'recall@10': 0,
    'recall@20': 0,
    'recall@50': 0,
    'ndcg@10': 0,
    'recall@100': 0,
    'precision@10': 0,
    'precision@100': 0,
    'refRecall@10': 0,
    'refRecall@100': 0,
  };
  private users = 0;

  add(m: UserMetrics): void {
    if (Number.isNaN(m['ndcg@100'])) return;
    this.users++;
    for (const key of Object.keys(this.sums) as (keyof UserMetrics)[]) this.sums[key] += m[key];
  }

  result(): RankingMetrics {
    const d = this.users || 1;
    const mean = Object.fromEntries(Object.entries(this.sums).map(([key, sum]) => [key, sum / d])) as unknown as UserMetrics;
    return { ...mean, users: this.users };
  }
}
