/**
 * Strong generalisation (Liang et al. 2018, dawenl/vae_cf), step for step as the PyTorch reference
 * in ../shared/bench/ref_multvae.py so that the same seed yields the same users, items and targets:
 *   1. keep ratings > minRating as implicit feedback; keep users with >= minUserItems of them;
 *   2. sort users by id, shuffle with NumPy's RandomState(seed); the last 2N are validation then test;
 *   3. items = those of training users (sorted by id); held-out users keep only those items;
 *   4. per held-out user (validation first, then test; each in shuffled order), if it has >= 5 items,
 *      a random floor(targetFraction * n) of them are targets, the rest fold-in.
 */
import type { ProtocolConfig, SplitSummary } from '../../shared/runSchema';
import { ConfigError } from '../../shared/trainConfig';
import type { Interactions } from '../data/types';
import { InputError } from '../inputError';
import { sliceRows } from '../model/batch';
import type { SparseBatch } from '../model/types';
import { NumpyRandomState } from './mt19937';

/** A set of users as binary rows over the model's item indices (CSR). */
export interface UserRows {
  /** Original user ids, in row order. */
  users: string[];
  indptr: Int32Array;
  indices: Int32Array;
}

export interface HeldOut {
  users: string[];
  foldIn: UserRows;
  targets: UserRows;
}

export interface Split {
  /** Original item ids, by model item index. */
  items: string[];
  train: UserRows;
  validation: HeldOut;
  test: HeldOut;
  summary: SplitSummary;
}

/** Numeric ids sort as numbers (as np.unique on integer ids does); anything else as strings. */
export function idComparator(ids: string[]): (a: number, b: number) => number {
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

export function rowsToBatch(rows: UserRows, start = 0, end = rows.users.length): SparseBatch {
  return sliceRows({ rows: rows.users.length, indptr: rows.indptr, indices: rows.indices }, start, end);
}

/** The rows of a subset of users (by row number), e.g. a shuffled mini-batch. */
export function gatherRows(rows: UserRows, order: ArrayLike<number>, start: number, end: number): SparseBatch {
  const n = end - start;
  const indptr = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) {
    const r = order[start + k];
    indptr[k + 1] = indptr[k] + rows.indptr[r + 1] - rows.indptr[r];
  }
  const indices = new Int32Array(indptr[n]);
  for (let k = 0; k < n; k++) {
    const r = order[start + k];
    indices.set(rows.indices.subarray(rows.indptr[r], rows.indptr[r + 1]), indptr[k]);
  }
  return { rows: n, indptr, indices };
}

/** What both protocols (this one and sequential.ts) share once positives are known. */
export interface UserPartition {
  /** The reference's RandomState after the user shuffle: the strong-generalisation split draws targets from it next. */
  rng: NumpyRandomState;
  trainUsers: number[];
  valUsers: number[];
  testUsers: number[];
  /** Original indices of the training users' items, sorted by id: item i of the split is itemOrig[i]. */
  itemOrig: number[];
  /** Original item index -> split index, -1 for items no training user has. */
  itemIndex: Int32Array;
  eligibleUsers: number;
}

/**
 * Users with enough positives sorted by id and shuffled as the reference does (the last 2N are
 * validation then test); the training users' items re-indexed 0..I-1 in id order.
 */
export function partitionUsers(data: Interactions, positives: readonly (readonly number[])[], protocol: ProtocolConfig, seed: number): UserPartition {
  const eligible: number[] = [];
  for (let u = 0; u < positives.length; u++) if (positives[u].length >= protocol.minUserItems) eligible.push(u);
  eligible.sort(idComparator(data.users));

  const n = eligible.length;
  const heldout = protocol.heldoutUsers;
  if (!Number.isInteger(heldout) || heldout < 1) throw new InputError(`heldoutUsers must be a positive integer (got ${heldout})`);
  if (n === 0) throw new InputError(`no user has at least ${protocol.minUserItems} ratings above ${protocol.minRating}: there is nothing to train on`);
  if (n - 2 * heldout < 1) {
    throw new ConfigError(
      `only ${n} users have >= ${protocol.minUserItems} ratings above ${protocol.minRating}: too few for ${heldout} validation + ${heldout} test users: lower the number of held-out users`,
      'protocol.heldoutUsers',
    );
  }
  const rng = new NumpyRandomState(seed);
  const order = Int32Array.from(eligible);
  rng.shuffle(order);
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
  return { rng, trainUsers, valUsers, testUsers, itemOrig, itemIndex, eligibleUsers: n };
}

/**
 * The Split of a partition: training users' rows whole, held-out users' rows divided by `divide`
 * into [fold-in, targets], validation users first (the reference's draw order).
 */
export function assembleSplit(
  data: Interactions,
  part: UserPartition,
  rowsByUser: Int32Array[],
  divide: (row: Int32Array) => [Int32Array, Int32Array],
  keptRatings: number,
): Split {
  const foldUsers = (users: number[]): HeldOut => {
    const foldIn: Int32Array[] = new Array(rowsByUser.length);
    const targets: Int32Array[] = new Array(rowsByUser.length);
    for (const u of users) [foldIn[u], targets[u]] = divide(rowsByUser[u]);
    return { users: users.map((u) => data.users[u]), foldIn: buildRows(users, foldIn, data.users), targets: buildRows(users, targets, data.users) };
  };
  const validation = foldUsers(part.valUsers);
  const test = foldUsers(part.testUsers);
  const train = buildRows(part.trainUsers, rowsByUser, data.users);
  return {
    items: part.itemOrig.map((i) => data.items[i]),
    train,
    validation,
    test,
    summary: {
      trainUsers: part.trainUsers.length,
      validationUsers: part.valUsers.length,
      testUsers: part.testUsers.length,
      items: part.itemOrig.length,
      trainInteractions: train.indices.length,
      droppedUsers: data.users.length - part.eligibleUsers,
      droppedRatings: data.length - keptRatings,
    },
  };
}

export function splitStrongGeneralisation(data: Interactions, protocol: ProtocolConfig, seed: number): Split {
  const nUsersAll = data.users.length;
  // 1. positive feedback, per user, as original item indices
  const positives: number[][] = Array.from({ length: nUsersAll }, () => []);
  let kept = 0;
  for (let r = 0; r < data.length; r++) {
    if (data.rating[r] > protocol.minRating) {
      positives[data.user[r]].push(data.item[r]);
      kept++;
    }
  }
  // 2-3. users shuffled as the reference does; items of training users re-indexed
  const part = partitionUsers(data, positives, protocol, seed);
  const itemsByUser: Int32Array[] = new Array(nUsersAll);
  for (const u of [...part.trainUsers, ...part.valUsers, ...part.testUsers]) {
    const mapped = positives[u].map((i) => part.itemIndex[i]).filter((i) => i >= 0);
    itemsByUser[u] = Int32Array.from(new Set(mapped)).sort();
  }
  // 4. fold-in / target split of held-out users: a random targetFraction of a user's items
  return assembleSplit(
    data,
    part,
    itemsByUser,
    (nz) => {
      if (nz.length < 5) return [nz, new Int32Array(0)];
      const pick = part.rng.choiceWithoutReplacement(nz.length, Math.floor(protocol.targetFraction * nz.length));
      const isTarget = new Uint8Array(nz.length);
      for (const k of pick) isTarget[k] = 1;
      return [nz.filter((_, k) => !isTarget[k]), nz.filter((_, k) => isTarget[k] === 1)];
    },
    kept,
  );
}
