/**
 * `vaerec train --model ease` end to end on a generated fixture, through the bundled CLI and the
 * trainer child process: one "fit" line per lambda with its validation NDCG@100, the chosen lambda
 * and the resolved candidates recorded, B saved, test metrics and recommendations like any run.
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

const data = makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 8, clusters: 4 });

function train(...args: string[]) {
  const runs = tempDir('vaerec-ease-cli-');
  const r = cli(['train', '--model', 'ease', '--data', data, '--runs-dir', runs, '--heldout', '24', '--json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  const out = lastJson<{ status: string; runDir: string; fitSeconds: number; best: { lambda: number; 'ndcg@100': number } }>(r.stdout);
  const record = JSON.parse(fs.readFileSync(path.join(out.runDir, 'run.json'), 'utf8')) as RunRecord;
  const fits = parseMetricsLines(fs.readFileSync(path.join(out.runDir, 'metrics.jsonl'), 'utf8')).lines.filter(
    (l): l is Extract<MetricsLine, { kind: 'fit' }> => l.kind === 'fit',
  );
  return { out, record, fits, stderr: r.stderr };
}

test('train --model ease chooses lambda on validation from the default list, one fit line each', () => {
  const { out, record, fits, stderr } = train();
  assert.equal(out.status, 'completed');
  assert.ok(record.config.lambdas && record.config.lambdas.length === 6, 'the default candidates are recorded in the config');
  assert.deepEqual(
    fits.map((f) => f.lambda),
    record.config.lambdas,
  );
  assert.deepEqual(
    fits.map((f) => f.step),
    [1, 2, 3, 4, 5, 6],
  );
  const best = fits.reduce((a, b) => (b['val_ndcg@100'] > a['val_ndcg@100'] ? b : a));
  assert.equal(record.best?.lambda, best.lambda);
  assert.equal(out.best.lambda, best.lambda);
  assert.ok(Math.abs((record.best?.['ndcg@100'] ?? 0) - best['val_ndcg@100']) < 1e-6);
  assert.ok(fits.every((f) => f.seconds >= 0 && f['val_ndcg@100'] > 0));
  assert.ok((record.timings?.fitSeconds ?? -1) >= 0);
  assert.equal(record.threads, os.availableParallelism() >= 2 ? 2 : 1);
  assert.doesNotMatch(stderr, /one thread|plain JavaScript/);
  assert.ok(record.test && record.test['ndcg@100'] > 0);
  const items = record.split?.items ?? 0;
  assert.equal(fs.statSync(path.join(out.runDir, 'model', 'B.bin')).size, 4 * items * items);

  const user = (JSON.parse(fs.readFileSync(path.join(out.runDir, 'split.json'), 'utf8')) as { test: { user: string }[] }).test[0].user;
  const rec = cli(['recommend', '--run', out.runDir, '--user', user, '--k', '5', '--json']);
  assert.equal(rec.code, 0, rec.stderr);
  const stored = (
    JSON.parse(fs.readFileSync(path.join(out.runDir, 'recommendations.json'), 'utf8')) as { users: { user: string; items: string[] }[] }
  ).users.find((u) => u.user === user);
  assert.deepEqual(
    (JSON.parse(rec.stdout) as { items: { item: string }[] }).items.map((i) => i.item),
    stored?.items.slice(0, 5),
  );

  const explained = cli(['recommend', '--run', out.runDir, '--user', user, '--k', '5', '--explain', '--json']);
  assert.equal(explained.code, 0, explained.stderr);
  const result = JSON.parse(explained.stdout) as {
    explainMethod: string;
    items: { item: string; because: { item: string; title?: string; share: number }[] }[];
  };
  assert.equal(result.explainMethod, 'contributions');
  for (const it of result.items) {
    assert.ok(it.because.length > 0 && it.because.length <= 3, `${it.item}: ${it.because.length} reasons`);
    assert.ok(it.because.every((b, i) => b.share > 0 && (i === 0 || b.share <= it.because[i - 1].share)));
    assert.ok(
      it.because.every((b) => typeof b.title === 'string' && b.title.length > 0),
      'named by title',
    );
  }
  const text = cli(['recommend', '--run', out.runDir, '--user', user, '--k', '3', '--explain']);
  assert.match(text.stdout, /because you liked: each score is a sum over the user's items/);
  assert.match(text.stdout, /\n {7}because you liked: .+ \(\d+%\)/);
});

test('--lambda fixes one (still scored on validation); --lambdas gives the candidates', () => {
  const fixed = train('--lambda', '40');
  assert.deepEqual(
    fixed.fits.map((f) => f.lambda),
    [40],
  );
  assert.equal(fixed.record.best?.lambda, 40);
  const listed = train('--lambdas', '5,500');
  assert.deepEqual(listed.record.config.lambdas, [5, 500]);
  assert.deepEqual(
    listed.fits.map((f) => f.lambda),
    [5, 500],
  );
});

test('lambda settings are checked, and refused for the other models', () => {
  const runs = tempDir('vaerec-ease-cli-');
  const wrong = cli(['train', '--data', data, '--lambda', '10', '--runs-dir', runs]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /lambda applies to ease only/);
  const negative = cli(['train', '--model', 'ease', '--data', data, '--lambdas', '10,-1', '--runs-dir', runs]);
  assert.equal(negative.code, 2);
  assert.match(negative.stderr, /lambdas\[1\] must be above 0/);
});
