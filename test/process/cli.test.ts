/**
 * The `vaerec` CLI and the trainer child process, end to end on generated fixtures: every MovieLens
 * layout trains, the JSON summary has its fields, bad data is one clear line, the same seed repeats
 * its metrics, cancel and kill -9 leave readable runs, and `recommend` agrees with the run's stored
 * recommendations. Runs the bundled dist/cli.js (npm test builds first).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { makeFixtureDir, type FixtureLayout } from '../fixtures/generate';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli, cliInBackground, lastJson, trainArgs as smallTrainArgs, waitFor } from '../helpers/cli';

after(removeTempDirs);

const small = { users: 240, items: 90, seed: 11, clusters: 3 };
const trainArgs = (data: string, runs: string, extra: string[] = []) => smallTrainArgs(data, runs, ['--epochs', '2', ...extra]);

for (const layout of ['ml-100k', 'ml-1m', 'movielens-csv', 'generic-csv', 'generic-tsv'] as FixtureLayout[]) {
  test(`train --json on a ${layout} fixture completes and records the run`, () => {
    const dir = makeFixtureDir(layout, small);
    const data = layout.startsWith('generic') ? path.join(dir, fs.readdirSync(dir)[0]) : dir;
    const runs = tempDir('vaerec-cli-');
    const r = cli(trainArgs(data, runs));
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson(r.stdout);
    assert.equal(out.status, 'completed');
    assert.equal(out.model, 'mvae');
    assert.equal(out.epochs, 2);
    assert.equal(typeof out.backend, 'string');
    assert.equal(typeof out.medianEpochSeconds, 'number');
    const t = out.test as Record<string, number>;
    for (const k of ['ndcg@100', 'recall@20', 'recall@50']) assert.ok(t[k] > 0 && t[k] <= 1, `${k} = ${t[k]}`);
    const runDir = String(out.runDir);
    for (const f of ['run.json', 'metrics.jsonl', 'model/model.json', 'model/weights.bin', 'recommendations.json', 'split.json']) {
      assert.ok(fs.existsSync(path.join(runDir, f)), `${f} missing`);
    }
    const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    assert.equal(record.status, 'completed');
    assert.equal(record.fingerprint.files.length > 0, true);
    assert.equal(record.pid, undefined);
  });
}

test('the same seed repeats split and metrics; Mult-DAE and popularity run on the same split', () => {
  const data = makeFixtureDir('ml-1m', small);
  const runs = tempDir('vaerec-cli-');
  const a = lastJson(cli(trainArgs(data, runs, ['--seed', '7'])).stdout);
  const b = lastJson(cli(trainArgs(data, runs, ['--seed', '7'])).stdout);
  assert.deepEqual(a.test, b.test);
  const dae = cli(trainArgs(data, runs, ['--seed', '7', '--model', 'mdae']));
  assert.equal(dae.code, 0, dae.stderr);
  const pop = cli(trainArgs(data, runs, ['--seed', '7', '--model', 'pop']));
  assert.equal(pop.code, 0, pop.stderr);
  const popOut = lastJson(pop.stdout);
  assert.equal(popOut.status, 'completed');
  assert.equal((popOut.test as Record<string, number>).users, (a.test as Record<string, number>).users);
  const listed = JSON.parse(cli(['runs', '--runs-dir', runs, '--json']).stdout) as { model: string; status: string }[];
  assert.deepEqual(listed.map((r) => r.model).sort(), ['mdae', 'mvae', 'mvae', 'pop']);
  assert.ok(listed.every((r) => r.status === 'completed'));
});

test('bad data: non-zero exit, one line naming the file and line, no run directory', () => {
  const dir = makeFixtureDir('ml-1m', small);
  const ratings = path.join(dir, 'ratings.dat');
  const lines = fs.readFileSync(ratings, 'latin1').split('\n');
  lines[41] = '17::abc::5::978300760';
  fs.writeFileSync(ratings, lines.join('\n'), 'latin1');
  const runs = tempDir('vaerec-cli-');
  const r = cli(trainArgs(dir, runs));
  assert.notEqual(r.code, 0);
  const errLines = r.stderr.trim().split('\n');
  assert.equal(errLines.length, 1, r.stderr);
  assert.match(errLines[0], /^vaerec: error: .*ratings\.dat:42\b/);
  assert.deepEqual(fs.readdirSync(runs), []);
  const missing = cli(trainArgs(path.join(dir, 'nope'), runs));
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr.trim(), /^vaerec: error: .*nope/);
  const usage = cli(['train', '--data', dir, '--epochs', 'ten']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--epochs must be an integer/);
});

function readRecord(runs: string): Record<string, unknown> | undefined {
  const ids = fs.existsSync(runs) ? fs.readdirSync(runs) : [];
  if (ids.length !== 1) return undefined;
  try {
    return JSON.parse(fs.readFileSync(path.join(runs, ids[0], 'run.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const bigger = { users: 1500, items: 400, seed: 5, clusters: 4 };

test('kill -9 of the trainer mid-run: the run reads as interrupted with its epochs so far', async () => {
  const data = makeFixtureDir('ml-1m', bigger);
  const runs = tempDir('vaerec-cli-');
  const { exited } = cliInBackground(trainArgs(data, runs, ['--epochs', '500', '--heldout', '100']));
  const record = await waitFor(
    'two epochs',
    () => {
      const r = readRecord(runs);
      return r && Number(r.epochsCompleted) >= 2 ? r : undefined;
    },
    90_000,
  );
  process.kill(Number(record.pid), 'SIGKILL');
  assert.equal(await exited, 1);
  const listed = JSON.parse(cli(['runs', '--runs-dir', runs, '--json']).stdout) as { status: string; epochs: number; dir: string }[];
  assert.equal(listed.length, 1);
  assert.equal(listed[0].status, 'interrupted');
  assert.ok(listed[0].epochs >= 2);
  const metrics = fs.readFileSync(path.join(listed[0].dir, 'metrics.jsonl'), 'utf8');
  assert.ok(metrics.split('\n').filter((l) => l.includes('"kind":"epoch"')).length >= 2);
  assert.ok(fs.existsSync(path.join(listed[0].dir, 'model', 'weights.bin')), 'the best checkpoint survives');
});

test('Ctrl-C cancels at a batch boundary: status cancelled, exit 130, best weights tested', async () => {
  const data = makeFixtureDir('ml-1m', bigger);
  const runs = tempDir('vaerec-cli-');
  const { child, closed } = cliInBackground(trainArgs(data, runs, ['--epochs', '500', '--heldout', '100']));
  await waitFor(
    'one epoch',
    () => {
      const r = readRecord(runs);
      return r && Number(r.epochsCompleted) >= 1 ? r : undefined;
    },
    90_000,
  );
  child.kill('SIGINT');
  const { code, stdout } = await closed;
  assert.equal(code, 130);
  const out = lastJson(stdout);
  assert.equal(out.status, 'cancelled');
  assert.ok((out.test as Record<string, number>)['ndcg@100'] > 0, 'the best checkpoint was tested');
  assert.equal(readRecord(runs)?.status, 'cancelled');
});

test('recommend: titles, fold-in items excluded, same list as the run stored for that test user', () => {
  const data = makeFixtureDir('ml-1m', small);
  const runs = tempDir('vaerec-cli-');
  const out = lastJson(cli(trainArgs(data, runs)).stdout);
  const runDir = String(out.runDir);
  const stored = JSON.parse(fs.readFileSync(path.join(runDir, 'recommendations.json'), 'utf8')) as { users: { user: string; items: string[] }[] };
  const split = JSON.parse(fs.readFileSync(path.join(runDir, 'split.json'), 'utf8')) as { test: { user: string; foldIn: string[] }[] };
  const user = stored.users[0].user;
  const r = cli(['recommend', '--run', runDir, '--user', user, '--k', '10', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rec = JSON.parse(r.stdout) as { role: string; items: { item: string; title?: string }[] };
  assert.equal(rec.role, 'test');
  assert.deepEqual(
    rec.items.map((i) => i.item),
    stored.users[0].items.slice(0, 10),
  );
  const foldIn = new Set(split.test.find((u) => u.user === user)!.foldIn);
  for (const it of rec.items) {
    assert.ok(!foldIn.has(it.item), `fold-in item ${it.item} recommended`);
    assert.ok(it.title && it.title.length > 0, 'title missing');
  }
  const text = cli(['recommend', '--run', runDir, '--user', user]);
  assert.match(text.stdout, /^run .* user /);
  const unknown = cli(['recommend', '--run', runDir, '--user', 'no-such-user']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr.trim(), /^vaerec: error: user no-such-user does not exist/);
});
