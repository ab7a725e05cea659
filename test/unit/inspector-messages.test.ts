/** Validation of what the inspector webview sends, and the small pure helpers of the contract. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { csvLine } from '../../src/shared/csv';
import { genreMix, listOverlap } from '../../src/shared/inferenceResults';
import { parseInspectorRequest, parseInspectorRestore } from '../../src/shared/inspectorMessages';

test('accepts every well-formed request', () => {
  const ok: unknown[] = [
    { type: 'ready' },
    { type: 'loadLatent' },
    { type: 'showUser', user: '42' },
    { type: 'showUser', user: 'user with spaces é' },
    { type: 'setK', k: 1 },
    { type: 'setK', k: 500 },
    { type: 'compare', runId: 'mdae-20260101-120000' },
    { type: 'compare', runId: null },
    { type: 'export', scope: 'user' },
    { type: 'export', scope: 'test' },
  ];
  for (const m of ok) assert.equal(parseInspectorRequest(m).ok, true, JSON.stringify(m));
});

test('trims user ids', () => {
  const r = parseInspectorRequest({ type: 'showUser', user: '  42 ' });
  assert.deepEqual(r, { ok: true, request: { type: 'showUser', user: '42' } });
});

test('rejects unknown types, extra fields and bad values', () => {
  const bad: unknown[] = [
    null,
    'ready',
    { type: 'nope' },
    { type: 'ready', extra: 1 },
    { type: 'loadLatent', runId: 'x' },
    { type: 'showUser' },
    { type: 'showUser', user: '' },
    { type: 'showUser', user: '   ' },
    { type: 'showUser', user: 'a\nb' },
    { type: 'showUser', user: 'x'.repeat(201) },
    { type: 'showUser', user: 42 },
    { type: 'showUser', user: '1', k: 3 },
    { type: 'setK', k: 0 },
    { type: 'setK', k: 501 },
    { type: 'setK', k: 2.5 },
    { type: 'setK', k: '10' },
    { type: 'compare', runId: '../escape' },
    { type: 'compare' },
    { type: 'compare', runId: 3 },
    { type: 'export', scope: 'all' },
    { type: 'export', scope: 'user', path: '/etc/passwd' },
  ];
  for (const m of bad) assert.equal(parseInspectorRequest(m).ok, false, JSON.stringify(m));
});

test('the saved page state restores only a valid run, and of the rest only valid fields', () => {
  assert.deepEqual(parseInspectorRestore({ runId: 'r1', user: '42', k: 7, compareRunId: 'r2', tab: 'latent' }), {
    runId: 'r1',
    user: '42',
    k: 7,
    compareRunId: 'r2',
  });
  assert.deepEqual(parseInspectorRestore({ runId: 'r1', user: 'a\nb', k: 501, compareRunId: '../x' }), { runId: 'r1' });
  for (const saved of [undefined, null, 'r1', [], {}, { runId: '../escape' }, { runId: 3 }])
    assert.equal(parseInspectorRestore(saved), undefined, JSON.stringify(saved));
});

test('genre mix counts shares over the listed items; overlap over the shorter list', () => {
  const mix = genreMix([{ genres: ['Drama', 'Comedy'] }, { genres: ['Drama'] }, {}, { genres: [] }]);
  assert.deepEqual(mix, { Drama: 2 / 3, Comedy: 1 / 3 });
  const o = listOverlap([{ item: 'a' }, { item: 'b' }, { item: 'c' }], [{ item: 'c' }, { item: 'a' }]);
  assert.deepEqual([...o.shared].sort(), ['a', 'c']);
  assert.equal(o.fraction, 1);
  assert.equal(listOverlap([], []).fraction, 0);
});

test('CSV lines round-trip through csv-parse: commas, quotes, line breaks, edge spaces', () => {
  const fields = ['plain', 'Film 14, The (1987)', 'say "hi"', 'two\nlines', ' padded ', 'Café', '', '3.5'];
  const text = csvLine(fields) + csvLine([1, undefined, null, true, 'x', 'y', 'z', 'w']);
  const rows = parse(text) as string[][];
  assert.deepEqual(rows[0], fields);
  assert.deepEqual(rows[1], ['1', '', '', 'true', 'x', 'y', 'z', 'w']);
});
