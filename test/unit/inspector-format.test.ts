/** The inspector page's pure helpers: the picker's ordering and the colour scale of the scatter. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UserSummary } from '../../src/shared/inferenceResults';
import { formatDate, listUsers, rampValues } from '../../webview/inspector/format';
import { rampColour } from '../../webview/inspector/scatter';

const users: UserSummary[] = [
  { user: 'a', role: 'test', activity: 10, ndcg: 0.5 },
  { user: 'b', role: 'test', activity: 30, ndcg: 0.1 },
  { user: 'c', role: 'test', activity: 20 },
  { user: 'd', role: 'validation', activity: 5, ndcg: 0.9 },
  { user: 'e', role: 'train', activity: 50 },
];

test('lists one kind of user, by activity or by NDCG; users without NDCG last either way', () => {
  assert.deepEqual(
    listUsers(users, 'test', 'activity-desc').map((u) => u.user),
    ['b', 'c', 'a'],
  );
  assert.deepEqual(
    listUsers(users, 'test', 'activity-asc').map((u) => u.user),
    ['a', 'c', 'b'],
  );
  assert.deepEqual(
    listUsers(users, 'test', 'ndcg-asc').map((u) => u.user),
    ['b', 'a', 'c'],
  );
  assert.deepEqual(
    listUsers(users, 'test', 'ndcg-desc').map((u) => u.user),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(
    listUsers(users, 'validation', 'ndcg-asc').map((u) => u.user),
    ['d'],
  );
  assert.deepEqual(
    listUsers(users, 'all', 'ndcg-asc').map((u) => u.user),
    ['b', 'a', 'd', 'e', 'c'],
  );
  assert.equal(users[0].user, 'a', 'the input is not reordered');
});

test('ramp values span 0..1, log-scaled for counts; constant input does not divide by zero', () => {
  assert.deepEqual(rampValues([0, 0.5, 1], false), [0, 0.5, 1]);
  const log = rampValues([1, 10, 100], true);
  assert.equal(log[0], 0);
  assert.equal(log[2], 1);
  assert.ok(log[1] > 0.4 && log[1] < 0.6);
  assert.deepEqual(rampValues([3, 3], false), [0, 0]);
  assert.equal(rampColour(0), 'rgb(68, 1, 84)');
  assert.equal(rampColour(1), 'rgb(253, 231, 37)');
  assert.equal(rampColour(Number.NaN), rampColour(0));
  assert.equal(formatDate(978300760), '2000-12-31');
  assert.equal(formatDate(undefined), '');
});
