/**
 * PanelHost on its own, as a third panel would use it, against the fake vscode API: the page and its
 * options, the ready handshake, one message path (refusals and failures logged, failures shown),
 * the hidden page, the export's save-as, the restore after a reload and the disposal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bare, parseRequest } from '../../src/shared/messageValidation';
import { FakePanelApi, FakeWebviewPanel, fakeUri as uri, serveFakeModules, type FakeUri } from '../helpers/fakeVscode';

type ProbeRequest = { type: 'ready' } | { type: 'fail' } | { type: 'save' };
type ProbeUpdate = { type: 'state'; n: number };

const fakeApi = new FakePanelApi(() => new FakeWebviewPanel<ProbeUpdate>(), uri('/out/probe.csv'));
const { calls } = fakeApi;
const errors: string[] = [];
const infos: string[] = [];
const base = fakeApi.api();
const fakeVscode = {
  ...base,
  window: {
    ...base.window,
    showErrorMessage: (m: string) => Promise.resolve(void errors.push(m)),
    showInformationMessage: (m: string) => Promise.resolve(void infos.push(m)),
  },
};
serveFakeModules((request) => (request === 'vscode' ? fakeVscode : undefined));

const KIND = {
  viewType: 'vaerec.probe',
  bundle: 'probe',
  page: { title: 'Probe page', loading: 'Loading the probe…' },
  name: 'probe',
  resourceFolders: ['media'],
};
const services = { context: { extensionUri: uri('/ext') }, log: fakeApi.log };

async function probe() {
  const { PanelHost } = await import('../../src/extension/panelHost/panelHost');
  type Services = Parameters<typeof PanelHost.createPanel>[0];
  const events: string[] = [];
  let sent = 0;
  const panel = PanelHost.createPanel(services as unknown as Services, KIND, 'Probe') as unknown as FakeWebviewPanel<ProbeUpdate>;
  const host: InstanceType<typeof PanelHost<ProbeRequest, ProbeUpdate>> = new PanelHost<ProbeRequest, ProbeUpdate>(
    panel as never,
    services as unknown as Services,
    KIND,
    {
      parse: (m) => parseRequest<ProbeRequest>(m, { ready: bare('ready'), fail: bare('fail'), save: bare('save') }),
      sendState: () => host.post({ type: 'state', n: ++sent }),
      handle: async (request) => {
        events.push(request.type);
        if (request.type === 'fail') throw new Error('it broke');
        await host.exportFile({ title: 'Save the probe', fileName: 'probe.csv', extension: 'csv', fallbackFolder: '/runs' }, () => ({
          text: 'a,b\n',
          summary: 'one probe',
        }));
      },
      onHidden: () => events.push('hidden'),
      onDispose: () => events.push('disposed'),
    },
  );
  return { PanelHost, host, panel, events };
}

test('the page: nonce CSP shell with the bundle, scripts enabled, the bundles and the named folders as its only roots', async () => {
  const { panel, host } = await probe();
  assert.deepEqual(
    (panel.webview.options.localResourceRoots as FakeUri[]).map((u) => u.path),
    ['/ext/dist/webview', '/ext/media'],
  );
  assert.equal(panel.webview.options.enableScripts, true);
  assert.equal(panel.webview.options.retainContextWhenHidden, false);
  const nonce = /script-src 'nonce-([^']+)'/.exec(panel.webview.html)?.[1];
  assert.ok(nonce);
  assert.match(panel.webview.html, new RegExp(`<script nonce="${nonce}" src="https://webview/ext/dist/webview/probe.js"></script>`));
  assert.match(panel.webview.html, /<title>Probe page<\/title>/);
  assert.match(panel.webview.html, /Loading the probe…/);
  host.dispose();
});

test('nothing is posted before ready; ready posts the state at once; a hidden page gets nothing until it is ready again', async () => {
  const { panel, host, events } = await probe();
  host.post({ type: 'state', n: 0 });
  assert.equal(panel.posted.length, 0);
  assert.equal(host.ready, false);
  panel.received.fire({ type: 'ready' });
  assert.deepEqual(panel.posted, [{ type: 'state', n: 1 }], 'synchronously, before the message handler returns');
  panel.visible = false;
  panel.viewState.fire();
  assert.equal(host.ready, false);
  assert.deepEqual(events, ['hidden']);
  host.post({ type: 'state', n: 0 });
  panel.received.fire({ type: 'ready' });
  assert.deepEqual(panel.posted, [
    { type: 'state', n: 1 },
    { type: 'state', n: 2 },
  ]);
  host.dispose();
});

test('one message path: a refused message is logged; a failed one is logged and shown', async () => {
  const { panel, host, events } = await probe();
  calls.warnings.length = 0;
  errors.length = 0;
  for (const m of [null, { type: 'toString' }, { type: '__proto__' }, { type: 'ready', extra: 1 }]) panel.received.fire(m);
  assert.deepEqual(calls.warnings, [
    'dropped an invalid probe message: message is not an object with a type',
    'dropped an invalid probe message: unknown message type "toString"',
    'dropped an invalid probe message: unknown message type "__proto__"',
    'dropped an invalid probe message: ready: unexpected fields',
  ]);
  panel.received.fire({ type: 'fail' });
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(events, ['fail']);
  assert.deepEqual(calls.warnings.slice(4), ['probe fail failed: it broke']);
  assert.deepEqual(errors, ['Probe: it broke']);
  host.dispose();
});

test('export: the save dialog proposes the file in the workspace; the file is written and confirmed; a cancel writes nothing', async () => {
  const { panel, host } = await probe();
  calls.writes.length = 0;
  calls.saveAnswer = uri('/out/probe.csv');
  panel.received.fire({ type: 'save' });
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(calls.writes, [{ path: '/out/probe.csv', text: 'a,b\n' }]);
  assert.deepEqual(infos, ['Exported one probe to /out/probe.csv']);
  calls.saveAnswer = undefined;
  panel.received.fire({ type: 'save' });
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(calls.writes.length, 1);
  host.dispose();
});

test('disposal: once, whoever closes, with what the panel owns', async () => {
  const { panel, host, events } = await probe();
  let owned = 0;
  host.own({ dispose: () => owned++ });
  panel.dispose();
  host.dispose();
  assert.equal(owned, 1);
  assert.deepEqual(events, ['disposed']);
  panel.received.fire({ type: 'ready' });
  assert.equal(panel.posted.length, 0, 'a closed panel listens no more');
});

test('restore after a reload: the page gets its options back; a refused state closes the panel', async () => {
  const { PanelHost } = await import('../../src/extension/panelHost/panelHost');
  type Services = Parameters<typeof PanelHost.registerSerializer>[0];
  const restored: unknown[] = [];
  const registration = PanelHost.registerSerializer(services as unknown as Services, KIND, (_panel, saved) => {
    restored.push(saved);
    return saved !== 'bad';
  });
  const good = new FakeWebviewPanel<ProbeUpdate>();
  await fakeApi.serializer!.deserializeWebviewPanel(good, 'good');
  assert.equal(good.webview.options.enableScripts, true);
  let closed = false;
  const bad = new FakeWebviewPanel<ProbeUpdate>();
  bad.disposed.event(() => (closed = true));
  await fakeApi.serializer!.deserializeWebviewPanel(bad, 'bad');
  assert.ok(closed);
  assert.deepEqual(restored, ['good', 'bad']);
  registration.dispose();
});
