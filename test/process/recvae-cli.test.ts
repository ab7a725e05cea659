/**
 * `vaerec train --model recvae` end to end on a generated fixture, through the bundled CLI: its
 * settings in the config, three encoder passes and one decoder pass per epoch in metrics.jsonl, the
 * curves' epoch means over the encoder passes, weights that load, and "because you liked" by
 * leave-one-out.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parseMetricsLines, type MetricsLine, type RunRecord } from '../../src/shared/runSchema';
import { makeFixtureDir } from '../fixtures/generate';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli, lastJson } from '../helpers/cli';

after(removeTempDirs);

test('train --model recvae records a complete run: passes, curves, test metrics, recommendations and their reasons', () => {
  const data = makeFixtureDir('ml-1m', { users: 220, items: 70, seed: 9, clusters: 3 });
  const runs = tempDir('vaerec-recvae-cli-');
  const r = cli(['train', '--model', 'recvae', '--data', data, '--runs-dir', runs, '--epochs', '2', '--heldout', '20', '--batch-size', '50', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = lastJson<{ status: string; runDir: string; test: Record<string, number> }>(r.stdout);
  assert.equal(out.status, 'completed');
  assert.ok(out.test['ndcg@100'] > 0);
  const record = JSON.parse(fs.readFileSync(path.join(out.runDir, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.config.gamma, 0.005);
  assert.equal(record.config.encoderEpochs, 3);
  assert.equal(record.config.decoderEpochs, 1);
  assert.equal(record.config.learningRate, 5e-4);
  assert.equal(record.threads, os.availableParallelism() >= 2 ? 2 : 1);

  const { lines } = parseMetricsLines(fs.readFileSync(path.join(out.runDir, 'metrics.jsonl'), 'utf8'));
  const steps = lines.filter((l): l is Extract<MetricsLine, { kind: 'step' }> => l.kind === 'step');
  const perPass = Math.ceil((record.split?.trainUsers ?? 0) / 50);
  // Each epoch: three encoder passes, then one decoder pass.
  const expected = Array.from({ length: 2 }, () => [...Array(3 * perPass).fill('encoder'), ...Array(perPass).fill('decoder')]).flat();
  assert.deepEqual(
    steps.map((l) => l.pass),
    expected,
  );
  assert.ok(steps.every((l) => Number.isFinite(l.loss) && l.kl > 0 && l.beta === 0));
  const epochs = lines.filter((l): l is Extract<MetricsLine, { kind: 'epoch' }> => l.kind === 'epoch');
  assert.equal(epochs.length, 2);
  const encoderNll = steps.slice(0, 3 * perPass).reduce((s, l) => s + l.nll, 0) / (3 * perPass);
  assert.ok(Math.abs(epochs[0].nll - encoderNll) < 1e-9 * encoderNll, 'the epoch line averages the encoder passes');

  const user = (JSON.parse(fs.readFileSync(path.join(out.runDir, 'split.json'), 'utf8')) as { test: { user: string }[] }).test[0].user;
  const rec = cli(['recommend', '--run', out.runDir, '--user', user, '--k', '4', '--explain', '--json']);
  assert.equal(rec.code, 0, rec.stderr);
  const result = JSON.parse(rec.stdout) as { explainMethod: string; items: { item: string; because: { share: number }[] }[] };
  assert.equal(result.explainMethod, 'leave-one-out');
  const stored = (
    JSON.parse(fs.readFileSync(path.join(out.runDir, 'recommendations.json'), 'utf8')) as { users: { user: string; items: string[] }[] }
  ).users.find((u) => u.user === user);
  assert.deepEqual(
    result.items.map((i) => i.item),
    stored?.items.slice(0, 4),
  );
  assert.ok(result.items.some((i) => i.because.length > 0));
  assert.ok(result.items.every((i) => i.because.length <= 3 && i.because.every((b) => b.share > 0)));
});
