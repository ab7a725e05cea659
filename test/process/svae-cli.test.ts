/**
 * `vaerec train --model svae` end to end on a generated fixture, through the bundled CLI and the
 * trainer child process (npm test builds dist/ first): the run is recorded like any other, with
 * the SVAE settings in its config, curves in metrics.jsonl, weights that load, and recommendations.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parseMetricsLines } from '../../src/shared/runSchema';
import { makeFixtureDir } from '../fixtures/generate';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli, lastJson, trainArgs } from '../helpers/cli';

after(removeTempDirs);

test('train --model svae records a complete run with its settings, curves and test metrics', () => {
  const data = makeFixtureDir('ml-1m', { users: 200, items: 80, seed: 5, clusters: 3 });
  const runs = tempDir('vaerec-svae-cli-');
  const r = cli(trainArgs(data, runs, ['--model', 'svae', '--epochs', '2', '--max-length', '30', '--next-k', '2']));
  assert.equal(r.code, 0, r.stderr);
  const out = lastJson<{ status: string; model: string; runDir: string; test: Record<string, number> }>(r.stdout);
  assert.equal(out.status, 'completed');
  assert.equal(out.model, 'svae');
  for (const k of ['ndcg@100', 'ndcg@10', 'recall@10', 'recall@100', 'precision@10', 'precision@100', 'refRecall@10', 'refRecall@100']) {
    assert.ok(out.test[k] > 0 && out.test[k] <= 1, `${k} = ${out.test[k]}`);
  }
  // Ours divides by min(k, #targets), the reference by #targets: never below the reference's.
  assert.ok(out.test['recall@10'] >= out.test['refRecall@10']);

  const record = JSON.parse(fs.readFileSync(path.join(out.runDir, 'run.json'), 'utf8'));
  assert.equal(record.config.maxLength, 30);
  assert.equal(record.config.nextK, 2);
  assert.equal(record.config.hidden, 150);
  assert.equal(record.config.latent, 64);
  assert.equal(record.epochsCompleted, 2);
  // The bundled worker (dist/gradWorker.js) takes half of every SVAE step where two cores are free.
  assert.equal(record.threads, os.availableParallelism() >= 2 ? 2 : 1);
  assert.doesNotMatch(r.stderr, /training on one thread/);
  const { lines } = parseMetricsLines(fs.readFileSync(path.join(out.runDir, 'metrics.jsonl'), 'utf8'));
  const steps = lines.filter((l) => l.kind === 'step');
  const epochs = lines.filter((l) => l.kind === 'epoch');
  assert.ok(steps.length > 0 && steps.every((l) => Number.isFinite(l.loss) && Number.isFinite(l.kl) && l.beta >= 0));
  assert.ok(steps[steps.length - 1].beta > steps[0].beta, 'beta is annealed');
  assert.equal(epochs.length, 2);
  assert.ok(epochs.every((l) => l.kind === 'epoch' && typeof l['val_ndcg@100'] === 'number'));

  const test = JSON.parse(fs.readFileSync(path.join(out.runDir, 'split.json'), 'utf8')).test[0] as { user: string };
  const rec = cli(['recommend', '--run', out.runDir, '--user', test.user, '--k', '5', '--json']);
  assert.equal(rec.code, 0, rec.stderr);
  const stored = JSON.parse(fs.readFileSync(path.join(out.runDir, 'recommendations.json'), 'utf8')).users.find((u: { user: string }) => u.user === test.user);
  assert.deepEqual(
    JSON.parse(rec.stdout).items.map((i: { item: string }) => i.item),
    stored.items.slice(0, 5),
  );
});

test('svae settings are refused for other models, and checked for svae', () => {
  const data = makeFixtureDir('ml-1m', { users: 60, items: 30, seed: 6 });
  const wrong = cli(['train', '--data', data, '--next-k', '2', '--runs-dir', tempDir('vaerec-svae-cli-')]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /nextK applies to svae only/);
  const bad = cli(['train', '--model', 'svae', '--data', data, '--max-length', '1', '--runs-dir', os.tmpdir()]);
  assert.notEqual(bad.code, 0);
});
