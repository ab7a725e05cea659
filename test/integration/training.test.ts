/// <reference types="mocha" />
/**
 * Trains the generated fixture dataset through the command API in the real extension host: the
 * trainer child process runs, the run goes running -> completed in the tree, and the metrics a
 * RunsSource consumer follows (read from the run's metrics.jsonl while it grows) match the file
 * without duplicates.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { VaerecApi } from '../../src/extension/extension';
import type { TrainingOutcome } from '../../src/extension/trainingSession';
import type { MetricsLine } from '../../src/shared/runSchema';
import { parseMetricsLines } from '../../src/shared/runSchema';
import { activateExtension, runsDir, waitFor } from './helpers';

const key = (l: MetricsLine) => `${l.kind}:${l.kind === 'step' ? l.step : l.epoch}`;

suite('Training', () => {
  let api: VaerecApi;

  suiteSetup(async () => {
    api = await activateExtension();
  });

  test('trains the fixture dataset to a completed run listed in the tree', async function () {
    this.timeout(180_000);
    // What a consumer such as the dashboard sees: the series via metrics() once the run is known,
    // then appended lines (a run's lines are events only once someone asked for its series).
    const appended: MetricsLine[] = [];
    let appendedWhileRunning = 0;
    let runId: string | undefined;
    const sub = api.runs.onDidChange((c) => {
      const lines = runId ? c.appended[runId] : undefined;
      if (!lines) return;
      appended.push(...lines);
      const e = api.runs.get(runId!);
      if (e?.ok && e.record.status === 'running') appendedWhileRunning += lines.length;
    });
    try {
      // The settings name the dataset; the arguments shorten the run further.
      runId = await vscode.commands.executeCommand<string | undefined>('vaerec.trainMvae', { overrides: { epochs: 4, hidden: 64, latent: 16 } });
      assert.ok(runId, 'the command resolves with the new run id');
      const snapshot = (await api.runs.metrics(runId)).lines;
      assert.equal(api.training.activeRunId, runId);
      const again = await vscode.commands.executeCommand<string | undefined>('vaerec.trainMdae', { overrides: {} });
      assert.equal(again, undefined, 'a second run is refused while one trains');

      const id = runId;
      await waitFor(
        `${id} completed`,
        () => {
          const e = api.runs.get(id);
          return e?.ok && e.record.status === 'completed';
        },
        150_000,
        250,
      );
      await waitFor('the training session to end', () => !api.training.busy, 10_000);
      assert.ok(api.tree.getChildren().includes(id));
      const treeItem = api.tree.getTreeItem(id);
      // Completed with saved weights: the Inspect menu entry matches "inspectable".
      assert.equal(treeItem.contextValue, 'completed inspectable');
      assert.match(String(treeItem.description), /^Mult-VAE · best NDCG@100 0\.\d{3}$/);

      await new Promise((r) => setTimeout(r, 500));
      const final = parseMetricsLines(fs.readFileSync(path.join(runsDir(), id, 'metrics.jsonl'), 'utf8')).lines;
      assert.ok(
        final.some((l) => l.kind === 'epoch'),
        'epoch lines were recorded',
      );
      assert.ok(appendedWhileRunning > 0, 'lines reached the consumer while the run was training');
      const delivered = [...snapshot, ...appended].map(key);
      assert.equal(new Set(delivered).size, delivered.length, 'no line was delivered twice');
      assert.deepEqual(delivered, final.map(key), 'snapshot + appended lines equal the file');
    } finally {
      sub.dispose();
    }
  });

  /** The next end of a run this window trains, as the user is told it. */
  const nextOutcome = () =>
    new Promise<TrainingOutcome>((resolve) => {
      const sub = api.training.onDidEnd((o) => {
        sub.dispose();
        resolve(o);
      });
    });

  /** A copy of the workspace's dataset with a crash-damaged ratings.dat: a megabyte of NUL bytes on line 41. */
  function damagedDataset(): string {
    const source = vscode.workspace.getConfiguration('vaerec').get<string>('dataset')!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-damaged-'));
    fs.cpSync(source, dir, { recursive: true });
    const lines = fs.readFileSync(path.join(dir, 'ratings.dat'), 'latin1').split('\n');
    lines[40] = '\u0000'.repeat(1 << 20);
    fs.writeFileSync(path.join(dir, 'ratings.dat'), lines.join('\n'), 'latin1');
    return dir;
  }

  test("a megabyte-long damaged line: the window reports the trainer's own words, not an unexpected exit", async function () {
    this.timeout(120_000);
    const dataset = damagedDataset();
    let ended = nextOutcome();
    const refused = await vscode.commands.executeCommand<string | undefined>('vaerec.trainMvae', { dataset, overrides: { epochs: 1 } });
    assert.equal(refused, undefined, 'no run was created');
    let outcome = await ended;
    assert.equal(outcome.status, 'failed');
    assert.equal(
      outcome.message,
      `Cannot train Mult-VAE: ${dataset}/ratings.dat:41: expected 4 fields separated by '::', found 1 (wrong delimiter or a damaged line?)`,
    );

    ended = nextOutcome();
    const runId = await vscode.commands.executeCommand<string | undefined>('vaerec.trainMvae', {
      dataset,
      overrides: { epochs: 1, data: { onBadRow: 'skip' } },
    });
    assert.ok(runId, 'skipping the bad row, the run starts');
    outcome = await ended;
    assert.equal(outcome.status, 'completed', outcome.message);
    assert.match(outcome.message, /^Mult-VAE run .* completed: test NDCG@100 0\.\d+\.$/);
    const entry = api.runs.get(runId);
    assert.ok(entry?.ok);
    assert.equal(entry.record.dataWarnings?.skippedRows?.count, 1, 'run.json records the skipped row');
  });

  test('the trainer this window started, sent SIGTERM (a kill from a terminal): cancelled and recorded, and the window says so', async function () {
    this.timeout(180_000);
    const ended = nextOutcome();
    const runId = await vscode.commands.executeCommand<string | undefined>('vaerec.trainMvae', { overrides: { epochs: 300 } });
    assert.ok(runId);
    const record = await waitFor(
      'the first epoch',
      () => {
        const e = api.runs.get(runId);
        return e?.ok && e.record.epochsCompleted >= 1 ? e.record : undefined;
      },
      120_000,
      200,
    );
    process.kill(record.pid!, 'SIGTERM');
    const outcome = await ended;
    assert.equal(outcome.status, 'cancelled', outcome.message);
    await waitFor('the window to be idle', () => !api.training.busy, 10_000);
    const final = JSON.parse(fs.readFileSync(path.join(runsDir(), runId, 'run.json'), 'utf8')) as { status: string; test?: unknown };
    assert.equal(final.status, 'cancelled');
    assert.ok(final.test, 'the best weights were tested');
  });

  test('Stop twice: the first asks the trainer to finish its batch, the second kills it', async function () {
    this.timeout(180_000);
    const ended = nextOutcome();
    const runId = await vscode.commands.executeCommand<string | undefined>('vaerec.trainMvae', { overrides: { epochs: 300 } });
    assert.ok(runId);
    await waitFor(
      'the first epoch',
      () => {
        const e = api.runs.get(runId);
        return e?.ok && e.record.epochsCompleted >= 1;
      },
      120_000,
      200,
    );
    await vscode.commands.executeCommand('vaerec.stopTraining');
    await vscode.commands.executeCommand('vaerec.stopTraining');
    const outcome = await ended;
    assert.equal(outcome.status, undefined, `killed before it recorded a result: ${outcome.message}`);
    api.runs.refresh();
    const entry = api.runs.get(runId);
    assert.ok(entry?.ok);
    assert.equal(entry.record.status, 'interrupted', 'its run.json still says running, with a dead pid');
  });

  test('reports a trainer that dies before starting and frees the window for the next run', async function () {
    this.timeout(30_000);
    // A "node" that crashes at once, as a broken vaerec.nodePath would.
    const fake = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-fake-node-')), 'node');
    fs.writeFileSync(fake, '#!/bin/sh\necho "fake runtime: cannot start" >&2\nexit 3\n', { mode: 0o755 });
    const config = vscode.workspace.getConfiguration('vaerec');
    await config.update('nodePath', fake, vscode.ConfigurationTarget.Workspace);
    try {
      const runId = await vscode.commands.executeCommand<string | undefined>('vaerec.trainMvae', { overrides: { epochs: 1 } });
      assert.equal(runId, undefined, 'no run was started');
      await waitFor('the session to be idle again', () => !api.training.busy, 10_000);
    } finally {
      await config.update('nodePath', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
