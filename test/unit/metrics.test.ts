import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsAccumulator, ndcgAtK, recallAtK, topK, userMetrics } from '../../src/trainer/metrics';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('NDCG@k: binary relevance, IDCG over min(k, #targets) (hand-computed)', () => {
  // ranked [5, 1, 7]; targets {1, 9}; DCG = 1/log2(3); IDCG over min(3, 2) = 1 + 1/log2(3)
  close(ndcgAtK([5, 1, 7], new Set([1, 9]), 3), 1 / Math.log2(3) / (1 + 1 / Math.log2(3)));
  // more targets than k: IDCG over k positions only, so a perfect top-2 scores 1
  close(ndcgAtK([1, 2, 3], new Set([1, 2, 3, 4, 5]), 2), 1);
  close(ndcgAtK([8, 9], new Set([1]), 2), 0);
  assert.ok(Number.isNaN(ndcgAtK([1], new Set(), 1)));
});

test('Recall@k = hits / min(k, #targets) (hand-computed)', () => {
  close(recallAtK([1, 2, 3, 4], new Set([2, 4, 10]), 4), 2 / 3);
  // 5 targets, k = 2, both hits: 2 / min(2, 5) = 1 (not 2/5)
  close(recallAtK([1, 2, 3], new Set([1, 2, 3, 4, 5]), 2), 1);
  close(recallAtK([7], new Set([1]), 1), 0);
});

test('topK ranks by score, skips excluded items and NaN, breaks ties by index', () => {
  const scores = Float32Array.from([0.1, 0.9, 0.5, 0.9, NaN, 0.7]);
  assert.deepEqual(Array.from(topK(scores, 0, 6, 3)), [1, 3, 5]);
  assert.deepEqual(Array.from(topK(scores, 0, 6, 3, [1, 5])), [3, 2, 0]);
  assert.deepEqual(Array.from(topK(scores, 0, 6, 10)), [1, 3, 5, 2, 0]);
  // offset selects a row of a batch
  const two = Float32Array.from([1, 2, 3, 30, 20, 10]);
  assert.deepEqual(Array.from(topK(two, 3, 3, 2)), [0, 1]);
});

test('topK agrees with a full sort on random scores', () => {
  let s = 7;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const scores = Float32Array.from({ length: 500 }, rand);
  const expected = Array.from({ length: 500 }, (_, i) => i)
    .sort((a, b) => scores[b] - scores[a])
    .slice(0, 100);
  assert.deepEqual(Array.from(topK(scores, 0, 500, 100)), expected);
});

test('averages leave out users without targets', () => {
  const acc = new MetricsAccumulator();
  acc.add(userMetrics([1, 2], new Set([1])));
  acc.add(userMetrics([1, 2], new Set()));
  acc.add(userMetrics([3, 4], new Set([1])));
  const r = acc.result();
  assert.equal(r.users, 2);
  close(r['ndcg@100'], 0.5);
  close(r['recall@20'], 0.5);
});
