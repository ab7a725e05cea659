import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricsLine, RunEntry, RunRecord } from '../../src/shared/runSchema';
import { contentSecurityPolicy, makeNonce, renderPageShell } from '../../src/extension/panelHost/pageShell';
import { assignColours, MAX_REMEMBERED_COLOURS } from '../../src/extension/dashboard/runColours';
import { defaultSelection, sanitizeSelection } from '../../src/extension/dashboard/selection';
import { UpdateBatcher, type Clock, type PendingUpdates } from '../../src/extension/dashboard/updateBatcher';

function okEntry(id: string): RunEntry {
  return { ok: true, dir: `/runs/${id}`, record: { id } as RunRecord };
}
function damaged(id: string): RunEntry {
  return { ok: false, dir: `/runs/${id}`, id, reason: 'run.json is not a JSON object' };
}
function line(step: number): MetricsLine {
  return { kind: 'step', step, epoch: 1, time: step, loss: 1, nll: 1, kl: 1, beta: 0, negElbo: 2 };
}

test('CSP: nonce-only scripts, no unsafe-inline or unsafe-eval, nothing beyond the webview source', () => {
  const csp = contentSecurityPolicy('https://x.vscode-cdn.net', 'abc');
  assert.equal(
    csp,
    "default-src 'none'; img-src https://x.vscode-cdn.net data:; style-src https://x.vscode-cdn.net 'nonce-abc'; font-src https://x.vscode-cdn.net; script-src 'nonce-abc'",
  );
  assert.doesNotMatch(csp, /unsafe/);
});

test('page shell: the script carries the nonce and there is no inline script or handler', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(nonce, makeNonce());
  const html = renderPageShell(
    { cspSource: 'src:', nonce, scriptUri: 'https://a/dashboard.js', styleUri: 'https://a/dashboard.css' },
    { title: 'VAE Recommender Dashboard', loading: 'Loading runs…' },
  );
  assert.match(html, new RegExp(`<script nonce="${nonce}" src="https://a/dashboard.js"></script>`));
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.doesNotMatch(html, /\son[a-z]+=/i);
  assert.match(html, /<link rel="stylesheet" href="https:\/\/a\/dashboard.css"/);
});

test('colours: new runs take the lowest free index, stored ones are kept', () => {
  const first = assignColours(['c', 'b', 'a'], {});
  assert.deepEqual(first.colours, { c: 0, b: 1, a: 2 });
  assert.ok(first.changed);
  const again = assignColours(['d', 'c', 'b', 'a'], first.remembered);
  assert.deepEqual(again.colours, { d: 3, c: 0, b: 1, a: 2 });
  const same = assignColours(['d', 'c', 'b', 'a'], again.remembered);
  assert.equal(same.changed, false);
});

test('colours: a run not listed right now keeps its colour for when it comes back', () => {
  const stored = { a: 0, b: 1, c: 2 };
  const without = assignColours(['a', 'c'], stored);
  assert.deepEqual(without.colours, { a: 0, c: 2 });
  assert.equal(without.remembered.b, 1);
  assert.equal(without.changed, false);
  assert.deepEqual(assignColours(['e', 'a', 'c'], without.remembered).colours, { e: 1, a: 0, c: 2 }, 'a free index may be reused while b is away');
});

test('colours: clashing or invalid stored values are reassigned; the remembered map is capped', () => {
  assert.deepEqual(assignColours(['a', 'b'], { a: 0, b: 0 }).colours, { a: 0, b: 1 });
  assert.deepEqual(assignColours(['a'], { a: -1 }).colours, { a: 0 });
  const many = Object.fromEntries(Array.from({ length: MAX_REMEMBERED_COLOURS + 10 }, (_, i) => [`old${i}`, i]));
  const r = assignColours(['new'], many);
  assert.equal(Object.keys(r.remembered).length, MAX_REMEMBERED_COLOURS);
  assert.ok(!('old0' in r.remembered) && 'old2009' in r.remembered, 'the oldest are forgotten first');
  assert.ok(r.changed);
});

test('selection: defaults to the newest readable runs; requests are filtered to readable, unique ids', () => {
  const entries = [okEntry('r5'), damaged('r4'), okEntry('r3'), okEntry('r2'), okEntry('r1')];
  assert.deepEqual(defaultSelection(entries), ['r5', 'r3', 'r2']);
  assert.deepEqual(defaultSelection(entries, 1), ['r5']);
  const get = (id: string) => entries.find((e) => (e.ok ? e.record.id : e.id) === id);
  assert.deepEqual(sanitizeSelection(['r1', 'r4', 'nope', 'r1', 'r3'], get), ['r1', 'r3']);
});

function fakeClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (h) => {
      timers = timers.filter((t) => t.id !== h);
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > until) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = until;
  };
  return { clock, advance };
}

test('batcher: coalesces a burst into one flush, then paces ~100 ms per message, never over 250 ms', () => {
  const { clock, advance } = fakeClock();
  const flushes: { at: number; batch: PendingUpdates }[] = [];
  const batcher = new UpdateBatcher((batch) => {
    flushes.push({ at: clock.now(), batch });
    return batch.appended.size + (batch.runsChanged ? 1 : 0);
  }, clock);

  for (let s = 1; s <= 50; s++) batcher.append('a', [line(s)]);
  batcher.markRunsChanged();
  advance(0);
  assert.equal(flushes.length, 1);
  assert.equal(flushes[0].batch.appended.get('a')?.length, 50);
  assert.ok(flushes[0].batch.runsChanged);

  // Two messages went out: the next flush waits 200 ms.
  batcher.append('a', [line(51)]);
  advance(199);
  assert.equal(flushes.length, 1);
  advance(1);
  assert.equal(flushes.length, 2);
  assert.equal(flushes[1].at, 200);

  // Five runs appending: five messages, but the wait is capped at 250 ms.
  for (const id of ['a', 'b', 'c', 'd', 'e']) batcher.append(id, [line(1)]);
  advance(100);
  assert.equal(flushes.length, 3);
  for (const id of ['a', 'b', 'c', 'd', 'e']) batcher.append(id, [line(2)]);
  advance(249);
  assert.equal(flushes.length, 3);
  advance(1);
  assert.equal(flushes.length, 4);
});

test('batcher: forget drops a run whose series was resent, clear drops everything', () => {
  const { clock, advance } = fakeClock();
  const flushes: PendingUpdates[] = [];
  const batcher = new UpdateBatcher((batch) => {
    flushes.push(batch);
    return 1;
  }, clock);
  batcher.append('a', [line(1)]);
  batcher.append('b', [line(1)]);
  batcher.forget('a');
  advance(0);
  assert.deepEqual([...flushes[0].appended.keys()], ['b']);
  batcher.append('a', [line(2)]);
  batcher.clear();
  advance(1_000);
  assert.equal(flushes.length, 1);
  batcher.append('a', []);
  advance(1_000);
  assert.equal(flushes.length, 1, 'empty appends schedule nothing');
});
