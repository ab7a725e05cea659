/// <reference types="mocha" />
/**
 * Activation, contributions and the Runs tree over the hand-made run fixtures the runner writes
 * into the workspace (completed, failed, interrupted, damaged).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { VaerecApi } from '../../src/extension/extension';
import type { RunsChange } from '../../src/extension/runsSource';
import type { MetricsLine } from '../../src/shared/runSchema';
import { writeRunFixture } from '../e2e/fixtures';
import { activateExtension, runsDir, waitFor } from './helpers';

const COMMANDS = [
  'vaerec.trainMvae',
  'vaerec.trainMdae',
  'vaerec.trainSvae',
  'vaerec.stopTraining',
  'vaerec.openDashboard',
  'vaerec.openSweepView',
  'vaerec.downloadMovieLens1M',
  'vaerec.compareRuns',
  'vaerec.inspectRecommendations',
  'vaerec.rerunWithChanges',
  'vaerec.deleteRun',
  'vaerec.revealRunFolder',
  'vaerec.refreshRuns',
  'vaerec.newSweep',
  'vaerec.startSweep',
  'vaerec.validateSweep',
  'vaerec.stopSweep',
  'vaerec.resumeSweep',
  'vaerec.rerunBestSweep',
  'vaerec.showSweep',
  'vaerec.openSweepFile',
  'vaerec.replaySweep',
];

function item(api: VaerecApi, id: string): vscode.TreeItem {
  return api.tree.getTreeItem(id);
}

function iconId(t: vscode.TreeItem): string | undefined {
  return t.iconPath instanceof vscode.ThemeIcon ? t.iconPath.id : undefined;
}

suite('Extension', () => {
  let api: VaerecApi;

  suiteSetup(async () => {
    api = await activateExtension();
  });

  test('activates and registers every command', async () => {
    assert.ok(vscode.extensions.getExtension('vaerec.vae-recommender-lab')?.isActive);
    const all = await vscode.commands.getCommands(true);
    for (const c of COMMANDS) assert.ok(all.includes(c), `${c} is registered`);
  });

  test('reads the runs directory under the workspace folder', () => {
    assert.equal(api.runs.runsDir, runsDir());
  });

  test('lists the fixture runs with their status icons and best NDCG@100', () => {
    const ids = api.tree.getChildren();
    for (const id of ['fixture-completed', 'fixture-failed', 'fixture-interrupted', 'fixture-damaged'])
      assert.ok(ids.includes(id), `${id} is listed (got ${ids.join(', ')})`);
    const completed = item(api, 'fixture-completed');
    assert.equal(iconId(completed), 'pass');
    assert.equal(completed.contextValue, 'completed');
    assert.equal(completed.description, 'Mult-VAE · best NDCG@100 0.432');
    assert.equal(iconId(item(api, 'fixture-failed')), 'error');
  });

  test('shows a run whose trainer died as interrupted', () => {
    const interrupted = item(api, 'fixture-interrupted');
    assert.equal(interrupted.contextValue, 'interrupted');
    assert.equal(iconId(interrupted), 'debug-disconnect');
  });

  test('lists a damaged run with its reason', () => {
    const damaged = item(api, 'fixture-damaged');
    assert.equal(iconId(damaged), 'warning');
    assert.equal(damaged.description, 'damaged');
    assert.match((damaged.tooltip as vscode.MarkdownString).value, /truncated or not valid JSON/);
  });

  test('picks up a run written by another process (the CLI) without a manual refresh', async () => {
    const id = `fixture-cli-${Date.now()}`;
    writeRunFixture(runsDir(), id, 'completed', { best: 0.25, createdAt: new Date().toISOString() });
    await waitFor(`${id} in the tree`, () => api.tree.getChildren().includes(id), 10_000);
    assert.equal(item(api, id).description, 'Mult-VAE · best NDCG@100 0.250');
  });

  test('emits only the metrics lines appended to a run, once each', async () => {
    const id = 'fixture-completed';
    const before = (await api.runs.metrics(id)).lines.length;
    const seen: MetricsLine[] = [];
    const sub = api.runs.onDidChange((c: RunsChange) => seen.push(...(c.appended[id] ?? [])));
    try {
      const extra: MetricsLine[] = [5, 6].map((n) => ({ kind: 'step', step: n, epoch: 3, time: n, loss: 1, nll: 1, kl: 0, beta: 0, negElbo: 1 }));
      fs.appendFileSync(path.join(runsDir(), id, 'metrics.jsonl'), extra.map((l) => JSON.stringify(l) + '\n').join(''));
      await waitFor('appended lines', () => seen.length >= 2, 10_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(
        seen.map((l) => l.step),
        [5, 6],
      );
      assert.equal((await api.runs.metrics(id)).lines.length, before + 2);
    } finally {
      sub.dispose();
    }
  });

  test('follows a change of vaerec.runsDirectory', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-other-runs-'));
    writeRunFixture(elsewhere, 'fixture-elsewhere', 'cancelled');
    const config = vscode.workspace.getConfiguration('vaerec');
    await config.update('runsDirectory', elsewhere, vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor('the tree to show the other directory', () => api.tree.getChildren().join() === 'fixture-elsewhere', 10_000);
      assert.equal(api.runs.runsDir, elsewhere);
      assert.equal(iconId(item(api, 'fixture-elsewhere')), 'circle-slash');
    } finally {
      await config.update('runsDirectory', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('the workspace runs again', () => api.tree.getChildren().includes('fixture-completed'), 10_000);
  });
});
