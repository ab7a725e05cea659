/** Scores held-out users from their fold-in items and ranks the catalogue minus those items. */
import type { RankingMetrics } from '../shared/runSchema';
import { MetricsAccumulator, topK, userMetrics, type UserMetrics } from './metrics';
import { isDeviceRecommender, type DeviceRecommender, type Recommender, type AnyRecommender } from './model/types';
import type { HeldOut } from './protocol/split';
import { rowsToBatch } from './protocol/split';

const EVAL_BATCH = 500;

export interface Evaluation {
  metrics: RankingMetrics;
  /** Per user (in held-out order): the top-k item indices, their scores, and the user's metrics. */
  perUser?: { top: Int32Array; scores: Float32Array; metrics: UserMetrics }[];
}

/** Ranked lists in, metrics out: shared by the host and the device paths. */
class Collector {
  private readonly acc = new MetricsAccumulator();
  readonly perUser: Evaluation['perUser'];

  constructor(
    private readonly heldOut: HeldOut,
    private readonly keepTop: number,
  ) {
    this.perUser = keepTop > 0 ? [] : undefined;
  }

  /** User u's ranking (best first) and a lookup of each ranked item's score. */
  add(u: number, top: Int32Array, scoreOf: (rank: number, item: number) => number): void {
    const { targets } = this.heldOut;
    const m = userMetrics(top, new Set(targets.indices.subarray(targets.indptr[u], targets.indptr[u + 1])));
    this.acc.add(m);
    if (this.perUser) {
      const kept = top.subarray(0, this.keepTop);
      this.perUser.push({ top: kept, scores: Float32Array.from(kept, (item, rank) => scoreOf(rank, item)), metrics: m });
    }
  }

  result(): Evaluation {
    return { metrics: this.acc.result(), perUser: this.perUser };
  }
}

export function evaluateHeldOut(model: Recommender, heldOut: HeldOut, keepTop = 0): Evaluation {
  const collector = new Collector(heldOut, keepTop);
  const k = Math.max(100, keepTop);
  const n = heldOut.users.length;
  const I = model.numItems;
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const end = Math.min(n, start + EVAL_BATCH);
    const scores = model.score(rowsToBatch(heldOut.foldIn, start, end));
    for (let u = start; u < end; u++) {
      const foldIn = heldOut.foldIn.indices.subarray(heldOut.foldIn.indptr[u], heldOut.foldIn.indptr[u + 1]);
      const offset = (u - start) * I;
      collector.add(u, topK(scores, offset, I, k, foldIn), (_, item) => scores[offset + item]);
    }
  }
  return collector.result();
}

/** The same evaluation with the ranking done on the model's device: only the top k per user come back. */
async function evaluateOnDevice(model: DeviceRecommender, heldOut: HeldOut, keepTop: number): Promise<Evaluation> {
  const collector = new Collector(heldOut, keepTop);
  const k = Math.min(Math.max(100, keepTop), model.numItems);
  const n = heldOut.users.length;
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const end = Math.min(n, start + EVAL_BATCH);
    const ranked = await model.rankTop(rowsToBatch(heldOut.foldIn, start, end), k);
    for (let u = start; u < end; u++) {
      const row = (u - start) * ranked.k;
      let length = 0;
      while (length < ranked.k && ranked.items[row + length] >= 0) length++;
      collector.add(u, ranked.items.slice(row, row + length), (rank) => ranked.scores[row + rank]);
    }
  }
  return collector.result();
}

/** Evaluates any model the trainer drives: on the host, or on the device for device-resident models. */
export function evaluateModel(model: AnyRecommender, heldOut: HeldOut, keepTop = 0): Promise<Evaluation> {
  return isDeviceRecommender(model) ? evaluateOnDevice(model, heldOut, keepTop) : Promise.resolve(evaluateHeldOut(model, heldOut, keepTop));
}
