/**
 * DashboardPanel against a minimal fake of the vscode API (installed before the panel module is
 * loaded): handshake, validation, selection, throttled appends, command forwarding, export and
 * restore after reload.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DashboardUpdate } from '../../src/shared/dashboardMessages';
import type { MetricsLine, RunEntry, RunRecord } from '../../src/shared/runSchema';
import type { RunsChange, RunsSource } from '../../src/extension/runsSource';
import {
  FakeEmitter as Emitter,
  FakePanelApi,
  FakeWebviewPanel,
  fakeMemento,
  fakeUri as uri,
  serveFakeModules,
  until,
  type FakeUri,
} from '../helpers/fakeVscode';
import { runRecord } from '../helpers/runRecord';

class FakePanel extends FakeWebviewPanel<DashboardUpdate> {
  /** Sends a message as the webview would and lets async handlers run. */
  async send(m: unknown): Promise<void> {
    this.received.fire(m);
    await new Promise((r) => setTimeout(r, 5));
  }
  take(): DashboardUpdate[] {
    return this.posted.splice(0);
  }
}

const fakeApi = new FakePanelApi(() => new FakePanel(), uri('/out/runs.csv'));
const { panels } = fakeApi;
const calls = Object.assign(fakeApi.calls, { commands: [] as unknown[][] });
const fakeVscode = {
  ...fakeApi.api(),
  commands: { executeCommand: (...args: unknown[]) => Promise.resolve(void calls.commands.push(args)) },
};

// Serve the fake for `import 'vscode'`; everything else loads normally.
serveFakeModules((request) => (request === 'vscode' ? fakeVscode : undefined));

const record = (id: string, status: RunRecord['status'] = 'completed'): RunRecord => runRecord(id, { status, config: {} as RunRecord['config'] });
const step = (s: number): MetricsLine => ({ kind: 'step', step: s, epoch: 1, time: s, loss: 1, nll: 1, kl: 1, beta: 0, negElbo: 2 });

function fakeSource() {
  const changes = new Emitter<RunsChange>();
  const entries: RunEntry[] = [
    { ok: true, dir: '/runs/e', record: record('e', 'running') },
    { ok: false, dir: '/runs/d', id: 'd', reason: 'broken' },
    { ok: true, dir: '/runs/c', record: record('c') },
    { ok: true, dir: '/runs/b', record: record('b') },
    { ok: true, dir: '/runs/a', record: record('a') },
  ];
  const metrics: Record<string, MetricsLine[]> = { e: [step(1), step(2)], c: [step(1)], b: [step(1)], a: [step(1)] };
  const source: RunsSource = {
    runsDir: '/runs',
    list: () => entries,
    get: (id) => entries.find((e) => (e.ok ? e.record.id : e.id) === id),
    metrics: async (id) => {
      const lines = metrics[id] ?? [];
      return { lines, stride: 1, stepLines: lines.length, bad: 0, tornTail: false };
    },
    onDidChange: changes.event as RunsSource['onDidChange'],
  };
  return { source, changes, entries, metrics };
}

async function loadPanel() {
  return (await import('../../src/extension/dashboard/dashboardPanel')).DashboardPanel;
}

type Services = Parameters<Awaited<ReturnType<typeof loadPanel>>['createOrShow']>[0];

/** What activate() hands the panels: the extension context (its workspaceState in memory) and the log channel. */
function fakeServices(): Services {
  const context = { extensionUri: uri('/ext'), subscriptions: [] as { dispose(): void }[], workspaceState: fakeMemento() };
  return { context, log: fakeApi.log } as unknown as Services;
}

/**
 * A dashboard on the fake source: created (overlaying `select`, or the default runs), and unless
 * `ready` is false, past the handshake with the full state taken off its queue.
 */
async function openDashboard(opts: { select?: string[]; ready?: boolean; services?: Services; source?: ReturnType<typeof fakeSource> } = {}) {
  const DashboardPanel = await loadPanel();
  const runs = opts.source ?? fakeSource();
  const services = opts.services ?? fakeServices();
  const panel = DashboardPanel.createOrShow(services, runs.source, opts.select);
  const fake = panels.at(-1)!;
  let state: DashboardUpdate[] = [];
  if (opts.ready !== false) {
    await fake.send({ type: 'ready' });
    await until(() => fake.posted.length > 0);
    state = fake.take();
  }
  return { DashboardPanel, panel, fake, services, state, ...runs };
}

test('ready -> full state: newest readable runs selected, stable colours, CSP page shell', async () => {
  const { DashboardPanel, panel, fake, services } = await openDashboard({ ready: false });
  assert.deepEqual(
    (fake.webview.options.localResourceRoots as FakeUri[]).map((u) => u.path),
    ['/ext/dist/webview', '/ext/media'],
  );
  assert.equal(fake.webview.options.retainContextWhenHidden, false);
  assert.match(fake.webview.html, /script-src 'nonce-[^']+'/);
  assert.match(fake.webview.html, /src="https:\/\/webview\/ext\/dist\/webview\/dashboard.js"/);
  assert.match(fake.webview.html, /href="https:\/\/webview\/ext\/dist\/webview\/dashboard.css"/);
  assert.equal(fake.posted.length, 0, 'nothing is sent before ready');

  await fake.send({ type: 'ready' });
  const [state] = fake.take();
  assert.equal(state.type, 'state');
  if (state.type !== 'state') return;
  assert.deepEqual(state.selected, ['e', 'c', 'b']);
  assert.deepEqual(Object.keys(state.series).sort(), ['b', 'c', 'e']);
  assert.equal(state.series.e.length, 2);
  const colours = Object.fromEntries(state.runs.map((r) => [r.entry.ok ? r.entry.record.id : r.entry.id, r.colour]));
  assert.deepEqual(colours, { e: 0, d: 1, c: 2, b: 3, a: 4 });

  // A reload (new panel, same workspace state) keeps the colours even when runs are listed differently.
  panel.dispose();
  const { source: source2, entries } = fakeSource();
  entries.reverse();
  DashboardPanel.createOrShow(services, source2);
  const again = panels.at(-1)!;
  await again.send({ type: 'ready' });
  const [state2] = again.take();
  if (state2.type !== 'state') return assert.fail('expected state');
  assert.deepEqual(Object.fromEntries(state2.runs.map((r) => [r.entry.ok ? r.entry.record.id : r.entry.id, r.colour])), colours);
  again.dispose();
});

test('invalid messages are dropped and logged; nothing is sent or run', async () => {
  const { fake } = await openDashboard();
  calls.warnings.length = 0;
  calls.commands.length = 0;
  for (const m of [null, { type: 'stopRun', runId: '../x' }, { type: 'select', runIds: ['a'], extra: true }, { type: 'evil' }]) await fake.send(m);
  assert.equal(fake.posted.length, 0);
  assert.equal(calls.commands.length, 0);
  assert.equal(calls.warnings.length, 4);
  assert.ok(calls.warnings.every((w) => w.startsWith('dropped an invalid dashboard message')));
  fake.dispose();
});

test('select sends only the new series; unknown or damaged ids are dropped and the selection announced', async () => {
  const { fake, state } = await openDashboard({ select: ['a'] });
  assert.deepEqual((state[0] as { selected: string[] }).selected, ['a']);
  await fake.send({ type: 'select', runIds: ['a', 'b'] });
  await until(() => fake.posted.length > 0);
  assert.deepEqual(fake.take(), [{ type: 'series', series: { b: [step(1)] }, sampling: {} }]);
  await fake.send({ type: 'select', runIds: ['b', 'd', 'zzz'] });
  assert.deepEqual(fake.take(), [{ type: 'select', selected: ['b'] }]);
  fake.dispose();
});

test('appends for selected runs are batched and throttled; others are ignored', async () => {
  const { fake, changes } = await openDashboard({ select: ['e'] });
  for (let s = 3; s < 53; s++) changes.fire({ reload: false, runIds: [], appended: { e: [step(s)], a: [step(s)] }, resampled: [] });
  await until(() => fake.posted.length > 0);
  const first = fake.take();
  assert.deepEqual(
    first.map((m) => m.type),
    ['append'],
  );
  assert.equal(first[0].type === 'append' && first[0].lines.length, 50);
  // (The pacing between batches is tested with a fake clock in dashboard-host.test.ts.)
  changes.fire({ reload: false, runIds: ['e'], appended: { e: [step(53)] }, resampled: [] });
  await until(() => fake.posted.length >= 2);
  assert.deepEqual(
    fake.take().map((m) => m.type),
    ['runs', 'append'],
  );
  fake.dispose();
});

test('hidden panel: updates stop until the recreated page says ready again', async () => {
  const { fake, changes } = await openDashboard({ select: ['e'] });
  fake.visible = false;
  fake.viewState.fire();
  changes.fire({ reload: false, runIds: ['e'], appended: { e: [step(3)] }, resampled: [] });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(fake.posted.length, 0);
  fake.visible = true;
  fake.viewState.fire();
  await fake.send({ type: 'ready' });
  assert.deepEqual(
    fake.take().map((m) => m.type),
    ['state'],
  );
  fake.dispose();
});

test('run actions go to their commands, only for existing runs', async () => {
  const { fake } = await openDashboard({ ready: false });
  calls.commands.length = 0;
  await fake.send({ type: 'stopRun', runId: 'e' });
  await fake.send({ type: 'openRunFolder', runId: 'd' });
  await fake.send({ type: 'openRunFolder', runId: 'nope' });
  await fake.send({ type: 'inspectRun', runId: 'e' });
  await fake.send({ type: 'inspectRun', runId: 'nope' });
  assert.deepEqual(calls.commands, [
    ['vaerec.stopTraining', 'e'],
    ['vaerec.revealRunFolder', 'd'],
    ['vaerec.inspectRecommendations', 'e'],
  ]);
  fake.dispose();
});

test('export writes CSV / JSON of readable runs to the chosen file', async () => {
  const { fake } = await openDashboard({ ready: false });
  calls.writes.length = 0;
  calls.saveAnswer = uri('/out/runs.csv');
  await fake.send({ type: 'export', format: 'csv', runIds: ['e', 'd'] });
  assert.equal(calls.writes.length, 1);
  assert.equal(calls.writes[0].path, '/out/runs.csv');
  assert.equal(calls.writes[0].text.trim().split('\r\n').length, 1 + 2, 'header + the two lines of e; damaged d is skipped');
  calls.saveAnswer = uri('/out/runs.json');
  await fake.send({ type: 'export', format: 'json', runIds: ['a'] });
  assert.equal(JSON.parse(calls.writes[1].text).runs[0].id, 'a');
  calls.saveAnswer = undefined;
  await fake.send({ type: 'export', format: 'json', runIds: ['a'] });
  assert.equal(calls.writes.length, 2, 'cancelled dialog writes nothing');
  fake.dispose();
});

test('createOrShow on an open dashboard reveals it and overlays the given runs', async () => {
  const { DashboardPanel, panel, fake, services, source } = await openDashboard();
  const count = panels.length;
  assert.equal(DashboardPanel.createOrShow(services, source, ['a']), panel);
  assert.equal(panels.length, count);
  assert.equal(fake.revealed, 1);
  await until(() => fake.posted.length >= 2);
  assert.deepEqual(fake.take(), [
    { type: 'select', selected: ['a'] },
    { type: 'series', series: { a: [step(1)] }, sampling: {} },
  ]);
  fake.dispose();
});

test('the serializer restores the saved selection after a reload', async () => {
  const DashboardPanel = await loadPanel();
  const { source } = fakeSource();
  const services = fakeServices();
  const registration = DashboardPanel.registerSerializer(services, source);
  const restored = new FakePanel();
  await fakeApi.serializer!.deserializeWebviewPanel(restored, { selected: ['b', '../bad', 'a'], xAxis: 'time' });
  assert.ok(Array.isArray(restored.webview.options.localResourceRoots));
  await restored.send({ type: 'ready' });
  const [state] = restored.take();
  assert.equal(state.type === 'state' && state.selected.join(), 'b,a');
  restored.dispose();
  registration.dispose();
  assert.equal(fakeApi.serializer, undefined);
});

test('lines appended while a series is read go out after it, once: none lost, none twice', async () => {
  const runs = fakeSource();
  const { source, changes, metrics } = runs;
  // The file is read slowly: the trainer appends steps 3 and 4 meanwhile (4 after the read).
  let finishRead: () => void = () => undefined;
  const read = source.metrics;
  source.metrics = async (id) => {
    if (id !== 'e') return read(id);
    changes.fire({ reload: false, runIds: [], appended: { e: [step(3)] }, resampled: [] });
    metrics.e = [step(1), step(2), step(3)];
    await new Promise<void>((resolve) => (finishRead = resolve));
    return read(id);
  };
  const { fake } = await openDashboard({ select: ['a'], source: runs });
  await fake.send({ type: 'select', runIds: ['a', 'e'] });
  assert.equal(fake.posted.length, 0, 'nothing goes out while the series is read');
  finishRead();
  await until(() => fake.posted.length > 0);
  changes.fire({ reload: false, runIds: [], appended: { e: [step(4)] }, resampled: [] });
  await until(() => fake.posted.length >= 2);
  await new Promise((r) => setTimeout(r, 300));
  const sent = fake.take();
  assert.deepEqual(
    sent.map((m) => m.type),
    ['series', 'append'],
  );
  const all = [...(sent[0].type === 'series' ? sent[0].series.e : []), ...(sent[1].type === 'append' ? sent[1].lines : [])];
  assert.deepEqual(
    all.map((l) => l.step),
    [1, 2, 3, 4],
  );
  fake.dispose();
});

test('a series thinned further is sent again whole, with how it was thinned', async () => {
  const runs = fakeSource();
  const read = runs.source.metrics;
  runs.source.metrics = async (id) => ({ ...(await read(id)), stride: 4, stepLines: 8 });
  const { fake, changes, state: sent } = await openDashboard({ select: ['e'], source: runs });
  const [state] = sent;
  assert.deepEqual(state.type === 'state' && state.sampling, { e: { stride: 4, stepLines: 8 } });
  changes.fire({ reload: false, runIds: [], appended: {}, resampled: ['e', 'a'] });
  await until(() => fake.posted.length > 0);
  assert.deepEqual(fake.take(), [{ type: 'series', series: { e: [step(1), step(2)] }, sampling: { e: { stride: 4, stepLines: 8 } } }]);
  fake.dispose();
});

test('a run started while the dashboard is open is overlaid with its series; runs that merely appear are not', async () => {
  const { fake, changes, entries } = await openDashboard({ select: ['a'] });
  // A run created now (Train from the palette, the dashboard's Rerun, the CLI, another window) ...
  const started = { ...record('new', 'running'), createdAt: new Date(Date.now() + 1000).toISOString() };
  // ... and one created long ago (another runs directory, a copied folder).
  const old = record('copied');
  entries.unshift({ ok: true, dir: '/runs/new', record: started }, { ok: true, dir: '/runs/copied', record: old });
  changes.fire({ reload: true, runIds: [], appended: {}, resampled: [] });
  assert.deepEqual(fake.take(), [{ type: 'select', selected: ['new', 'a'] }]);
  // Then its series (read from its file) and the table with the new run, in either order.
  await until(() => fake.posted.length >= 2);
  const sent = fake.take();
  assert.deepEqual(sent.map((m) => m.type).sort(), ['runs', 'series']);
  assert.deepEqual(
    sent.find((m) => m.type === 'series'),
    { type: 'series', series: { new: [] }, sampling: {} },
  );
  // Its lines follow it as it trains.
  changes.fire({ reload: false, runIds: [], appended: { new: [step(1)], copied: [step(1)] }, resampled: [] });
  await until(() => fake.posted.length > 0);
  assert.deepEqual(fake.take(), [{ type: 'append', runId: 'new', lines: [step(1)] }]);
  fake.dispose();
});

test('a run started while the dashboard is hidden is overlaid when the page comes back', async () => {
  const { fake, changes, entries } = await openDashboard({ select: ['a'] });
  fake.visible = false;
  fake.viewState.fire();
  entries.unshift({ ok: true, dir: '/runs/new', record: { ...record('new', 'running'), createdAt: new Date(Date.now() + 1000).toISOString() } });
  changes.fire({ reload: true, runIds: [], appended: {}, resampled: [] });
  assert.equal(fake.posted.length, 0);
  fake.visible = true;
  fake.viewState.fire();
  await fake.send({ type: 'ready' });
  await until(() => fake.posted.length > 0);
  const [state] = fake.take();
  assert.deepEqual(state.type === 'state' && state.selected, ['new', 'a']);
  fake.dispose();
});

test("the table's Rerun goes to Rerun with Changes", async () => {
  const { fake } = await openDashboard({ ready: false });
  calls.commands.length = 0;
  await fake.send({ type: 'rerunRun', runId: 'c' });
  await fake.send({ type: 'rerunRun', runId: 'nope' });
  assert.deepEqual(calls.commands, [['vaerec.rerunWithChanges', 'c']]);
  fake.dispose();
});
