/**
 * Issue 7, damaged run directories, through the CLI and the Runs tree's presentation: copies of one
 * real run, each damaged in one way (truncated run.json, garbage and a torn last line in
 * metrics.jsonl, the weights folder or one weights file gone, a truncated weights file). Every
 * damaged run is listed with its reason, the intact run is listed exactly as before, and using a
 * damaged run's weights fails with one line naming the file. Uses the bundled dist/cli.js.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDescription, runTooltipMarkdown } from '../../src/extension/runPresentation';
import { readMetricsFile } from '../../src/shared/metricsFollower';
import { listRuns } from '../../src/shared/runReader';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli } from '../helpers/cli';

after(removeTempDirs);

interface Listed {
  id: string;
  status: string;
  reason?: string;
  warning?: string;
  epochs?: number;
  dir?: string;
}

describe('damaged run directories', () => {
  const data = removeLater(makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 }));
  const runs = tempDir();
  let original = '';
  let testUser = '';

  /** A copy of the intact run under `name`, then damaged by `damage(dir)`. */
  function damagedCopy(name: string, damage: (dir: string) => void): string {
    const dir = path.join(runs, name);
    fs.cpSync(path.join(runs, original), dir, { recursive: true });
    damage(dir);
    return dir;
  }

  before(() => {
    const r = cli(['train', '--data', data, '--runs-dir', runs, '--epochs', '2', '--heldout', '20', '--json']);
    assert.equal(r.code, 0, r.stderr);
    original = path.basename(String((JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { runDir: string }).runDir));
    testUser = (JSON.parse(fs.readFileSync(path.join(runs, original, 'split.json'), 'utf8')) as { test: { user: string }[] }).test[0].user;
  });

  it('each damaged run is listed with its reason; the intact run is listed exactly as before', async () => {
    const before = (JSON.parse(cli(['runs', '--runs-dir', runs, '--json']).stdout) as Listed[]).find((r) => r.id === original);
    assert.ok(before && before.status === 'completed' && !before.warning);

    damagedCopy('truncated-run-json', (d) => fs.writeFileSync(path.join(d, 'run.json'), fs.readFileSync(path.join(d, 'run.json'), 'utf8').slice(0, 200)));
    damagedCopy('empty-run-json', (d) => fs.writeFileSync(path.join(d, 'run.json'), ''));
    damagedCopy('no-run-json', (d) => fs.rmSync(path.join(d, 'run.json')));
    damagedCopy('garbage-metrics', (d) => {
      const file = path.join(d, 'metrics.jsonl');
      const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
      lines.splice(1, 0, '\u0000\u0001 not json', '{"kind":"nonsense"}');
      fs.writeFileSync(file, lines.join('\n') + '\n{"kind":"step","step":99,"ep');
    });
    damagedCopy('no-weights-folder', (d) => fs.rmSync(path.join(d, 'model'), { recursive: true }));
    // Killed between the two renames of a checkpoint swap (model/ -> .model.prev/, .model.next/ -> model/).
    damagedCopy('mid-swap', (d) => fs.renameSync(path.join(d, 'model'), path.join(d, '.model.prev')));
    damagedCopy('no-weights-file', (d) => fs.rmSync(path.join(d, 'model', 'weights.bin')));
    damagedCopy('bad-model-json', (d) => fs.writeFileSync(path.join(d, 'model', 'model.json'), '{"weightsManifest": [{"pa'));

    const r = cli(['runs', '--runs-dir', runs, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const listed = new Map((JSON.parse(r.stdout) as Listed[]).map((x) => [x.id, x]));
    assert.equal(listed.size, 9);
    assert.deepEqual(listed.get(original), before, 'the intact run is unaffected');
    const expect: [string, string, RegExp][] = [
      ['truncated-run-json', 'reason', /run\.json is truncated or not valid JSON/],
      ['empty-run-json', 'reason', /run\.json is empty/],
      ['no-run-json', 'reason', /run\.json is missing/],
      ['no-weights-folder', 'warning', /^the saved weights \(model\/\) are missing$/],
      ['mid-swap', 'warning', /the saved weights \(model\/\) are missing; the last complete copy is in \.model\.prev\//],
      ['no-weights-file', 'warning', /model\/weights\.bin is missing/],
      ['bad-model-json', 'warning', /model\/model\.json is damaged/],
    ];
    for (const [id, field, pattern] of expect) {
      const x = listed.get(id);
      assert.ok(x, `${id} is listed`);
      assert.equal(x.status, field === 'reason' ? 'damaged' : 'completed', id);
      assert.match(String(x[field as 'reason' | 'warning']), pattern, id);
    }
    // Garbage lines and a torn tail are skipped: the run and its epochs read as before.
    assert.deepEqual({ ...listed.get('garbage-metrics'), id: original, dir: before.dir }, before);
    const metrics = await readMetricsFile(path.join(runs, 'garbage-metrics', 'metrics.jsonl'));
    assert.deepEqual([metrics.bad, metrics.tornTail], [2, true]);
    assert.deepEqual(metrics.lines, (await readMetricsFile(path.join(runs, original, 'metrics.jsonl'))).lines);

    const text = cli(['runs', '--runs-dir', runs]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /truncated-run-json {2}damaged: run\.json is truncated/);
    assert.match(text.stdout, /no-weights-file .* warning: model\/weights\.bin is missing/);
  });

  it('the Runs tree shows the reason in the description and the tooltip', () => {
    const byId = new Map(listRuns(runs).map((e) => [e.ok ? e.record.id : e.id, e]));
    const noWeights = byId.get('no-weights-file');
    assert.ok(noWeights);
    assert.match(runDescription(noWeights), /· ⚠ model\/weights\.bin is missing$/);
    assert.match(runTooltipMarkdown(noWeights), /⚠ model\/weights\\\.bin is missing/);
    const truncated = byId.get('truncated-run-json');
    assert.ok(truncated);
    assert.equal(runDescription(truncated), 'damaged');
    assert.match(runTooltipMarkdown(truncated), /truncated or not valid JSON/);
  });

  it('recommending from a run whose weights are gone or cut short fails with one line naming the file', () => {
    const ok = cli(['recommend', '--run', path.join(runs, original), '--user', testUser, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    damagedCopy('short-weights', (d) => {
      const file = path.join(d, 'model', 'weights.bin');
      fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    });
    for (const [name, pattern] of [
      ['no-weights-file', /weights\.bin/],
      ['no-weights-folder', /model/],
      ['short-weights', /weights\.bin: the weights do not match model\.json/],
      ['truncated-run-json', /run\.json is truncated/],
    ] as const) {
      const r = cli(['recommend', '--run', path.join(runs, name), '--user', testUser]);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${name}: ${r.stderr}`);
      assert.match(lines[0], /^vaerec: error: /);
      assert.ok(lines[0].includes(path.join(runs, name)), `${name}: the message names the run's files: ${lines[0]}`);
      assert.match(lines[0], pattern, name);
    }
  });
});
