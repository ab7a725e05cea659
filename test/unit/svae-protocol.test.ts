/**
 * SVAE's protocol and training: the time-ordered split (no target before an input, ties in file
 * order, determinism), the next-k targets of every step, the bucketed batch order, and a planted
 * sequential pattern (item a is followed by item b) that a small model learns; and, where
 * ../shared/data/ml-1m exists, the reference notebook's split sizes on MovieLens-1M.
 */
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { before, test } from 'node:test';
import type { Interactions } from '../../src/trainer/data/types';
import { selectBackend } from '../../src/trainer/backend';
import { loadDataset } from '../../src/trainer/data/load';
import { Rng } from '../../src/shared/rng';
import { createSvae } from '../../src/trainer/model/svae';
import { nextTargets, pack } from '../../src/trainer/model/svaeBatch';
import { SparseBatch } from '../../src/trainer/model/types';
import { NumpyRandomState } from '../../src/trainer/protocol/mt19937';
import { bucketedOrder, splitSequential } from '../../src/trainer/protocol/sequential';
import { gatherRows, type UserRows } from '../../src/trainer/protocol/split';
import { ML1M, ml1mSkip, requireMl1m } from '../helpers/ml1m';

before(async () => {
  await selectBackend('wasm', () => undefined);
});

/**
 * Users whose rows are written in a scrambled order with timestamps that say the true one; every
 * third row of a user repeats the previous row's timestamp (a tie), and every seventh is a low rating.
 */
function scrambled(users: number, items: number, seed: number): { data: Interactions; truth: Map<string, string[]> } {
  const rng = new Rng(seed);
  const user: number[] = [];
  const item: number[] = [];
  const rating: number[] = [];
  const time: number[] = [];
  const truth = new Map<string, string[]>();
  for (let u = 0; u < users; u++) {
    const n = 5 + Math.floor(rng.uniform() * 25);
    const picked = new Set<number>();
    while (picked.size < n) picked.add(Math.floor(rng.uniform() * items));
    const seq = [...picked];
    const stamps: number[] = [];
    for (let k = 0; k < n; k++) stamps.push(k > 0 && k % 3 === 0 ? stamps[k - 1] : 1000 * k + u);
    // Written shuffled, except that tied rows keep their relative order (the tie-break is file order).
    const rows = Array.from({ length: n }, (_, k) => k);
    for (let k = n - 1; k > 0; k--) {
      const j = Math.floor(rng.uniform() * (k + 1));
      [rows[k], rows[j]] = [rows[j], rows[k]];
    }
    const pos = new Int32Array(n);
    rows.forEach((k, at) => (pos[k] = at));
    for (let k = 3; k < n; k += 3) {
      if (pos[k] < pos[k - 1]) {
        [rows[pos[k]], rows[pos[k - 1]]] = [k - 1, k];
        [pos[k], pos[k - 1]] = [pos[k - 1], pos[k]];
      }
    }
    for (const k of rows) {
      user.push(u);
      item.push(seq[k]);
      rating.push(k % 7 === 6 ? 2 : 5);
      time.push(stamps[k]);
    }
    truth.set(
      String(u + 1),
      seq.filter((_, k) => k % 7 !== 6).map((i) => String(100 + i)),
    );
  }
  return {
    data: {
      users: Array.from({ length: users }, (_, u) => String(u + 1)),
      user: Int32Array.from(user),
      items: Array.from({ length: items }, (_, i) => String(100 + i)),
      item: Int32Array.from(item),
      rating: Float32Array.from(rating),
      timestamp: Float64Array.from(time),
      length: user.length,
    },
    truth,
  };
}

const protocol = { minRating: 3.5, minUserItems: 5, heldoutUsers: 15, targetFraction: 0.2 };

function rowItems(rows: UserRows, r: number, items: string[]): string[] {
  return Array.from(rows.indices.subarray(rows.indptr[r], rows.indptr[r + 1]), (i) => items[i]);
}

test('histories are in time order (ties in file order), and no held-out target comes before an input', () => {
  const { data, truth } = scrambled(120, 60, 3);
  const s = splitSequential(data, protocol, 7);
  const known = new Set(s.items);
  for (let r = 0; r < s.train.users.length; r++) assert.deepEqual(rowItems(s.train, r, s.items), truth.get(s.train.users[r]));
  for (const side of [s.validation, s.test]) {
    assert.equal(side.users.length, 15);
    for (let r = 0; r < side.users.length; r++) {
      const history = truth.get(side.users[r])!.filter((i) => known.has(i));
      const input = rowItems(side.foldIn, r, s.items);
      const targets = rowItems(side.targets, r, s.items);
      assert.deepEqual([...input, ...targets], history, 'input then targets is the whole history, in time order');
      if (history.length >= 5) assert.equal(input.length, Math.floor(0.8 * history.length));
      else assert.equal(targets.length, 0);
    }
  }
});

test('the same seed gives the same split; another seed other users', () => {
  const { data } = scrambled(120, 60, 3);
  const a = splitSequential(data, protocol, 7);
  const b = splitSequential(data, protocol, 7);
  const c = splitSequential(data, protocol, 8);
  assert.deepEqual(a.test.users, b.test.users);
  assert.deepEqual(Array.from(a.test.foldIn.indices), Array.from(b.test.foldIn.indices));
  assert.notDeepEqual(a.test.users, c.test.users);
});

test('next-k targets: each step predicts the following k items, fewer near the end', () => {
  const batch: SparseBatch = { rows: 2, indptr: Int32Array.from([0, 5, 7]), indices: Int32Array.from([10, 11, 12, 13, 14, 20, 21]) };
  const pk = pack(batch, 100, true);
  const at = (j: number, t: number, k: number) => {
    const { start, count } = nextTargets(pk, j, t, k);
    return Array.from(batch.indices.subarray(start, start + count));
  };
  // Sorted position 0 is the 5-item row: it reads 10, 11, 12, 13.
  assert.deepEqual(at(0, 0, 4), [11, 12, 13, 14]);
  assert.deepEqual(at(0, 1, 4), [12, 13, 14]);
  assert.deepEqual(at(0, 3, 4), [14]);
  assert.deepEqual(at(0, 0, 1), [11]);
  assert.deepEqual(at(1, 0, 4), [21]);
  // Truncated to its last 3 items (12, 13, 14): step 0 reads 12 and predicts 13, 14.
  const cut = pack(batch, 3, true);
  const { start, count } = nextTargets(cut, 0, 0, 4);
  assert.deepEqual(Array.from(batch.indices.subarray(start, start + count)), [13, 14]);
});

test('bucketed order: a permutation whose batches hold similar lengths, the short batch last', () => {
  const n = 1003;
  const lengths = Array.from({ length: n }, (_, r) => 1 + ((r * 7919) % 300));
  const indptr = new Int32Array(n + 1);
  lengths.forEach((l, r) => (indptr[r + 1] = indptr[r] + l));
  const rows: UserRows = { users: lengths.map((_, r) => String(r)), indptr, indices: new Int32Array(indptr[n]) };
  const order = bucketedOrder(rows, 10, new NumpyRandomState(1));
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    Array.from({ length: n }, (_, r) => r),
  );
  let spread = 0;
  for (let s = 0; s + 10 <= 1000; s += 10) {
    const ls = Array.from(order.subarray(s, s + 10), (r) => lengths[r]);
    spread += Math.max(...ls) - Math.min(...ls);
  }
  assert.ok(spread / 100 < 30, `mean length spread in a batch ${spread / 100}`);
});

test('a planted pattern is learned: after item a comes item b, after item c comes item d', () => {
  const I = 30;
  const [a, b, c, d] = [3, 7, 11, 19];
  const rng = new Rng(5);
  const noise = () => {
    let i: number;
    do i = Math.floor(rng.uniform() * I);
    while (i === a || i === b || i === c || i === d);
    return i;
  };
  const seqs: number[][] = [];
  for (let u = 0; u < 240; u++) {
    const seq = Array.from({ length: 8 }, noise);
    const [first, second] = u % 2 ? [a, b] : [c, d];
    const at = Math.floor(rng.uniform() * 7);
    seq.splice(at, 0, first, second);
    seqs.push(seq);
  }
  const rows: UserRows = { users: seqs.map((_, u) => String(u)), indptr: new Int32Array(seqs.length + 1), indices: Int32Array.from(seqs.flat()) };
  seqs.forEach((s, u) => (rows.indptr[u + 1] = rows.indptr[u] + s.length));
  const model = createSvae({ numItems: I, embed: 16, rnn: 16, hidden: 16, latent: 8, nextK: 1, maxLength: 50, learningRate: 1e-2, weightDecay: 0, seed: 1 });
  const order = new NumpyRandomState(2);
  for (let epoch = 0; epoch < 12; epoch++) {
    const perm = order.permutation(seqs.length);
    for (let s = 0; s < seqs.length; s += 16) model.trainStep(gatherRows(rows, perm, s, s + 16), 0.05);
  }
  const history = [0, 1, 2, 4, 5];
  const scores = model.score({ rows: 2, indptr: Int32Array.from([0, 6, 12]), indices: Int32Array.from([...history, a, ...history, c]) });
  const rank = (row: number, item: number) => {
    const s = scores.subarray(row * I, (row + 1) * I);
    return Array.from(s).filter((v) => v > s[item]).length;
  };
  assert.equal(rank(0, b), 0, 'b is the top item after a');
  assert.equal(rank(1, d), 0, 'd is the top item after c');
  assert.ok(rank(0, d) > 0 && rank(1, b) > 0, 'the pattern, not popularity: d is not top after a, nor b after c');
});

/** The sizes noveens/svae_cf's notebook prints for its ML-1M split (seed 98765, 750 + 750 held-out users). */
test("ML-1M sequential split has the reference notebook's sizes, fold for fold", { skip: ml1mSkip }, async () => {
  requireMl1m();
  const data = await loadDataset({ source: ML1M }, { cacheDir: os.tmpdir() });
  const s = splitSequential(data.interactions, { minRating: 3.5, minUserItems: 5, heldoutUsers: 750, targetFraction: 0.2 }, 98765);
  assert.equal(s.summary.trainUsers, 4534);
  assert.equal(s.summary.items, 3483);
  assert.equal(s.summary.trainInteractions, 435180);
  assert.equal(s.validation.foldIn.indices.length, 56578);
  assert.equal(s.validation.targets.indices.length, 14500);
  assert.equal(s.test.foldIn.indices.length, 54859);
  assert.equal(s.test.targets.indices.length, 14097);
});
