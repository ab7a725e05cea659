/**
 * Issue 7, process faults: a trainer killed with SIGKILL, a full or unwritable runs directory,
 * cancel while loading, evaluating or saving a checkpoint, two runs at once, and a trainer whose
 * parent (a VS Code window) goes away. After each, the run directory must tell the truth: never
 * "running" for a dead trainer, metrics readable up to the last full epoch, the best checkpoint
 * loadable, no temporary files left. Uses the bundled dist/ (npm test builds first).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { readMetricsFile } from '../../src/shared/metricsFollower';
import { listRuns, readRun } from '../../src/shared/runReader';
import type { RunRecord } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import type { TrainerToParent } from '../../src/shared/trainerMessages';
import { selectBackend } from '../../src/trainer/backend';
import { loadMultVae } from '../../src/trainer/model/multvae';
import { runTraining } from '../../src/trainer/train';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli, cliInBackground, lastJson, trainArgs, waitFor } from '../helpers/cli';

after(removeTempDirs);

const ROOT = path.resolve(__dirname, '../..');
const TRAINER = path.join(ROOT, 'dist/trainer.js');
if (!fs.existsSync(TRAINER)) throw new Error('dist/ is missing: run npm run build first');
const DISK_FULL = path.join(ROOT, 'test/fixtures/diskFull.mjs');

const small = { users: 240, items: 90, seed: 11, clusters: 3 };
const bigger = { users: 1500, items: 400, seed: 5, clusters: 4 };

/** What a run directory must look like after any ending: metrics readable, no temporary files, a loadable checkpoint if one is recorded. */
async function checkRunDir(dir: string, record: RunRecord): Promise<void> {
  const metrics = await readMetricsFile(path.join(dir, 'metrics.jsonl'));
  assert.equal(metrics.bad, 0, 'no garbage in metrics.jsonl');
  const epochs = metrics.lines.filter((l) => l.kind === 'epoch').map((l) => l.epoch);
  assert.deepEqual(
    epochs,
    Array.from({ length: record.epochsCompleted }, (_, i) => i + 1),
    'an epoch line for every completed epoch',
  );
  const leftovers = fs.readdirSync(dir).filter((n) => n.startsWith('.') || n.includes('.tmp-'));
  assert.deepEqual(leftovers, [], 'no temporary files or half-swapped checkpoints');
  if (record.artifacts.model) {
    await selectBackend('cpu', () => undefined);
    const model = await loadMultVae(path.join(dir, record.artifacts.model));
    model.dispose();
  }
}

describe('the trainer killed with SIGKILL', () => {
  it('mid-epoch: `vaerec runs --json` shows it interrupted with its epochs, metrics readable, best checkpoint usable', { timeout: 240_000 }, async () => {
    const data = removeLater(makeFixtureDir('ml-1m', bigger));
    const runs = tempDir();
    const { exited } = cliInBackground(trainArgs(data, runs, ['--epochs', '500', '--heldout', '100']));
    const record = await waitFor('two epochs', () => {
      const e = listRuns(runs)[0];
      return e?.ok && e.record.epochsCompleted >= 2 ? e.record : undefined;
    });
    process.kill(record.pid!, 'SIGKILL');
    assert.equal(await exited, 1, 'the CLI reports the dead trainer with exit code 1');

    const listed = JSON.parse(cli(['runs', '--runs-dir', runs, '--json']).stdout) as {
      id: string;
      status: string;
      epochs: number;
      dir: string;
      error?: string;
    }[];
    assert.equal(listed.length, 1);
    assert.equal(listed[0].status, 'interrupted');
    assert.match(listed[0].error ?? '', /trainer process is gone/);
    const entry = readRun(listed[0].dir);
    assert.ok(entry.ok);
    assert.equal(listed[0].epochs, entry.record.epochsCompleted);
    assert.ok(listed[0].epochs >= 2);
    await checkRunDir(entry.dir, entry.record);

    // The best checkpoint serves recommendations although the run never finished.
    const split = JSON.parse(fs.readFileSync(path.join(entry.dir, 'split.json'), 'utf8')) as { test: { user: string }[] };
    const rec = cli(['recommend', '--run', entry.dir, '--user', split.test[0].user, '--k', '5', '--json']);
    assert.equal(rec.code, 0, rec.stderr);
    assert.equal((JSON.parse(rec.stdout) as { items: unknown[] }).items.length, 5);
  });
});

describe('a full or unwritable runs directory', () => {
  // Some room left: the final run.json still fits and records the failure. No room at all: run.json
  // keeps its last good version, "running" with a dead pid, which every reader shows as interrupted.
  for (const [roomLeft, expected] of [
    [true, 'failed'],
    [false, 'interrupted'],
  ] as const) {
    it(
      `the disk fills up mid-run (ENOSPC, ${roomLeft ? 'some' : 'no'} room left): one clear line, the run ${expected}, metrics and checkpoint intact`,
      { timeout: 180_000 },
      async () => {
        const data = removeLater(makeFixtureDir('ml-1m', bigger));
        const runs = tempDir();
        // Room for run.json, split.json, metrics and one checkpoint (~3.4 MB of weights), not for a second.
        const r = cli(trainArgs(data, runs, ['--epochs', '30', '--heldout', '100']), {
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${DISK_FULL}`,
          VAEREC_DISK_FULL_DIR: runs,
          VAEREC_DISK_FULL_BYTES: String(4_500_000),
          VAEREC_DISK_FULL_STICKY: roomLeft ? '0' : '1',
        });
        assert.equal(r.code, 1, r.stderr);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], /^vaerec: error: .*ENOSPC: no space left on device/);

        const listed = JSON.parse(cli(['runs', '--runs-dir', runs, '--json']).stdout) as { status: string; epochs: number }[];
        assert.equal(listed.length, 1);
        assert.equal(listed[0].status, expected, 'never "running" for a dead trainer');
        const [entry] = listRuns(runs);
        assert.ok(entry?.ok, 'the run is still readable');
        assert.ok(entry.record.epochsCompleted >= 1 && entry.record.epochsCompleted < 30, `stopped at epoch ${entry.record.epochsCompleted}`);
        assert.equal(listed[0].epochs, entry.record.epochsCompleted);
        assert.ok(entry.record.artifacts.model, 'the first checkpoint fitted');
        await checkRunDir(entry.dir, entry.record);
      },
    );
  }

  it('a runs directory that cannot be created: one line naming it, exit 1', () => {
    const data = removeLater(makeFixtureDir('ml-1m', small));
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    const r = cli(trainArgs(data, path.join(file, 'runs'), ['--epochs', '1']));
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`^vaerec: error: cannot create the runs directory ${file}/runs: ENOTDIR`));
    // File modes do not bind root (CI runs as root), so the read-only case is checked where they do.
    if (process.getuid?.() !== 0) {
      const readOnly = tempDir();
      fs.chmodSync(readOnly, 0o555);
      try {
        const ro = cli(trainArgs(data, readOnly, ['--epochs', '1']));
        assert.equal(ro.code, 1);
        assert.match(ro.stderr.trim(), new RegExp(`^vaerec: error: cannot create a run directory in ${readOnly}: EACCES`));
      } finally {
        fs.chmodSync(readOnly, 0o755);
      }
    }
  });
});

describe('cancel at every phase', () => {
  const data = removeLater(makeFixtureDir('ml-1m', small));
  const config = makeConfig('mvae', data, { epochs: 3, hidden: 32, latent: 8, backend: 'cpu', protocol: { heldoutUsers: 20 } });

  /** Trains in this process and cancels when `when` first matches a message, as a parent's cancel would. */
  async function cancelWhen(when: (m: TrainerToParent) => boolean) {
    const runsDir = tempDir();
    const controller = new AbortController();
    const messages: TrainerToParent[] = [];
    const record = await runTraining({
      config,
      runsDir,
      cacheDir: tempDir(),
      signal: controller.signal,
      emit: (m) => {
        messages.push(m);
        if (!controller.signal.aborted && when(m)) controller.abort();
      },
    });
    const done = messages.at(-1);
    assert.equal(done?.type, 'done');
    return { record, runsDir, done: done as Extract<TrainerToParent, { type: 'done' }> };
  }

  it('while loading the data: cancelled, and no run directory was made', async () => {
    const { record, runsDir, done } = await cancelWhen((m) => m.type === 'phase' && m.phase === 'load');
    assert.equal(record, undefined);
    assert.equal(done.status, 'cancelled');
    assert.deepEqual(fs.readdirSync(runsDir), []);
  });

  for (const phase of ['evaluate', 'checkpoint'] as const) {
    it(`while ${phase === 'evaluate' ? 'evaluating' : 'saving the checkpoint'}: the epoch completes, the run is cancelled with its checkpoint whole`, async () => {
      const { record, done } = await cancelWhen((m) => m.type === 'phase' && m.phase === phase);
      assert.ok(record);
      assert.equal(record.status, 'cancelled');
      assert.equal(done.status, 'cancelled');
      assert.equal(record.epochsCompleted, 1, 'stops at the next batch, after recording epoch 1');
      assert.ok(record.test && record.test['ndcg@100'] > 0, 'the saved checkpoint was tested');
      const entry = readRun(path.join(path.dirname(done.runDir!), record.id));
      assert.ok(entry.ok && entry.record.status === 'cancelled');
      await checkRunDir(entry.dir, entry.record);
    });
  }
});

describe('cancel inside a long validation pass', () => {
  it('stops between its chunks: the epoch is recorded without a score, the best weights so far are tested', { timeout: 240_000 }, async () => {
    // 1100 validation users: three chunks of at most 500.
    const data = removeLater(makeFixtureDir('ml-1m', { users: 3000, items: 200, seed: 9, clusters: 4 }));
    const config = makeConfig('mvae', data, { epochs: 5, hidden: 32, latent: 8, backend: 'cpu', protocol: { heldoutUsers: 1100 } });
    const controller = new AbortController();
    const messages: TrainerToParent[] = [];
    const record = await runTraining({
      config,
      runsDir: tempDir(),
      cacheDir: tempDir(),
      signal: controller.signal,
      emit: (m) => {
        messages.push(m);
        // Cancelled as epoch 2's validation starts: a cancel can only get in between its chunks.
        if (m.type === 'phase' && m.phase === 'evaluate' && m.message === 'validating epoch 2') setImmediate(() => controller.abort());
      },
    });
    assert.ok(record);
    assert.equal(record.status, 'cancelled');
    assert.equal(record.epochsCompleted, 2, 'epoch 2 is recorded');
    assert.equal(record.lastValidation?.epoch, 1, "epoch 2's validation did not finish");
    assert.equal(record.best?.epoch, 1);
    assert.ok(record.test && record.test['ndcg@100'] > 0, "epoch 1's weights were tested");
    const epochs = messages.filter((m): m is Extract<TrainerToParent, { type: 'epoch' }> => m.type === 'epoch');
    assert.deepEqual(
      epochs.map((e) => [e.epoch, e['val_ndcg@100'] !== undefined]),
      [
        [1, true],
        [2, false],
      ],
    );
    const started = messages.find((m): m is Extract<TrainerToParent, { type: 'started' }> => m.type === 'started');
    assert.ok(started);
    await checkRunDir(started.runDir, record);
  });
});

describe('two runs at once', () => {
  it('from two CLIs: both complete, each in its own run directory', { timeout: 180_000 }, async () => {
    const data = removeLater(makeFixtureDir('ml-1m', small));
    const runs = tempDir();
    const start = () => cliInBackground(trainArgs(data, runs, ['--epochs', '2'])).closed;
    const [a, b] = await Promise.all([start(), start()]);
    assert.equal(a.code, 0);
    assert.equal(b.code, 0);
    assert.notEqual(lastJson(a.stdout).runDir, lastJson(b.stdout).runDir);
    const listed = listRuns(runs);
    assert.equal(listed.length, 2);
    assert.ok(listed.every((e) => e.ok && e.record.status === 'completed'));
  });
});

describe('the parent goes away (a window reload)', () => {
  it('the detached trainer finishes its run and records it completed', { timeout: 180_000 }, async () => {
    const data = removeLater(makeFixtureDir('ml-1m', small));
    const runsDir = tempDir();
    const config = makeConfig('mvae', data, { epochs: 6, protocol: { heldoutUsers: 20 } });
    // A stand-in for the extension host: starts the trainer as the extension does, then is killed.
    const parent = [
      "const { startTrainer } = require('./src/trainer/process/client');",
      `startTrainer({ trainerScript: ${JSON.stringify(TRAINER)}, detached: true, onMessage: (m) => m.type === 'started' && console.log(m.runId),`,
      `  request: { type: 'start', config: ${JSON.stringify(config)}, runsDir: ${JSON.stringify(runsDir)}, cacheDir: ${JSON.stringify(tempDir())} } });`,
    ].join('\n');
    const host = spawn(process.execPath, ['--import', 'tsx', '-e', parent], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const runId = await new Promise<string>((resolve) => host.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    host.kill('SIGKILL');
    const record = await waitFor('the orphaned run to end', () => {
      const e = readRun(path.join(runsDir, runId));
      return e.ok && e.record.status !== 'running' ? e.record : undefined;
    });
    assert.equal(record.status, 'completed');
    assert.equal(record.epochsCompleted, 6);
    await checkRunDir(path.join(runsDir, runId), record);
  });
});
