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
import type { HeldOut, Split, UserRows } from './split';

function idComparator(ids: string[]): (a: number, b: number) => number {
  const numeric = ids.every((s) => /^-?\d+$/.test(s) && Number.isSafeInteger(Number(s)));
  if (numeric) {
    const n = ids.map(Number);
    return (a, b) => n[a] - n[b];
  }
  return (a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0);
}

function buildRows(users: number[], itemsByUser: Int32Array[], userIds: string[]): UserRows {
  const indptr = new Int32Array(users.length + 1);
  for (let r = 0; r < users.length; r++) indptr[r + 1] = indptr[r] + itemsByUser[users[r]].length;
  const indices = new Int32Array(indptr[users.length]);
  for (let r = 0; r < users.length; r++) indices.set(itemsByUser[users[r]], indptr[r]);
  return { users: users.map((u) => userIds[u]), indptr, indices };
}

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
  const nUsersAll = data.users.length;
  const { positives, kept } = positivesInTimeOrder(data, protocol.minRating);
  const eligible: number[] = [];
  for (let u = 0; u < nUsersAll; u++) if (positives[u].length >= protocol.minUserItems) eligible.push(u);
  eligible.sort(idComparator(data.users));

  const n = eligible.length;
  const heldout = protocol.heldoutUsers;
  if (!Number.isInteger(heldout) || heldout < 1) throw new Error(`heldoutUsers must be a positive integer (got ${heldout})`);
  if (n - 2 * heldout < 1) {
    throw new Error(`only ${n} users have >= ${protocol.minUserItems} ratings above ${protocol.minRating}: too few for ${heldout} validation + ${heldout} test users: lower the number of held-out users (--heldout)`);
  }
  const order = Int32Array.from(eligible);
  new NumpyRandomState(seed).shuffle(order);
  const trainUsers = Array.from(order.subarray(0, n - 2 * heldout));
  const valUsers = Array.from(order.subarray(n - 2 * heldout, n - heldout));
  const testUsers = Array.from(order.subarray(n - heldout));

  const itemSeen = new Uint8Array(data.items.length);
  for (const u of trainUsers) for (const i of positives[u]) itemSeen[i] = 1;
  const itemOrig: number[] = [];
  for (let i = 0; i < itemSeen.length; i++) if (itemSeen[i]) itemOrig.push(i);
  itemOrig.sort(idComparator(data.items));
  const itemIndex = new Int32Array(data.items.length).fill(-1);
  itemOrig.forEach((orig, idx) => (itemIndex[orig] = idx));

  const sequences: Int32Array[] = new Array(nUsersAll);
  for (const u of [...trainUsers, ...valUsers, ...testUsers]) sequences[u] = Int32Array.from(positives[u].map((i) => itemIndex[i]).filter((i) => i >= 0));

  const inputShare = 1 - protocol.targetFraction;
  const foldUsers = (users: number[]): HeldOut => {
    const input: Int32Array[] = new Array(nUsersAll);
    const targets: Int32Array[] = new Array(nUsersAll);
    for (const u of users) {
      const seq = sequences[u];
      const cut = seq.length >= 5 ? Math.floor(inputShare * seq.length) : seq.length;
      input[u] = seq.subarray(0, cut);
      targets[u] = seq.subarray(cut);
    }
    return { users: users.map((u) => data.users[u]), foldIn: buildRows(users, input, data.users), targets: buildRows(users, targets, data.users) };
  };
  const validation = foldUsers(valUsers);
  const test = foldUsers(testUsers);
  const train = buildRows(trainUsers, sequences, data.users);
  return {
    items: itemOrig.map((i) => data.items[i]),
    train,
    validation,
    test,
    summary: {
      trainUsers: trainUsers.length,
      validationUsers: valUsers.length,
      testUsers: testUsers.length,
      items: itemOrig.length,
      trainInteractions: train.indices.length,
      droppedUsers: nUsersAll - n,
      droppedRatings: data.length - kept,
    },
  };
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
  for (const b of rng.permutation(full)) out.set(perm.subarray(b * batchSize, (b + 1) * batchSize), (k++) * batchSize);
  out.set(perm.subarray(full * batchSize), full * batchSize);
  return out;
}
