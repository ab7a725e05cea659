import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { mock, test } from 'node:test';
import { readMetricsFile } from '../../src/shared/metricsFollower';
import { HEARTBEAT_MS, STALE_AFTER_MS, localProbe, trainerLiveness, type ProcessProbe } from '../../src/shared/runLiveness';
import { listRuns, readRun, runDirFor } from '../../src/shared/runReader';
import { makeConfig } from '../../src/shared/trainConfig';
import type { RunRecord } from '../../src/shared/runSchema';
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

// ---------------------------------------------------------------------------------------------
// Issue 13, defect 5: a run directory never exists without its run.json.

test('a reader never sees a run directory without its run.json, whatever instant it looks', () => {
  const runs = tmp();
  fs.mkdirSync(runs, { recursive: true });
  // Look at the runs directory before every file-system call the creation makes (on node:fs itself,
  // which the run store's bindings read at each call).
  const nodeFs = createRequire(__filename)('node:fs') as Record<string, unknown>;
  const seen: string[] = [];
  const calls = ['openSync', 'writeFileSync', 'fsyncSync', 'closeSync', 'renameSync', 'mkdirSync', 'mkdtempSync'];
  const originals = calls.map((name) => [name, nodeFs[name]] as const);
  let looking = false;
  for (const [name, original] of originals) {
    nodeFs[name] = (...args: unknown[]) => {
      if (!looking) {
        looking = true;
        for (const e of listRuns(runs)) seen.push(e.ok ? `${e.record.id}: ok` : `${e.id}: ${e.reason}`);
        looking = false;
      }
      return (original as (...a: unknown[]) => unknown)(...args);
    };
  }
  let writers: RunWriter[];
  try {
    writers = [RunWriter.create(runs, config), RunWriter.create(runs, config)];
  } finally {
    for (const [name, original] of originals) nodeFs[name] = original;
  }
  assert.ok(seen.length > 0, 'the directory was looked at while runs were created');
  assert.deepEqual(
    seen.filter((s) => !s.endsWith(': ok')),
    [],
    'every run listed at any instant was complete',
  );
  assert.deepEqual(listRuns(runs).length, 2);
  for (const w of writers) w.close();
});

test('a creation cut short leaves only a hidden staging directory, which is not listed', () => {
  const runs = tmp();
  fs.mkdirSync(path.join(runs, '.new-run-abc123'));
  fs.writeFileSync(path.join(runs, '.new-run-abc123', 'metrics.jsonl'), '');
  assert.deepEqual(listRuns(runs), []);
});

// ---------------------------------------------------------------------------------------------
// Issue 13, defect 4: no run is "running" for ever.

const running = (extra: Partial<RunRecord>): RunRecord => ({
  schemaVersion: 1,
  id: 'r',
  name: 'r',
  model: 'mvae',
  status: 'running',
  config,
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  epochsCompleted: 0,
  steps: 0,
  epochSeconds: [],
  artifacts: {},
  ...extra,
});
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

test("the trainer's own record reads as running: its pid and start time match", () => {
  const w = RunWriter.create(tmp(), config);
  const e = readRun(w.dir);
  assert.ok(e.ok);
  assert.equal(e.record.status, 'running');
  assert.equal(e.record.pid, process.pid);
  assert.equal(e.record.pidStart, localProbe.startToken(process.pid));
  w.close();
});

test('a live but unrelated process (a reused pid: another start time) is no trainer: interrupted at once', () => {
  const record = running({ pid: process.pid, pidStart: 'another-boot:12345', host: os.hostname() });
  assert.equal(trainerLiveness(record).alive, false);
});

test('another host: running while its heartbeat is fresh, interrupted once it is stale', () => {
  const fresh = running({ host: 'elsewhere', pid: 4242, updatedAt: ago(HEARTBEAT_MS) });
  assert.deepEqual(trainerLiveness(fresh), { alive: true });
  const stale = running({ host: 'elsewhere', pid: 4242, updatedAt: ago(STALE_AFTER_MS + 1000) });
  const verdict = trainerLiveness(stale);
  assert.equal(verdict.alive, false);
  assert.match(verdict.alive ? '' : verdict.reason, /the trainer on elsewhere stopped reporting 3 minutes ago/);
  // And as every reader sees it:
  const runs = tmp();
  fs.mkdirSync(path.join(runs, 'r'));
  fs.writeFileSync(path.join(runs, 'r', 'run.json'), JSON.stringify(stale));
  const e = readRun(path.join(runs, 'r'));
  assert.ok(e.ok && e.record.status === 'interrupted');
});

test('a record without a start time (an older trainer) naming a live process: running only while its heartbeat is fresh', () => {
  const base = { pid: process.pid, host: os.hostname() };
  assert.equal(trainerLiveness(running({ ...base, updatedAt: ago(1000) })).alive, true);
  assert.equal(trainerLiveness(running({ ...base, updatedAt: ago(STALE_AFTER_MS + 1000) })).alive, false);
});

test('a zombie is dead, whatever kill(pid, 0) says; a machine without /proc falls back to the heartbeat', () => {
  const probe = (state: ReturnType<ProcessProbe['state']>, token?: string): ProcessProbe => ({
    hostname: () => 'h',
    state: () => state,
    startToken: () => token,
  });
  const record = running({ pid: 77, pidStart: 'b:1', host: 'h' });
  assert.equal(trainerLiveness(record, Date.now(), probe('zombie', 'b:1')).alive, false);
  assert.equal(trainerLiveness(record, Date.now(), probe('alive', 'b:1')).alive, true);
  // No /proc: no start time to compare, so the heartbeat decides.
  assert.equal(trainerLiveness(record, Date.now(), probe('alive')).alive, true);
  assert.equal(trainerLiveness({ ...record, updatedAt: ago(STALE_AFTER_MS + 1) }, Date.now(), probe('alive')).alive, false);
});

test('while a run is running its run.json is rewritten every HEARTBEAT_MS', async () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    const w = RunWriter.create(tmp(), config);
    const before = readRun(w.dir);
    await new Promise((r) => setImmediate(r));
    const wait = Date.now() + 5;
    while (Date.now() < wait); // a later millisecond for the next updatedAt
    mock.timers.tick(HEARTBEAT_MS);
    const after = readRun(w.dir);
    assert.ok(before.ok && after.ok);
    assert.ok(Date.parse(after.record.updatedAt) > Date.parse(before.record.updatedAt), 'updatedAt moved on');
    w.close();
  } finally {
    mock.timers.reset();
  }
});
