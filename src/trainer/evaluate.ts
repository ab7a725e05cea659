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

/** The first user of each chunk of EVAL_BATCH held-out users. */
function chunkStarts(heldOut: HeldOut): number[] {
  const starts: number[] = [];
  for (let start = 0; start < heldOut.users.length; start += EVAL_BATCH) starts.push(start);
  return starts;
}

/** Scores and ranks one chunk of users on the host. */
function hostChunk(model: Recommender, heldOut: HeldOut, collector: Collector, start: number, k: number): void {
  const end = Math.min(heldOut.users.length, start + EVAL_BATCH);
  const I = model.numItems;
  const scores = model.score(rowsToBatch(heldOut.foldIn, start, end));
  for (let u = start; u < end; u++) {
    const foldIn = heldOut.foldIn.indices.subarray(heldOut.foldIn.indptr[u], heldOut.foldIn.indptr[u + 1]);
    const offset = (u - start) * I;
    collector.add(u, topK(scores, offset, I, k, foldIn), (_, item) => scores[offset + item]);
  }
}

/** The same with the ranking done on the model's device: only the top k per user come back. */
async function deviceChunk(model: DeviceRecommender, heldOut: HeldOut, collector: Collector, start: number, k: number): Promise<void> {
  const end = Math.min(heldOut.users.length, start + EVAL_BATCH);
  const ranked = await model.rankTop(rowsToBatch(heldOut.foldIn, start, end), k);
  for (let u = start; u < end; u++) {
    const row = (u - start) * ranked.k;
    let length = 0;
    while (length < ranked.k && ranked.items[row + length] >= 0) length++;
    collector.add(u, ranked.items.slice(row, row + length), (rank) => ranked.scores[row + rank]);
  }
}

export function evaluateHeldOut(model: Recommender, heldOut: HeldOut, keepTop = 0): Evaluation {
  const collector = new Collector(heldOut, keepTop);
  for (const start of chunkStarts(heldOut)) hostChunk(model, heldOut, collector, start, Math.max(100, keepTop));
  return collector.result();
}

/** Evaluates any model the trainer drives: on the host, or on the device for device-resident models. */
export async function evaluateModel(model: AnyRecommender, heldOut: HeldOut, keepTop = 0): Promise<Evaluation> {
  if (!isDeviceRecommender(model)) return evaluateHeldOut(model, heldOut, keepTop);
  const collector = new Collector(heldOut, keepTop);
  for (const start of chunkStarts(heldOut)) await deviceChunk(model, heldOut, collector, start, Math.min(Math.max(100, keepTop), model.numItems));
  return collector.result();
}

/**
 * A validation pass that lets the event loop in between chunks (a cancel message, a signal, the
 * run's heartbeat): undefined when `signal` was aborted before the pass ended.
 */
export async function evaluateCancellable(model: AnyRecommender, heldOut: HeldOut, signal: AbortSignal): Promise<Evaluation | undefined> {
  const collector = new Collector(heldOut, 0);
  for (const start of chunkStarts(heldOut)) {
    if (start > 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal.aborted) return undefined;
    }
    if (isDeviceRecommender(model)) await deviceChunk(model, heldOut, collector, start, Math.min(100, model.numItems));
    else hostChunk(model, heldOut, collector, start, 100);
  }
  return collector.result();
}
