/**
 * Issue 13, defects 1-3, as the user meets them through `vaerec train`: the trainer's last messages
 * always arrive (however long what they quote), a CLI ended by any signal (SIGTERM from `kill` or
 * `timeout`, SIGHUP from a closed terminal, SIGKILL) takes its trainer with it and the run is
 * recorded, and one Ctrl-C cancels however long the current phase takes: the best weights are
 * tested, nothing is killed. Runs the bundled dist/cli.js (npm test builds first).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { localProbe } from '../../src/shared/runLiveness';
import { listRuns, readRun } from '../../src/shared/runReader';
import type { RunRecord } from '../../src/shared/runSchema';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli, cliInBackground, lastJson, trainArgs, waitFor } from '../helpers/cli';

after(removeTempDirs);

const ROOT = path.resolve(__dirname, '../..');
const SLOW_WRITE = path.join(ROOT, 'test/fixtures/slowWrite.mjs');

/** Waits as long as a loaded machine may need for what a trainer writes. */
const waitLong = <T>(what: string, probe: () => T | undefined) => waitFor(what, probe, 150_000);

/** A CLI training run in the background, and the record of its run once it has one. */
function startCli(data: string, runs: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const run = cliInBackground(trainArgs(data, runs, ['--heldout', '100', ...extra]), { env });
  const record = (epochs: number) =>
    waitLong(`epoch ${epochs}`, () => {
      const e = listRuns(runs)[0];
      return e?.ok && e.record.epochsCompleted >= epochs ? e.record : undefined;
    });
  return { ...run, record };
}

/** The trainer of a record is gone (exited, or a zombie nobody reaps, which is as dead). */
const trainerGone = (r: RunRecord) => waitLong(`trainer ${r.pid} to end`, () => (localProbe.state(r.pid!) !== 'alive' ? true : undefined));

const bigger = { users: 1500, items: 400, seed: 5, clusters: 4 };

describe("the trainer's last messages arrive", () => {
  const data = removeLater(makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 }));
  // A crash-damaged file: a megabyte of NUL bytes on one line, a megabyte of garbage on another.
  const lines = fs.readFileSync(path.join(data, 'ratings.dat'), 'latin1').split('\n');
  lines[40] = '\u0000'.repeat(1 << 20);
  lines[50] = `${'x'.repeat(1 << 20)}::1::5::978300760`;
  fs.writeFileSync(path.join(data, 'ratings.dat'), lines.join('\n'), 'latin1');

  it('a completed run with megabyte-long bad rows skipped: completed, exit 0, --json prints the summary', () => {
    const r = cli(['train', '--data', data, '--runs-dir', tempDir(), '--epochs', '1', '--heldout', '20', '--json', '--skip-bad-rows']);
    assert.equal(r.code, 0, r.stderr.slice(0, 2000));
    assert.equal(lastJson(r.stdout).status, 'completed');
    const warning = r.stderr.split('\n').find((l) => l.startsWith('warning: skipped'));
    assert.ok(warning && warning.length < 1000, `one readable warning line (${warning?.length} characters)`);
    assert.match(warning, /ratings\.dat:41: .*ratings\.dat:51: user id "x{80}"… \(1048576 characters\)/);
  });

  it('a failed load keeps its reason: the line that failed, not "the trainer exited with code 1"', () => {
    const r = cli(['train', '--data', data, '--runs-dir', tempDir(), '--epochs', '1', '--heldout', '20', '--json']);
    assert.equal(r.code, 2);
    assert.equal(lastJson(r.stdout).status, 'failed');
    assert.equal(r.stderr.trim(), `vaerec: error: ${data}/ratings.dat:41: expected 4 fields separated by '::', found 1 (wrong delimiter or a damaged line?)`);
  });
});

describe('a CLI ended by a signal takes its trainer with it, and the run is recorded', () => {
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(
      `${signal} to the CLI cancels like Ctrl-C: exit 130, the run cancelled with its best weights tested, no trainer left`,
      { timeout: 240_000 },
      async () => {
        const runs = tempDir();
        const run = startCli(removeLater(makeFixtureDir('ml-1m', bigger)), runs, ['--epochs', '500']);
        const record = await run.record(1);
        run.child.kill(signal);
        const r = await run.closed;
        assert.equal(r.code, 130, r.stderr);
        const summary = lastJson(r.stdout);
        assert.equal(summary.status, 'cancelled');
        assert.ok((summary.test as Record<string, number>)['ndcg@100'] > 0, 'the best weights were tested');
        await trainerGone(record);
        const entry = readRun(path.join(runs, record.id));
        assert.ok(entry.ok && entry.record.status === 'cancelled');
      },
    );
  }

  it('SIGKILL to the CLI: the trainer sees its parent gone, stops and records the run as cancelled', { timeout: 240_000 }, async () => {
    const runs = tempDir();
    const run = startCli(removeLater(makeFixtureDir('ml-1m', bigger)), runs, ['--epochs', '500']);
    const record = await run.record(1);
    run.child.kill('SIGKILL');
    await run.closed;
    await trainerGone(record);
    const entry = readRun(path.join(runs, record.id));
    assert.ok(entry.ok);
    assert.equal(entry.record.status, 'cancelled', 'not trained to the end, not left running');
    assert.ok(entry.record.epochsCompleted < 500);
    assert.ok(entry.record.test && entry.record.test['ndcg@100'] > 0, 'the best weights were tested');
  });
});

describe('one Ctrl-C cancels however long the current phase takes', () => {
  it('during a checkpoint save slower than the old 10 s kill timer: not killed; cancelled, exit 130, best weights tested', { timeout: 240_000 }, async () => {
    const runs = tempDir();
    const run = startCli(removeLater(makeFixtureDir('ml-1m', bigger)), runs, ['--epochs', '500'], {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${SLOW_WRITE}`,
      VAEREC_SLOW_WRITE_MATCH: 'weights.bin',
      VAEREC_SLOW_WRITE_MS: '15000',
    });
    // The first checkpoint is being written (15 s for its weights).
    const dir = await waitLong('the first checkpoint save', () => {
      const e = listRuns(runs)[0];
      return e && fs.existsSync(path.join(e.dir, '.model.next')) ? e.dir : undefined;
    });
    run.child.kill('SIGINT');
    const r = await run.closed;
    assert.equal(r.code, 130, r.stderr);
    const summary = lastJson(r.stdout);
    assert.equal(summary.status, 'cancelled');
    assert.ok((summary.test as Record<string, number>)['ndcg@100'] > 0, 'the best weights were tested');
    const entry = readRun(dir);
    assert.ok(entry.ok && entry.record.status === 'cancelled' && entry.record.artifacts.model === 'model');
  });
});
