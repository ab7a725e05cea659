import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { readMetricsFile } from '../../src/shared/metricsFollower';
import { listRuns, readRun, runDirFor } from '../../src/shared/runReader';
import { makeConfig } from '../../src/shared/trainConfig';
import { RunWriter, writeFileAtomic } from '../../src/trainer/runStore';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-runs-'));
const config = makeConfig('mvae', '/data/ml-1m', { epochs: 3 });

test('a new run is listed as running with its config, then completed', () => {
  const runs = tmp();
  const w = RunWriter.create(runs, config, 'first');
  const e = readRun(w.dir);
  assert.ok(e.ok);
  assert.equal(e.record.status, 'running');
  assert.equal(e.record.name, 'first');
  assert.equal(e.record.config.epochs, 3);
  w.update({ status: 'completed', epochsCompleted: 3 });
  w.close();
  const listed = listRuns(runs);
  assert.equal(listed.length, 1);
  assert.ok(listed[0].ok && listed[0].record.status === 'completed');
});

test('two runs created in the same second get distinct directories', () => {
  const runs = tmp();
  const a = RunWriter.create(runs, config);
  const b = RunWriter.create(runs, config);
  assert.notEqual(a.dir, b.dir);
  a.close();
  b.close();
});

test('a "running" run whose process is gone reads as interrupted', () => {
  const runs = tmp();
  const w = RunWriter.create(runs, config);
  w.update({ pid: 2 ** 22 + 12345 }); // above pid_max on Linux: no such process
  w.close();
  const e = readRun(w.dir);
  assert.ok(e.ok);
  assert.equal(e.record.status, 'interrupted');
  assert.match(e.record.error ?? '', /process is gone/);
});

test('metrics: appended lines read back; a torn last line is tolerated, garbage counted', async () => {
  const runs = tmp();
  const w = RunWriter.create(runs, config);
  w.appendMetrics([
    { kind: 'step', step: 1, epoch: 1, time: 0.1, loss: 5, nll: 5, kl: 1, beta: 0, negElbo: 6 },
    { kind: 'epoch', epoch: 1, step: 1, time: 0.2, seconds: 0.2, loss: 5, nll: 5, kl: 1, beta: 0, negElbo: 6, 'val_ndcg@100': 0.1 },
  ]);
  w.close();
  const file = path.join(w.dir, 'metrics.jsonl');
  fs.appendFileSync(file, '{"kind":"step","step":2,"ep');
  let m = await readMetricsFile(file);
  assert.equal(m.lines.length, 2);
  assert.equal(m.tornTail, true);
  assert.equal(m.bad, 0);
  fs.writeFileSync(file, 'garbage\n' + fs.readFileSync(file, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
  m = await readMetricsFile(file);
  assert.equal(m.lines.length, 2);
  assert.equal(m.bad, 1);
});

test('damaged run directories are listed with a reason and do not hide the others', () => {
  const runs = tmp();
  const good = RunWriter.create(runs, config);
  good.close();
  fs.mkdirSync(path.join(runs, 'truncated'));
  fs.writeFileSync(path.join(runs, 'truncated', 'run.json'), '{"id": "truncated", "mod');
  fs.mkdirSync(path.join(runs, 'empty'));
  fs.mkdirSync(path.join(runs, 'wrong'));
  fs.writeFileSync(path.join(runs, 'wrong', 'run.json'), JSON.stringify({ id: 'wrong', model: 'mvae', status: 'exploded', config: {}, createdAt: 'x' }));
  const listed = listRuns(runs);
  assert.equal(listed.length, 4);
  const reasons = Object.fromEntries(listed.filter((e) => !e.ok).map((e) => [path.basename(e.dir), e.ok ? '' : e.reason]));
  assert.match(reasons.truncated, /truncated/);
  assert.match(reasons.empty, /missing/);
  assert.match(reasons.wrong, /unknown status/);
  assert.equal(listed.filter((e) => e.ok).length, 1);
});

test('run ids cannot escape the runs directory', () => {
  const runs = tmp();
  assert.equal(runDirFor(runs, 'mvae-20260101-000000'), path.join(runs, 'mvae-20260101-000000'));
  for (const bad of ['..', '../x', '/etc', 'a/b', '', '.hidden', 'a\\b', 'x'.repeat(200)]) {
    assert.throws(() => runDirFor(runs, bad), /invalid run id|outside/);
  }
});

test('atomic writes leave the old file intact when the write fails, and no temp files', () => {
  const dir = tmp();
  const file = path.join(dir, 'run.json');
  writeFileAtomic(file, 'old');
  fs.mkdirSync(file + '.blocker');
  assert.throws(() => writeFileAtomic(path.join(dir, 'missing-dir', 'x.json'), 'new'));
  assert.equal(fs.readFileSync(file, 'utf8'), 'old');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['run.json', 'run.json.blocker']);
});

test('checkpoint swap: a failing save keeps the previous checkpoint complete', async () => {
  const runs = tmp();
  const w = RunWriter.create(runs, config);
  await w.saveCheckpoint('model', async (d) => fs.writeFileSync(path.join(d, 'weights.bin'), 'v1'));
  await assert.rejects(
    w.saveCheckpoint('model', async (d) => {
      fs.writeFileSync(path.join(d, 'weights.bin'), 'half');
      throw new Error('disk full');
    }),
    /disk full/,
  );
  assert.equal(fs.readFileSync(path.join(w.dir, 'model', 'weights.bin'), 'utf8'), 'v1');
  await w.saveCheckpoint('model', async (d) => fs.writeFileSync(path.join(d, 'weights.bin'), 'v2'));
  assert.equal(fs.readFileSync(path.join(w.dir, 'model', 'weights.bin'), 'utf8'), 'v2');
  assert.deepEqual(
    fs.readdirSync(w.dir).filter((n) => n.startsWith('.')),
    [],
  );
  w.close();
});

test('an unusable runs directory is a clear error naming it', () => {
  const dir = tmp();
  const file = path.join(dir, 'not-a-dir');
  fs.writeFileSync(file, '');
  assert.throws(() => RunWriter.create(path.join(file, 'runs'), config), /cannot create the runs directory .*not-a-dir/);
});
