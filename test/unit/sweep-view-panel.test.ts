/**
 * SweepViewPanel against the fake vscode API, on a synthetic sweep in a temporary folder: one panel
 * per sweep, the handshake (the whole state on `ready`), a damaged record shown as a problem, the
 * requests checked and forwarded to the commands that own them, and the restore after a reload.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { RunsChange, RunsSource } from '../../src/extension/runsSource';
import type { RunEntry } from '../../src/shared/runSchema';
import type { SweepViewUpdate } from '../../src/shared/sweepViewMessages';
import { writeSyntheticSweep } from '../fixtures/syntheticSweep';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';
import { FakeEmitter, FakePanelApi, FakeWebviewPanel, fakeUri as uri, serveFakeModules } from '../helpers/fakeVscode';

after(removeTempDirs);

const fakeApi = new FakePanelApi(() => new FakeWebviewPanel<SweepViewUpdate>());
const { panels } = fakeApi;
const calls = Object.assign(fakeApi.calls, { commands: [] as unknown[][] });
serveFakeModules((request) =>
  request === 'vscode'
    ? { ...fakeApi.api(), commands: { executeCommand: (...args: unknown[]) => Promise.resolve(void calls.commands.push(args)) } }
    : undefined,
);

const services = { context: { extensionUri: uri('/ext') }, log: fakeApi.log };

function source(runsDir: string, ids: string[]): RunsSource {
  const entries: RunEntry[] = ids.map((id) => ({ ok: false, dir: path.join(runsDir, id), id, reason: 'not read by this test' }));
  return {
    runsDir,
    list: () => entries,
    get: (id) => entries.find((e) => !e.ok && e.id === id),
    metrics: () => Promise.reject(new Error('unused')),
    onDidChange: new FakeEmitter<RunsChange>().event as RunsSource['onDidChange'],
  };
}

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('the panel: one per sweep, the state on ready, a damaged record as a problem, requests checked and forwarded, restore after a reload', async () => {
  const { SweepViewPanel } = await import('../../src/extension/sweepView/sweepViewPanel');
  type Services = Parameters<typeof SweepViewPanel.createOrShow>[0];
  const { sweepDir, runsDir } = writeSyntheticSweep(tempDir('sweep-panel-'), { trials: 12, running: 1 });
  const runs = source(runsDir, ['synthetic-t0']);
  const view = SweepViewPanel.createOrShow(services as unknown as Services, runs, sweepDir);
  const panel = panels[0];
  assert.match(panel.webview.html, /Loading the sweep…/);
  // Opening the same sweep again reveals the panel instead of making a second one.
  assert.equal(SweepViewPanel.createOrShow(services as unknown as Services, runs, sweepDir + path.sep), view);
  assert.equal(panels.length, 1);
  assert.equal(panel.revealed, 1);

  // Nothing is posted before the page says ready; then the whole state.
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(panel.posted, []);
  panel.received.fire({ type: 'ready' });
  const state = await until('the state', () => panel.posted.find((m) => m.type === 'state'));
  assert.ok(state.type === 'state');
  assert.equal(state.data.trials.length, 12);
  assert.equal(state.data.sweep.dir, sweepDir);
  assert.equal(state.curves.length, 12);

  // Requests: an invalid one is dropped with its reason; openRun reaches the dashboard's command only for a run the dashboard lists.
  panel.received.fire({ type: 'openRun', runId: '../x' });
  panel.received.fire({ type: 'openRun', runId: 'synthetic-t0' });
  panel.received.fire({ type: 'openRun', runId: 'synthetic-t5' });
  panel.received.fire({ type: 'trainBaseline' });
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(calls.warnings.some((w) => w === 'dropped an invalid sweep view message: openRun: expected { runId }'));
  assert.ok(calls.warnings.some((w) => w.startsWith('Run synthetic-t5 is not in the runs directory the dashboard shows')));
  assert.deepEqual(calls.commands, [['vaerec.openDashboard', 'synthetic-t0'], ['vaerec.trainPopularity']]);

  // Live: the record rewritten and a running trial's new epoch in the same second reach the page as `data` and `curves`.
  panel.posted.splice(0);
  const record = JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as { updatedAt: string };
  fs.writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify({ ...record, updatedAt: '2026-11-30T12:00:00.000Z' }));
  const line = { kind: 'epoch', epoch: 28, step: 280, time: 28, seconds: 1, loss: 1, nll: 1, kl: 1, beta: 0.2, negElbo: 1, 'val_ndcg@100': 0.41 };
  fs.appendFileSync(path.join(runsDir, 'synthetic-t11', 'metrics.jsonl'), JSON.stringify(line) + '\n');
  const curves = await until('the new curve points', () => panel.posted.find((m) => m.type === 'curves'));
  assert.ok(curves.type === 'curves');
  assert.deepEqual(
    curves.curves.map((c) => [c.index, c.points.at(-1)]),
    [[11, [28, 0.41]]],
  );
  assert.ok((panel.posted as SweepViewUpdate[]).some((m) => m.type === 'data'));

  // A damaged record: one line naming the file.
  panel.posted.splice(0);
  fs.writeFileSync(path.join(sweepDir, 'sweep.json'), '{"id": "synthetic-20261130-100000", "status": "running"');
  const problem = await until('the problem', () => panel.posted.find((m) => m.type === 'problem'));
  assert.ok(problem.type === 'problem');
  assert.equal(problem.message, `${path.join(sweepDir, 'sweep.json')} is truncated or not valid JSON`);
  view.dispose();

  // After a reload the serializer restores a panel from the saved sweep folder; a bad saved state is refused.
  const registration = SweepViewPanel.registerSerializer(services as unknown as Services, runs);
  const restored = new FakeWebviewPanel<SweepViewUpdate>();
  await fakeApi.serializer?.deserializeWebviewPanel(restored as never, { sweepDir });
  assert.match(restored.webview.html, /Loading the sweep…/);
  const refused = new FakeWebviewPanel<SweepViewUpdate>();
  let closed = false;
  refused.disposed.event(() => (closed = true));
  await fakeApi.serializer?.deserializeWebviewPanel(refused as never, { sweepDir: 'relative' });
  assert.equal(closed, true);
  restored.dispose();
  registration.dispose();
});
