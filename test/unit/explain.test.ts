/**
 * "Because you liked" (src/trainer/inspect/explain.ts): EASE's shares are parts of the score that sum
 * to it; leave-one-out finds the items whose removal lowers the log-probability most, checked on a
 * model whose logits are a known sum.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BECAUSE_ITEMS, contributionReasons, explainRecommendations, leaveOneOutReasons } from '../../src/trainer/inspect/explain';
import { EaseModel } from '../../src/trainer/model/ease';
import type { Recommender, SparseBatch, StepStats } from '../../src/trainer/model/types';

/** logits_i = sum over the row's items j of A[j, i]: removing j lowers every logit by A[j, :]. */
class SumOfRows implements Recommender {
  constructor(
    readonly numItems: number,
    private readonly a: Float32Array,
  ) {}
  trainStep(_b: SparseBatch, _beta: number): StepStats {
    throw new Error('not trained');
  }
  score(batch: SparseBatch): Float32Array {
    const I = this.numItems;
    const out = new Float32Array(batch.rows * I);
    for (let r = 0; r < batch.rows; r++)
      for (let k = batch.indptr[r]; k < batch.indptr[r + 1]; k++) for (let i = 0; i < I; i++) out[r * I + i] += this.a[batch.indices[k] * I + i];
    return out;
  }
  async save(): Promise<void> {}
  dispose(): void {}
}

const logSumExp = (xs: number[]) => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};

describe('because you liked', () => {
  // B for 5 items: row j is what item j adds to each item's score.
  const b = Float32Array.from(
    [
      [0, 0.5, 0.1, 0.2, 0.0],
      [0.3, 0, 0.4, -0.1, 0.2],
      [0.1, 0.2, 0, 0.3, 0.6],
      [0.05, 0.1, 0.2, 0, 0.1],
      [0.2, 0.0, 0.1, 0.4, 0],
    ].flat(),
  );
  const ease = new EaseModel(5, 100, b);

  it("EASE: each recommendation's shares are its contributions over its score, strongest first; with all items named they sum to 1", () => {
    const known = Int32Array.from([0, 1, 2]);
    const score3 = 0.2 - 0.1 + 0.3; // B[0, 3] + B[1, 3] + B[2, 3]
    const [forItem3, forItem4] = contributionReasons(ease, known, [3, 4]);
    assert.deepEqual(
      forItem3.map((r) => r.known),
      [2, 0],
      'the negative part is not a reason',
    );
    assert.ok(Math.abs(forItem3[0].share - Math.fround(0.3) / Math.fround(score3)) < 1e-6);
    // Item 4: 0 + 0.2 + 0.6 = 0.8; every contribution is named (three items), and they sum to the score.
    const total = forItem4.reduce((s, r) => s + r.share, 0);
    assert.ok(Math.abs(total - 1) < 1e-9, `shares sum to ${total}`);
    assert.deepEqual(
      forItem4.map((r) => r.known),
      [2, 1],
      'a zero contribution is not a reason',
    );
    const scores = ease.score({ rows: 1, indptr: Int32Array.from([0, 3]), indices: known });
    const parts = ease.contributions(known, 4);
    assert.ok(Math.abs(parts.reduce((s, p) => s + p, 0) - scores[4]) < 1e-6, 'the parts are the score');
  });

  it('names at most three items', () => {
    const known = Int32Array.from([0, 1, 2, 3, 4]);
    const [reasons] = contributionReasons(ease, known, [2]);
    assert.equal(BECAUSE_ITEMS, 3);
    assert.equal(reasons.length, 3);
    assert.deepEqual(
      reasons.map((r) => r.known),
      [1, 3, 0],
    );
  });

  it('leave-one-out: the drop in log softmax when each item is left out, largest first', () => {
    const model = new SumOfRows(5, b);
    const known = Int32Array.from([0, 2, 3]);
    const full = model.score({ rows: 1, indptr: Int32Array.from([0, 3]), indices: known });
    const [reasons] = leaveOneOutReasons(model, known, full, [4]);
    const expected = [...known].map((_, q) => {
      const without = [...known].filter((__, p) => p !== q);
      const logits = [0, 1, 2, 3, 4].map((i) => without.reduce((s, j) => s + b[j * 5 + i], 0));
      const fullLogits = Array.from(full);
      return fullLogits[4] - logSumExp(fullLogits) - (logits[4] - logSumExp(logits));
    });
    const order = [0, 1, 2].filter((q) => expected[q] > 0).sort((p, q) => expected[q] - expected[p]);
    assert.deepEqual(
      reasons.map((r) => r.known),
      order,
    );
    reasons.forEach((r) => assert.ok(Math.abs(r.share - expected[r.known]) < 1e-5, `${r.share} vs ${expected[r.known]}`));
    assert.deepEqual(leaveOneOutReasons(model, Int32Array.from([1]), full, [4]), [[]], 'a single item has nothing to compare with');
  });

  it('contributions need an additive model', () => {
    const model = new SumOfRows(5, b);
    assert.throws(() => explainRecommendations('contributions', model, Int32Array.from([0]), new Float32Array(5), [1]), /contributions/);
  });
});
