/**
 * The sequential protocol of SVAE (Sachdeva et al. 2019, noveens/svae_cf's notebook):
 *   1. keep ratings > minRating; keep users with >= minUserItems of them; each user's items in time
 *      order (equal timestamps keep their order in the file, which on MovieLens is the true one);
 *   2. sort users by id, shuffle with NumPy's RandomState(seed) (np.random.permutation in the
 *      reference, which draws the same permutation); the last 2N are validation then test;
 *   3. items = those of training users; held-out users keep only those items, in time order;
 *   4. a held-out user with >= 5 items gives its first floor((1 - targetFraction) * n) items as
 *      input and the rest as targets (the reference's idx[int(0.8 * n):] = True); others have no target.
 * The result has the shape of the strong-generalisation Split, but every row lists its items in
 * time order instead of sorted: the fold-in rows are the sequences a sequential model reads.
 */
import type { ProtocolConfig } from '../../shared/runSchema';
import type { Interactions } from '../data/types';
import { NumpyRandomState } from './mt19937';
import { assembleSplit, partitionUsers, type Split, type UserRows } from './split';

/** Each user's positive items (original indices) in time order; file order breaks ties and stands in when there are no timestamps. */
function positivesInTimeOrder(data: Interactions, minRating: number): { positives: number[][]; kept: number } {
  const rows: number[][] = Array.from({ length: data.users.length }, () => []);
  let kept = 0;
  for (let r = 0; r < data.length; r++) {
    if (data.rating[r] > minRating) {
      rows[data.user[r]].push(r);
      kept++;
    }
  }
  const ts = data.timestamp;
  // Array.prototype.sort is stable: rows of equal time stay in file order.
  if (ts) for (const list of rows) list.sort((a, b) => ts[a] - ts[b]);
  return { positives: rows.map((list) => list.map((r) => data.item[r])), kept };
}

export function splitSequential(data: Interactions, protocol: ProtocolConfig, seed: number): Split {
  const { positives, kept } = positivesInTimeOrder(data, protocol.minRating);
  const part = partitionUsers(data, positives, protocol, seed);
  const sequences: Int32Array[] = new Array(data.users.length);
  for (const u of [...part.trainUsers, ...part.valUsers, ...part.testUsers])
    sequences[u] = Int32Array.from(positives[u].map((i) => part.itemIndex[i]).filter((i) => i >= 0));
  const inputShare = 1 - protocol.targetFraction;
  return assembleSplit(
    data,
    part,
    sequences,
    (seq) => {
      const cut = seq.length >= 5 ? Math.floor(inputShare * seq.length) : seq.length;
      return [seq.subarray(0, cut), seq.subarray(cut)];
    },
    kept,
  );
}

const BUCKET_BATCHES = 50;

/**
 * A permutation of the training rows whose consecutive batchSize-long runs hold sequences of
 * similar length, so a batch's recurrence runs about as many steps as its longest member needs:
 * shuffle, sort each window of BUCKET_BATCHES batches by length, cut it into batches, shuffle the batches.
 */
export function bucketedOrder(rows: UserRows, batchSize: number, rng: NumpyRandomState): Int32Array {
  const n = rows.users.length;
  const perm = rng.permutation(n);
  const len = (r: number) => rows.indptr[r + 1] - rows.indptr[r];
  const window = batchSize * BUCKET_BATCHES;
  for (let start = 0; start < n; start += window) {
    const part = Array.from(perm.subarray(start, Math.min(n, start + window))).sort((a, b) => len(b) - len(a));
    perm.set(part, start);
  }
  // Only full batches move: the short remainder stays last, so runs of batchSize stay batches.
  const full = Math.floor(n / batchSize);
  const out = new Int32Array(n);
  let k = 0;
  for (const b of rng.permutation(full)) out.set(perm.subarray(b * batchSize, (b + 1) * batchSize), k++ * batchSize);
  out.set(perm.subarray(full * batchSize), full * batchSize);
  return out;
}
