/**
 * The sweep view's host side on sweeps written to a temporary folder: the view data (varying
 * parameters, trials, importance with a known answer, seeds), the significance plan and tests
 * against the runner-up and a popularity run, and the follower of sweep.json and the curves.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { SweepFollower, type SweepChange } from '../../src/extension/sweepView/sweepFollower';
import { computeSignificance, planSignificance } from '../../src/extension/sweepView/sweepSignificance';
import { buildSweepViewData } from '../../src/extension/sweepView/sweepViewData';
import { readSweep } from '../../src/shared/sweepReader';
import type { SweepRecord } from '../../src/shared/sweepSchema';
import { writePopularityRun, writeSyntheticSweep } from '../fixtures/syntheticSweep';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';

after(removeTempDirs);

function read(dir: string): SweepRecord {
  const r = readSweep(dir);
  if ('reason' in r) throw new Error(r.reason);
  return r.record;
}

test('view data: varying parameters only, trials with where they stopped and test metrics of completed ones, importance naming its method and basis', () => {
  const { sweepDir, record } = writeSyntheticSweep(tempDir('sweep-view-'), { trials: 150, running: 3 });
  const data = buildSweepViewData(read(sweepDir), sweepDir);
  assert.deepEqual(data.parameters, ['learningRate', 'dropout', 'hidden']);
  // The file's scales: the axes draw dropout linearly although its values span decades.
  assert.deepEqual(data.scales, { learningRate: 'log', dropout: 'linear' });
  assert.equal(data.trials.length, 150);
  assert.equal(data.sweep.status, 'running');
  assert.deepEqual(data.sweep.rungEpochs, [3, 9]);
  assert.match(data.sweep.earlyStopping, /^ASHA \(grace 3 epochs, reduction factor 3, 27 epochs\)$/);
  assert.equal(data.sweep.progress.trials, 150);
  const stopped = data.trials.filter((t) => t.status === 'stopped');
  const completed = data.trials.filter((t) => t.status === 'completed');
  assert.ok(stopped.length > 50 && completed.length > 5, `${stopped.length} stopped, ${completed.length} completed`);
  for (const t of stopped) {
    assert.ok(t.stoppedAt && t.stoppedAt.rule === 'asha' && t.stoppedAt.rung !== null && [3, 9].includes(t.stoppedAt.epoch));
    assert.equal(t.test, null);
  }
  for (const t of completed) assert.ok(t.test && Number.isFinite(t.test['ndcg@100']) && t.epochs === 27);
  assert.ok(data.trials.filter((t) => t.status === 'running').every((t) => t.test === null));
  // The best so far is the configuration with the highest metric among the completed trials.
  const bestMetric = Math.max(...completed.map((t) => t.metric ?? -1));
  assert.equal(data.sweep.best?.metric, bestMetric);
  assert.equal(data.seeds, null);

  // The learning rate drives the metric, dropout and hidden are noise: learningRate first, well above chance; the others near chance.
  const imp = data.importance;
  assert.ok(imp);
  assert.equal(imp.result.method, 'fanova-marginal-variance');
  assert.match(imp.result.description, /^fANOVA-style/);
  assert.match(imp.basis, /^150 trials’ best val_ndcg@100 up to ASHA’s first rung \(epoch 3\)/);
  const [first, ...rest] = imp.result.parameters;
  assert.equal(first.parameter, 'learningRate');
  assert.ok(first.importance > 0.5 && first.importance > 5 * first.chance, JSON.stringify(first));
  for (const p of rest) assert.ok(p.importance < 3 * p.chance + 0.02, JSON.stringify(p));

  // A parameter with one value in every trial gets no column, axis or importance.
  const constant = { ...record, trials: record.trials.map((t) => ({ ...t, params: { ...t.params, hidden: 600 } })) };
  fs.writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify(constant));
  const again = buildSweepViewData(read(sweepDir), sweepDir);
  assert.deepEqual(again.parameters, ['learningRate', 'dropout']);
  assert.deepEqual(again.importance?.result.parameters.map((p) => p.parameter).sort(), ['dropout', 'learningRate']);
});

test('configurations over seeds: mean and sample sd of the metric and test metrics over completed repeats', () => {
  const { sweepDir } = writeSyntheticSweep(tempDir('sweep-view-'), { trials: 60, repeats: 3 });
  const data = buildSweepViewData(read(sweepDir), sweepDir);
  assert.equal(data.seeds?.length, 20);
  for (const g of data.seeds ?? []) {
    const done = data.trials.filter((t) => t.configIndex === g.configIndex && t.status === 'completed');
    assert.equal(g.trials, 3);
    assert.equal(g.metric?.n ?? 0, done.length);
    if (done.length >= 2) {
      const xs = done.map((t) => t.metric as number);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
      assert.ok(Math.abs((g.metric?.mean ?? NaN) - mean) < 1e-12 && Math.abs((g.metric?.sd ?? NaN) - sd) < 1e-12);
      assert.equal(g.test['ndcg@100']?.n, done.length);
    }
  }
  assert.ok(
    data.seeds?.some((g) => (g.metric?.n ?? 0) >= 2),
    'some configuration completed on several seeds',
  );
});

test('significance: the best run against the runner-up with the same seed and a popularity run on the same split, via compareRuns', async () => {
  const root = tempDir('sweep-view-');
  const { sweepDir, runsDir } = writeSyntheticSweep(root, { trials: 45, artifacts: true });
  const record = read(sweepDir);
  const before = planSignificance(record);
  assert.ok(!('waiting' in before));
  assert.equal(typeof before.runnerUp, 'object');
  assert.match(String(before.baseline), /no completed popularity run on the best run’s split \(seed 98765/);
  const withoutBaseline = await computeSignificance(before);
  assert.equal(withoutBaseline.state === 'done' && withoutBaseline.canTrainBaseline, true);

  // A popularity run on another split does not count; one on the same split does.
  writePopularityRun(runsDir, 'pop-other-seed', 12345);
  assert.match(String((planSignificance(record) as { baseline: unknown }).baseline), /none of the 1 popularity run\(s\) shares the best run’s split/);
  const elsewhere = tempDir('sweep-view-runs-');
  writePopularityRun(elsewhere, 'pop-same-split');
  const plan = planSignificance(record, [elsewhere]);
  assert.ok(!('waiting' in plan));
  assert.deepEqual(plan.baseline, { runId: 'pop-same-split', dir: path.join(elsewhere, 'pop-same-split') });
  const view = await computeSignificance(plan);
  assert.equal(view.state, 'done');
  if (view.state !== 'done') return;
  assert.equal(view.canTrainBaseline, false);
  const [runnerUp, popularity] = view.entries;
  assert.equal(runnerUp.against, 'runner-up');
  assert.ok(runnerUp.comparison, runnerUp.unavailable ?? '');
  assert.equal(runnerUp.comparison.users, 40);
  assert.deepEqual(
    runnerUp.comparison.metrics.map((m) => m.metric),
    ['ndcg@100', 'recall@20'],
  );
  // The sweep's best run recommends far better than popularity here: a positive difference, its interval above 0, tiny p-values.
  const ndcg = popularity.comparison?.metrics[0];
  assert.ok(ndcg && ndcg.meanDifference > 0.05 && ndcg.interval.lower > 0 && ndcg.tTest.pValue < 0.01 && ndcg.wilcoxon.pValue < 0.01, JSON.stringify(ndcg));
  assert.equal(ndcg.interval.level, 0.95);
  assert.deepEqual(popularity.comparison?.warnings, []);

  // Nothing completed yet: the plan says why it waits.
  const fresh = { ...record, best: undefined, trials: record.trials.map((t) => ({ ...t, state: 'running' as const, test: undefined })) };
  assert.deepEqual(planSignificance(fresh), { waiting: 'no configuration has completed yet' });
});

test('follower: reports the record, then only what changed (new curve points, a rewritten record); a damaged record gives its reason', async () => {
  const { sweepDir, runsDir, record } = writeSyntheticSweep(tempDir('sweep-view-'), { trials: 6, running: 1 });
  const changes: SweepChange[] = [];
  const follower = new SweepFollower(sweepDir, (c) => changes.push(c), 3_600_000);
  try {
    await follower.tick();
    assert.equal(changes.length, 1);
    assert.ok(changes[0].record && 'record' in changes[0].record);
    assert.equal(changes[0].curves.length, 6);
    assert.equal(changes[0].curves[5].points.length, 14);
    await follower.tick();
    assert.equal(changes.length, 1, 'nothing changed: no change reported');

    // The running trial evaluates another epoch.
    const metrics = path.join(runsDir, 'synthetic-t5', 'metrics.jsonl');
    fs.appendFileSync(
      metrics,
      JSON.stringify({ kind: 'epoch', epoch: 15, step: 150, time: 15, seconds: 1, loss: 1, nll: 1, kl: 1, beta: 0.2, negElbo: 1, 'val_ndcg@100': 0.33 }) + '\n',
    );
    await follower.tick();
    assert.equal(changes.length, 2);
    assert.equal(changes[1].record, undefined);
    assert.deepEqual(
      changes[1].curves.map((c) => [c.index, c.points.length, c.points.at(-1)]),
      [[5, 15, [15, 0.33]]],
    );

    fs.writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify({ ...record, status: 'completed', updatedAt: '2026-11-30T11:00:00.000Z' }));
    await follower.tick();
    const rewritten = changes[2]?.record;
    assert.ok(rewritten && 'record' in rewritten && rewritten.record.status === 'completed');

    fs.writeFileSync(path.join(sweepDir, 'sweep.json'), '{"schemaVersion": 1, "id": "synth');
    await follower.tick();
    const damaged = changes[3]?.record;
    assert.ok(damaged && 'reason' in damaged);
    assert.match(damaged.reason, /sweep\.json is truncated or not valid JSON$/);
    assert.ok(damaged.reason.startsWith(sweepDir));
    assert.deepEqual(follower.allCurves().length, 6, 'curves read before stay');
  } finally {
    follower.dispose();
  }
});
