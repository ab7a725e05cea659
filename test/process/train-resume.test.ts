/**
 * `vaerec train --resume RUN_DIR` (issue 15, item 7): a trainer killed with SIGKILL after some
 * epoch, then resumed, gives the run it would have given uninterrupted: the same metrics.jsonl
 * (every step and epoch line, none twice, none missing; wall times aside) and the same test
 * metrics, exactly, on the same backend. Exactly, not within a tolerance: the state restores every
 * float32 buffer bit for bit and both generators to the draw, and the threads are the ones the run
 * trained on, so each step computes the same numbers in the same order. Also: what --resume
 * refuses, and a kill in the middle of saving a training state.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { localProbe } from '../../src/shared/runLiveness';
import { listRuns, readRun } from '../../src/shared/runReader';
import type { RunRecord } from '../../src/shared/runSchema';
import { readTrainingCheckpoint } from '../../src/trainer/trainingCheckpoint';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { CLI, cli, lastJson, waitFor } from '../helpers/cli';

after(removeTempDirs);

const ROOT = path.resolve(__dirname, '../..');
const SLOW_WRITE = path.join(ROOT, 'test/fixtures/slowWrite.mjs');

/** A `vaerec train` in the background. */
function startTrain(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, exited };
}

/** The only run of a runs directory once it has completed `epochs` epochs. */
const runAfter = (runs: string, epochs: number) =>
  waitFor(`epoch ${epochs}`, () => {
    const e = listRuns(runs)[0];
    return e?.ok && e.record.epochsCompleted >= epochs ? e.record : undefined;
  });

/** Kills a run's trainer with SIGKILL, as a crash or the OOM killer would, and waits until it is gone. */
async function killTrainer(r: RunRecord): Promise<void> {
  process.kill(r.pid!, 'SIGKILL');
  await waitFor(`trainer ${r.pid} to end`, () => (localProbe.state(r.pid!) !== 'alive' ? true : undefined));
}

/** metrics.jsonl without the wall-clock fields, which no two runs share. */
function curves(runDir: string): Record<string, unknown>[] {
  return fs
    .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const line = JSON.parse(l) as Record<string, unknown>;
      for (const k of ['time', 'seconds', 'evalSeconds']) delete line[k];
      return line;
    });
}

function record(runDir: string): RunRecord {
  const e = readRun(runDir);
  assert.ok(e.ok, `${runDir} is readable`);
  return e.record;
}

/** Trains the same run twice, at once: one uninterrupted, one killed after `killAfter` epochs and then resumed. */
async function killedAndResumed(
  model: string,
  data: string,
  args: string[],
  killAfter: number,
  env: NodeJS.ProcessEnv = {},
  resumeEnv: NodeJS.ProcessEnv = {},
) {
  const [runsA, runsB] = [tempDir(), tempDir()];
  const common = ['--model', model, '--data', data, '--json', '--quiet', ...args];
  const whole = startTrain([...common, '--runs-dir', runsA]);
  const killed = startTrain([...common, '--runs-dir', runsB], env);
  const before = await runAfter(runsB, killAfter);
  await killTrainer(before);
  const k = await killed.exited;
  assert.equal(k.code, 1, 'the CLI reports its trainer killed');
  const dir = path.join(runsB, before.id);
  assert.equal(record(dir).status, 'interrupted');
  const resumed = cli(['train', '--resume', dir, '--json'], resumeEnv);
  assert.equal(resumed.code, 0, resumed.stderr);
  const w = await whole.exited;
  assert.equal(w.code, 0, w.stderr);
  return {
    whole: lastJson<{ runDir: string; test: Record<string, number> }>(w.stdout),
    resumed: lastJson<{ runDir: string; runId: string; status: string; test: Record<string, number> }>(resumed.stdout),
    resumedStderr: resumed.stderr,
    dir,
    before,
  };
}

function assertSameRun(a: { runDir: string; test: Record<string, number> }, b: { runDir: string; test: Record<string, number> }): void {
  const [ca, cb] = [curves(a.runDir), curves(b.runDir)];
  assert.equal(cb.length, ca.length, 'as many metrics lines as the uninterrupted run: none twice, none missing');
  assert.deepEqual(cb, ca, 'every step and epoch line equal, exactly');
  assert.deepEqual(b.test, a.test, 'the same test metrics, exactly');
  assert.deepEqual(record(b.runDir).best, record(a.runDir).best);
}

const mid = { users: 1500, items: 400, seed: 5, clusters: 4 };
const small = { users: 240, items: 90, seed: 11, clusters: 3 };

describe('a run killed after an epoch, then resumed, is the run never interrupted', () => {
  for (const model of ['mvae', 'mdae'] as const) {
    it(`${model}: same metrics.jsonl and test metrics; epochs before the kill are not trained again`, { timeout: 300_000 }, async () => {
      const data = removeLater(makeFixtureDir('ml-1m', mid));
      const r = await killedAndResumed(model, data, ['--epochs', '8', '--heldout', '100', '--batch-size', '100'], 3);
      assert.equal(r.resumed.status, 'completed');
      assert.equal(r.resumed.runDir, r.dir, 'the same run directory');
      assert.equal(r.resumed.runId, r.before.id, 'the same run id');
      const after = record(r.dir);
      assert.equal(after.resumes?.length, 1);
      assert.ok(after.resumes![0].afterEpoch >= 3, `resumed after epoch ${after.resumes![0].afterEpoch}, not from the start`);
      assertSameRun(r.whole, r.resumed);
      assert.ok(!fs.existsSync(path.join(r.dir, 'training-state')), 'a completed run keeps no training state');
    });
  }

  it('svae: same metrics.jsonl and test metrics', { timeout: 300_000 }, async () => {
    const data = removeLater(makeFixtureDir('ml-1m', small));
    const r = await killedAndResumed('svae', data, ['--epochs', '5', '--heldout', '40', '--batch-size', '20'], 2);
    assert.ok(record(r.dir).resumes![0].afterEpoch >= 2);
    assertSameRun(r.whole, r.resumed);
  });

  it("recvae: its alternating encoder and decoder passes, two optimisers and the prior's encoder carry over", { timeout: 300_000 }, async () => {
    const data = removeLater(makeFixtureDir('ml-1m', small));
    const r = await killedAndResumed('recvae', data, ['--epochs', '4', '--heldout', '40', '--batch-size', '20'], 2);
    assert.ok(record(r.dir).resumes![0].afterEpoch >= 2);
    assertSameRun(r.whole, r.resumed);
  });

  it('trained on two threads, resumed on one: warned, every epoch once, metrics close to the run never interrupted', { timeout: 300_000 }, async (t) => {
    if (os.availableParallelism() < 2) return t.skip(`this machine has ${os.availableParallelism()} core: a run cannot train on two threads here`);
    const data = removeLater(makeFixtureDir('ml-1m', mid));
    // Two threads for the run however this machine's environment sets them, one for its resume.
    const r = await killedAndResumed(
      'mvae',
      data,
      ['--epochs', '6', '--heldout', '100', '--batch-size', '100'],
      2,
      { VAEREC_THREADS: '2' },
      { VAEREC_THREADS: '1' },
    );
    assert.equal(r.before.threads, 2, 'the run began on two threads');
    assert.match(r.resumedStderr, /resuming on 1 training thread, not 2: its metrics may differ in the last digits/);
    assert.equal(r.resumed.status, 'completed');
    const [whole, resumed] = [curves(r.whole.runDir), curves(r.resumed.runDir)];
    const epochs = (c: Record<string, unknown>[]) => c.filter((l) => l.kind === 'epoch').map((l) => l.epoch);
    assert.deepEqual(epochs(resumed), [1, 2, 3, 4, 5, 6], 'every epoch once');
    assert.equal(resumed.length, whole.length, 'as many step lines as the uninterrupted run');
    // Another summation order changes the last digits, not the run: the test metrics agree closely.
    for (const k of ['ndcg@100', 'recall@20', 'recall@50'])
      assert.ok(Math.abs(r.resumed.test[k] - r.whole.test[k]) < 0.01, `${k}: ${r.resumed.test[k]} against ${r.whole.test[k]}`);
  });

  it('a kill while a training state is being written leaves the previous one whole, and the run resumes from it', { timeout: 300_000 }, async () => {
    const data = removeLater(makeFixtureDir('ml-1m', mid));
    const runsA = tempDir();
    const runsB = tempDir();
    const common = ['--data', data, '--json', '--quiet', '--epochs', '6', '--heldout', '100', '--batch-size', '100'];
    const whole = startTrain([...common, '--runs-dir', runsA]);
    // Every training state's buffers take 4 s to write: the kill lands inside the second one or a later one.
    const slow = startTrain([...common, '--runs-dir', runsB], {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${SLOW_WRITE}`,
      VAEREC_SLOW_WRITE_MATCH: 'state.bin',
      VAEREC_SLOW_WRITE_MS: '4000',
    });
    const dir = await waitFor('a training state being written over a complete one', () => {
      const e = listRuns(runsB)[0];
      return e && fs.existsSync(path.join(e.dir, 'training-state', 'state.json')) && fs.existsSync(path.join(e.dir, '.training-state.next'))
        ? e.dir
        : undefined;
    });
    const saved = readTrainingCheckpoint(dir);
    assert.ok(saved, 'the previous state is there');
    await killTrainer(record(dir));
    await slow.exited;
    const left = readTrainingCheckpoint(dir);
    assert.ok(left, 'a state survives the kill');
    assert.ok(left.loop.epoch >= saved.loop.epoch);
    const resumed = cli(['train', '--resume', dir, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(record(dir).resumes![0].afterEpoch, left.loop.epoch, 'resumed from the whole state');
    const w = await whole.exited;
    assertSameRun(lastJson(w.stdout), lastJson(resumed.stdout));
  });
});

describe('what --resume refuses: one line on stderr, exit 2, the run untouched', () => {
  const data = removeLater(makeFixtureDir('ml-1m', small));

  it('a completed run', () => {
    const runs = tempDir();
    const r = cli(['train', '--data', data, '--runs-dir', runs, '--epochs', '2', '--heldout', '40', '--json', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const dir = lastJson<{ runDir: string }>(r.stdout).runDir;
    const before = fs.readFileSync(path.join(dir, 'run.json'), 'utf8');
    const again = cli(['train', '--resume', dir]);
    assert.equal(again.code, 2);
    assert.equal(again.stderr, `vaerec: error: ${dir}: the run is completed; there is nothing to resume\n`);
    assert.equal(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'), before);
  });

  it('a run whose trainer is still running', { timeout: 240_000 }, async () => {
    const runs = tempDir();
    const running = startTrain([
      '--data',
      removeLater(makeFixtureDir('ml-1m', mid)),
      '--runs-dir',
      runs,
      '--epochs',
      '500',
      '--heldout',
      '100',
      '--json',
      '--quiet',
    ]);
    const r = await runAfter(runs, 1);
    const dir = path.join(runs, r.id);
    const again = cli(['train', '--resume', dir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, new RegExp(`^vaerec: error: ${dir}: the run is still running \\(pid ${r.pid} on [^)]+\\)\\n$`));
    running.child.kill('SIGTERM');
    assert.equal((await running.exited).code, 130);
  });

  it('a second resume of a run started at the same moment: one resumes it, the other is refused', { timeout: 240_000 }, async () => {
    const runs = tempDir();
    const first = startTrain([
      '--data',
      removeLater(makeFixtureDir('ml-1m', mid)),
      '--runs-dir',
      runs,
      '--epochs',
      '4',
      '--heldout',
      '100',
      '--json',
      '--quiet',
    ]);
    const before = await runAfter(runs, 1);
    await killTrainer(before);
    await first.exited;
    const dir = path.join(runs, before.id);
    const both = await Promise.all([0, 1].map(() => startTrain(['--resume', dir, '--json', '--quiet']).exited));
    const codes = both.map((b) => b.code).sort();
    assert.deepEqual(codes, [0, 2], both.map((b) => b.stderr).join('\n'));
    const refused = both.find((b) => b.code === 2)!;
    // Refused by the lock while the other loads the data, or by the run's record once it trains.
    assert.match(refused.stderr, new RegExp(`^vaerec: error: ${dir}: the run (is being resumed by pid \\d+|is still running) `));
    assert.equal(record(dir).status, 'completed');
    assert.equal(record(dir).resumes?.length, 1, 'resumed once');
    assert.ok(!fs.existsSync(path.join(dir, 'resume.lock')), 'the lock is gone with its resume');
  });

  it('configuration flags beside --resume, a missing directory, a directory that is no run', () => {
    const dir = tempDir();
    const flags = cli(['train', '--resume', dir, '--epochs', '3']);
    assert.equal(flags.code, 2);
    assert.equal(
      flags.stderr,
      'vaerec: error: --epochs cannot be given with --resume: a resumed run keeps its own configuration (only --backend, --cache-dir, --json and --quiet apply)\n',
    );
    const missing = cli(['train', '--resume', path.join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^vaerec: error: .*nope: .*\n$/);
    const empty = cli(['train', '--resume', dir]);
    assert.equal(empty.code, 2);
    assert.equal(empty.stderr, `vaerec: error: ${dir}: run.json is missing\n`);
  });
});

describe('kinds fitted in one pass are fitted again', () => {
  it('a cancelled EASE run resumed: fitted again in its directory, the same result as before', () => {
    const data = removeLater(makeFixtureDir('ml-1m', small));
    const runs = tempDir();
    const first = cli(['train', '--model', 'ease', '--data', data, '--runs-dir', runs, '--heldout', '40', '--json', '--quiet']);
    assert.equal(first.code, 0, first.stderr);
    const done = lastJson<{ runDir: string; test: Record<string, number> }>(first.stdout);
    const fitted = curves(done.runDir);
    // As a cancel during the fit leaves it, with the fit's candidate lines half written.
    const file = path.join(done.runDir, 'run.json');
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...r, status: 'cancelled', test: undefined }));
    fs.appendFileSync(path.join(done.runDir, 'metrics.jsonl'), '{"kind":"fit","step":9,"epo');
    const again = cli(['train', '--resume', done.runDir, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(lastJson<{ test: Record<string, number> }>(again.stdout).test, done.test);
    assert.deepEqual(curves(done.runDir), fitted, 'the fit lines once each');
  });
});
