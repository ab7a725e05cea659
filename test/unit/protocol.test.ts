import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Interactions } from '../../src/trainer/data/types';
import { NumpyRandomState } from '../../src/trainer/protocol/mt19937';
import { gatherRows, rowsToBatch, splitStrongGeneralisation, type UserRows } from '../../src/trainer/protocol/split';

test('NumpyRandomState reproduces numpy.random.RandomState(98765) draws', () => {
  // Values printed by NumPy: RandomState(98765); a = arange(10); shuffle(a); choice(17, 3, replace=False); random_sample()
  const r = new NumpyRandomState(98765);
  assert.deepEqual(Array.from(r.shuffle(Int32Array.from({ length: 10 }, (_, i) => i))), [8, 7, 1, 2, 0, 6, 9, 4, 3, 5]);
  assert.deepEqual(Array.from(r.choiceWithoutReplacement(17, 3)), [4, 14, 5]);
  assert.equal(r.random(), 0.39263156645842834);
});

/** Synthetic interactions: user u rates items (u * 7 + j) % items for j < 5 + u % 20, ratings cycling 1..5. */
function synthetic(users: number, items: number): Interactions {
  const user: number[] = [];
  const item: number[] = [];
  const rating: number[] = [];
  for (let u = 0; u < users; u++) {
    const n = 5 + (u % 20);
    for (let j = 0; j < n; j++) {
      user.push(u);
      item.push((u * 7 + j * 3) % items);
      rating.push(j % 6 === 5 ? 2 : 4 + (j % 2));
    }
  }
  return {
    users: Array.from({ length: users }, (_, u) => String(u + 1)),
    user: Int32Array.from(user),
    items: Array.from({ length: items }, (_, i) => String(1000 + i)),
    item: Int32Array.from(item),
    rating: Float32Array.from(rating),
    timestamp: null,
    length: user.length,
  };
}

const protocol = { minRating: 3.5, minUserItems: 5, heldoutUsers: 20, targetFraction: 0.2 };

function rowSets(rows: UserRows): Map<string, Set<number>> {
  return new Map(rows.users.map((u, r) => [u, new Set(rows.indices.subarray(rows.indptr[r], rows.indptr[r + 1]))]));
}

test('split sizes, disjoint users, and only training items', () => {
  const data = synthetic(200, 150);
  const s = splitStrongGeneralisation(data, protocol, 1);
  assert.equal(s.validation.users.length, 20);
  assert.equal(s.test.users.length, 20);
  const all = [...s.train.users, ...s.validation.users, ...s.test.users];
  assert.equal(new Set(all).size, all.length, 'a user is in two sets');
  assert.equal(s.summary.trainUsers + 40 + s.summary.droppedUsers, 200);
  const trainItems = new Set(s.train.indices);
  assert.equal(trainItems.size, s.items.length, 'every item index is a training item');
  for (const h of [s.validation, s.test]) for (const i of [...h.foldIn.indices, ...h.targets.indices]) assert.ok(i >= 0 && i < s.items.length);
});

test('no target leaks into fold-in or into training rows; 20% targets', () => {
  const s = splitStrongGeneralisation(synthetic(300, 200), protocol, 5);
  for (const h of [s.validation, s.test]) {
    const fold = rowSets(h.foldIn);
    const targets = rowSets(h.targets);
    for (const [u, t] of targets) {
      const f = fold.get(u)!;
      for (const i of t) assert.ok(!f.has(i), `target ${i} of user ${u} is also fold-in`);
      const n = f.size + t.size;
      assert.equal(t.size, n >= 5 ? Math.floor(0.2 * n) : 0);
    }
  }
  const trainUsers = new Set(s.train.users);
  for (const u of [...s.validation.users, ...s.test.users]) assert.ok(!trainUsers.has(u));
});

test('the same seed gives the same split; another seed a different one', () => {
  const data = synthetic(300, 200);
  const a = splitStrongGeneralisation(data, protocol, 42);
  const b = splitStrongGeneralisation(data, protocol, 42);
  const c = splitStrongGeneralisation(data, protocol, 43);
  assert.deepEqual(a.test.users, b.test.users);
  assert.deepEqual(Array.from(a.test.targets.indices), Array.from(b.test.targets.indices));
  assert.notDeepEqual(a.test.users, c.test.users);
});

test('users with too few positives are dropped; too few users is a clear error', () => {
  const data = synthetic(50, 40);
  const s = splitStrongGeneralisation(data, { ...protocol, heldoutUsers: 5, minUserItems: 10 }, 1);
  for (const u of s.train.users) {
    const r = s.train.users.indexOf(u);
    assert.ok(s.train.indptr[r + 1] - s.train.indptr[r] >= 1);
  }
  assert.ok(s.summary.droppedUsers > 0);
  assert.throws(() => splitStrongGeneralisation(data, { ...protocol, heldoutUsers: 30 }, 1), /too few .*lower the number of held-out users/);
});

test('mini-batch gathering keeps each row intact', () => {
  const s = splitStrongGeneralisation(synthetic(120, 90), { ...protocol, heldoutUsers: 10 }, 3);
  const order = Int32Array.from([4, 0, 7]);
  const b = gatherRows(s.train, order, 0, 3);
  const whole = rowsToBatch(s.train);
  for (let k = 0; k < 3; k++) {
    const r = order[k];
    assert.deepEqual(Array.from(b.indices.subarray(b.indptr[k], b.indptr[k + 1])), Array.from(whole.indices.subarray(whole.indptr[r], whole.indptr[r + 1])));
  }
});
