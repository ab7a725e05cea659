/**
 * InspectorPanel against a minimal fake of the vscode API and the real inference process
 * (dist/inference.js) on runs trained by the CLI: handshake, the user lists, an unknown user, a
 * user's view, top N, a comparison run, one latent projection however often it is asked for,
 * invalid messages dropped, a crashed process replaced, CSV export, restore after a reload, and the
 * process ended with the panel.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { InspectorState, InspectorUpdate } from '../../src/shared/inspectorMessages';
import { listRuns, readRun } from '../../src/shared/runReader';
import type { RunEntry } from '../../src/shared/runSchema';
import type { RunsChange, RunsSource } from '../../src/extension/runsSource';
import { makeFixtureDir } from '../fixtures/generate';
import { cli } from '../helpers/cli';
import { FakeEmitter as Emitter, FakePanelApi, FakeWebviewPanel, fakeUri as uri, serveFakeModules, type FakeUri } from '../helpers/fakeVscode';

const ROOT = path.resolve(__dirname, '../..');
const INFERENCE = path.join(ROOT, 'dist/inference.js');
if (!fs.existsSync(INFERENCE)) throw new Error(`${INFERENCE} is missing: run npm run build first`);

class FakePanel extends FakeWebviewPanel<InspectorUpdate> {
  /** The state the webview would hold after applying everything posted so far. */
  get state(): InspectorState | undefined {
    let s: InspectorState | undefined;
    for (const m of this.posted) {
      if (m.type === 'state') s = m.state;
      else if (s) s = { ...s, ...m.patch };
    }
    return s;
  }
  send(m: unknown): void {
    this.received.fire(m);
  }
}

const fakeApi = new FakePanelApi(() => new FakePanel());
const { panels, calls } = fakeApi;
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-insp-panel-cache-'));

const baseApi = fakeApi.api();
const fakeVscode = {
  ...baseApi,
  workspace: {
    ...baseApi.workspace,
    getConfiguration: () => ({ get: (key: string, fallback?: unknown) => (key === 'datasetCacheDirectory' ? cacheDir : fallback) }),
  },
};

serveFakeModules((request) => (request === 'vscode' ? fakeVscode : undefined));

async function loadPanel() {
  return (await import('../../src/extension/inspector/inspectorPanel')).InspectorPanel;
}
type Services = Parameters<Awaited<ReturnType<typeof loadPanel>>['createOrShow']>[0];

/** What activate() hands the panels: the extension context and the log channel. */
function fakeServices() {
  return {
    context: { extensionUri: uri(ROOT), extensionPath: ROOT, subscriptions: [] as { dispose(): void }[], globalStorageUri: uri(cacheDir) },
    log: fakeApi.log,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const split = () => JSON.parse(fs.readFileSync(path.join(runsDir, mvae, 'split.json'), 'utf8')) as { test: { user: string }[] };

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = read();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - start > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let runsDir: string;
let data: string;
let mvae: string;
let pop: string;
let testUser: string;
let source: RunsSource;

describe('InspectorPanel with the real inference process', { timeout: 300_000 }, () => {
  before(() => {
    data = makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 });
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-insp-panel-runs-'));
    for (const model of ['mvae', 'pop']) {
      const r = cli(['train', '--data', data, '--model', model, '--runs-dir', runsDir, '--epochs', '2', '--heldout', '20', '--json', '--quiet']);
      assert.equal(r.code, 0, r.stderr);
    }
    const entries = listRuns(runsDir);
    const idOf = (e: RunEntry) => (e.ok ? e.record.id : e.id);
    mvae = idOf(entries.find((e) => e.ok && e.record.model === 'mvae')!);
    pop = idOf(entries.find((e) => e.ok && e.record.model === 'pop')!);
    testUser = split().test[0].user;
    source = {
      runsDir,
      list: () => listRuns(runsDir),
      get: (id) => (fs.existsSync(path.join(runsDir, id)) ? readRun(path.join(runsDir, id)) : undefined),
      metrics: async () => ({ lines: [], stride: 1, stepLines: 0, bad: 0, tornTail: false }),
      onDidChange: new Emitter<never>().event as RunsSource['onDidChange'],
    };
  });

  after(() => {
    for (const p of panels) p.dispose();
    for (const d of [runsDir, data, cacheDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('loads the run, shows users, reports unknown ones, compares, projects once, exports, and ends its process', async () => {
    const InspectorPanel = await loadPanel();
    InspectorPanel.createOrShow(fakeServices() as unknown as Services, source, mvae);
    const fake = panels.at(-1)!;
    assert.match(fake.webview.html, /script-src 'nonce-/);
    assert.deepEqual(
      (fake.webview.options.localResourceRoots as FakeUri[]).map((u) => u.path),
      [`${ROOT}/dist/webview`],
    );
    fake.send({ type: 'ready' });
    assert.equal(fake.posted[0]?.type, 'state');
    const users = await until(() => (fake.state?.users.length ? fake.state.users : undefined), 'the user lists');
    assert.equal(fake.state?.run?.runId, mvae);
    assert.equal(users.filter((u) => u.role === 'test').length, 20);
    assert.deepEqual(
      fake.state?.compareChoices.map((c) => c.runId),
      [pop],
    );

    fake.send({ type: 'showUser', user: 'nobody' });
    const error = await until(() => fake.state?.userError ?? undefined, 'the unknown-user error');
    assert.match(error, /user nobody does not exist in /);
    assert.equal(fake.state?.view ?? null, null);

    fake.send({ type: 'showUser', user: testUser });
    await until(() => fake.state?.view?.result.user === testUser, 'the user view');
    assert.equal(fake.state?.userError, null, 'a shown user clears the previous error');
    assert.equal(fake.state?.view?.result.items.length, 20);
    assert.ok(fake.state?.view?.history.some((h) => h.mark === 'fold-in'));

    fake.send({ type: 'setK', k: 5 });
    await until(() => fake.state?.view?.result.items.length === 5, 'top 5');

    fake.send({ type: 'compare', runId: pop });
    await until(() => fake.state?.compareView?.result.runId === pop, 'the comparison view');
    assert.equal(fake.state?.compareView?.result.items.length, 5);

    // The webview may ask for the projection several times while it is computed: one is made.
    const before = fake.posted.length;
    for (let i = 0; i < 5; i++) fake.send({ type: 'loadLatent' });
    await until(() => fake.state?.latent ?? undefined, 'the latent space');
    await until(() => fake.state?.busy === null, 'idle');
    const latentPatches = fake.posted.slice(before).filter((m) => m.type === 'patch' && m.patch.latent);
    assert.equal(latentPatches.length, 1);
    assert.equal(fake.state?.latent?.users.length, users.length);

    calls.warnings.length = 0;
    for (const m of [
      { type: 'showUser', user: '' },
      { type: 'setK', k: 0 },
      { type: 'export', scope: 'everything' },
      { type: 'compare', runId: '../x' },
      { type: 'eval' },
    ])
      fake.send(m);
    assert.equal(calls.warnings.filter((w) => /dropped an invalid inspector message/.test(w)).length, 5);

    // A crashed inference process is replaced on the next request, which opens the run again.
    const pids = () => calls.infos.map((l) => Number(/inference process (\d+) started/.exec(l)?.[1])).filter((p) => p > 0);
    const first = pids().at(-1)!;
    process.kill(first, 'SIGKILL');
    await until(() => !alive(first), 'the killed inference process to be gone');
    const second = split().test[1].user;
    fake.send({ type: 'showUser', user: second });
    await until(() => fake.state?.view?.result.user === second, 'the next user from a new inference process');
    assert.equal(pids().length, 2);

    calls.saveAnswer = uri('/out/user.csv');
    fake.send({ type: 'export', scope: 'user' });
    await until(() => calls.writes.length === 1, 'the CSV file');
    const rows = parse(calls.writes[0].text, { columns: true }) as Record<string, string>[];
    assert.deepEqual(
      rows.map((r) => r.item),
      fake.state?.view?.result.items.map((i) => i.item),
    );
    calls.saveAnswer = uri('/out/test.csv');
    fake.send({ type: 'export', scope: 'test' });
    await until(() => calls.writes.length === 2, 'the CSV of every test user');
    const all = parse(calls.writes[1].text, { columns: true }) as Record<string, string>[];
    assert.equal(all.length, 20 * 5, 'top 5 of the 20 test users');
    assert.equal(new Set(all.map((r) => r.user)).size, 20);
    calls.saveAnswer = undefined;
    fake.send({ type: 'export', scope: 'test' });

    const pid = pids().at(-1)!;
    fake.dispose();
    await until(() => !alive(pid), 'the inference process to end with the panel');
  });

  it('restores a panel after a reload with its user and top N; a state without a valid run is closed', async () => {
    const InspectorPanel = await loadPanel();
    const registration = InspectorPanel.registerSerializer(fakeServices() as unknown as Services, source);
    assert.ok(fakeApi.serializer);
    const restored = new FakePanel();
    panels.push(restored);
    await fakeApi.serializer.deserializeWebviewPanel(restored, { runId: mvae, user: testUser, k: 7, tab: 'user' });
    restored.send({ type: 'ready' });
    await until(() => restored.state?.view?.result.user === testUser && restored.state.view.result.items.length === 7, 'the restored view');
    let closed = false;
    const bad = new FakePanel();
    bad.disposed.event(() => (closed = true));
    await fakeApi.serializer.deserializeWebviewPanel(bad, { runId: '../escape' });
    assert.ok(closed);
    restored.dispose();
    registration.dispose();
  });

  it('after a reload, Export of the restored user says it is still loading, not "Choose a user first"', async () => {
    const InspectorPanel = await loadPanel();
    const registration = InspectorPanel.registerSerializer(fakeServices() as unknown as Services, source);
    const restored = new FakePanel();
    panels.push(restored);
    await fakeApi.serializer!.deserializeWebviewPanel(restored, { runId: mvae, user: testUser, k: 7, tab: 'user' });
    restored.send({ type: 'ready' });
    calls.warnings.length = 0;
    // Loading the run takes an inference process and the data: the view is not there yet.
    assert.equal(restored.state?.view, null);
    restored.send({ type: 'export', scope: 'user' });
    await until(() => calls.warnings.length > 0, 'the answer to Export');
    assert.deepEqual(calls.warnings, [`User ${testUser} is still loading; export once their list is shown.`]);
    await until(() => restored.state?.view?.result.user === testUser, 'the restored view');
    restored.dispose();
    registration.dispose();
  });

  it('a deleted run: the open tab says the run is gone, drops what it showed and answers nothing more', async () => {
    const InspectorPanel = await loadPanel();
    // A runs directory of its own, whose changes this test announces.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-insp-gone-'));
    fs.cpSync(path.join(runsDir, pop), path.join(dir, pop), { recursive: true });
    const changes = new Emitter<RunsChange>();
    const own: RunsSource = {
      runsDir: dir,
      list: () => listRuns(dir),
      get: (id) => (fs.existsSync(path.join(dir, id)) ? readRun(path.join(dir, id)) : undefined),
      metrics: async () => ({ lines: [], stride: 1, stepLines: 0, bad: 0, tornTail: false }),
      onDidChange: changes.event as RunsSource['onDidChange'],
    };
    try {
      InspectorPanel.createOrShow(fakeServices() as unknown as Services, own, pop);
      const fake = panels.at(-1)!;
      fake.send({ type: 'ready' });
      await until(() => fake.state?.users.length, 'the run loaded');
      fake.send({ type: 'showUser', user: testUser });
      await until(() => fake.state?.view?.result.user === testUser, 'a user shown');
      fs.rmSync(path.join(dir, pop), { recursive: true, force: true });
      changes.fire({ reload: true, runIds: [], appended: {}, resampled: [] });
      const s = fake.state!;
      assert.match(s.error ?? '', new RegExp(`^Run ${pop} is gone: its folder is no longer in `));
      assert.equal(s.run, null);
      assert.equal(s.view, null);
      assert.deepEqual(s.users, []);
      calls.warnings.length = 0;
      const posted = fake.posted.length;
      fake.send({ type: 'showUser', user: testUser });
      await until(() => calls.warnings.length > 0, 'the answer');
      assert.match(calls.warnings[0], /is gone: its folder was deleted/);
      assert.equal(fake.posted.length, posted, 'no answer from the (ended) inference process');
      fake.dispose();

      // A tab restored after a reload for a run deleted meanwhile says the same at once.
      const registration = InspectorPanel.registerSerializer(fakeServices() as unknown as Services, own);
      const restored = new FakePanel();
      panels.push(restored);
      await fakeApi.serializer!.deserializeWebviewPanel(restored, { runId: pop, user: testUser });
      restored.send({ type: 'ready' });
      assert.match(restored.state?.error ?? '', /is gone/);
      restored.dispose();
      registration.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
