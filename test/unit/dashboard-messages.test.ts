import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDashboardRequest } from '../../src/shared/dashboardMessages';

function accepted(v: unknown) {
  const r = parseDashboardRequest(v);
  assert.ok(r.ok, `expected ${JSON.stringify(v)} to be accepted`);
  return r.request;
}

function rejected(v: unknown): string {
  const r = parseDashboardRequest(v);
  assert.ok(!r.ok, `expected ${JSON.stringify(v)} to be rejected`);
  return r.reason;
}

test('accepts every request type in its exact shape', () => {
  assert.deepEqual(accepted({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(accepted({ type: 'select', runIds: ['a', 'run-2.x_y'] }), { type: 'select', runIds: ['a', 'run-2.x_y'] });
  assert.deepEqual(accepted({ type: 'select', runIds: [] }), { type: 'select', runIds: [] });
  assert.deepEqual(accepted({ type: 'export', format: 'csv', runIds: ['a'] }), { type: 'export', format: 'csv', runIds: ['a'] });
  assert.deepEqual(accepted({ type: 'export', format: 'json', runIds: ['a'] }), { type: 'export', format: 'json', runIds: ['a'] });
  for (const type of ['openRunFolder', 'stopRun', 'inspectRun']) {
    assert.deepEqual(accepted({ type, runId: 'r1' }), { type, runId: 'r1' });
  }
});

test('rejects non-objects and unknown types', () => {
  for (const v of [null, undefined, 42, 'ready', [], ['ready'], {}, { type: 7 }]) rejected(v);
  assert.match(rejected({ type: 'eval', code: 'x' }), /unknown message type/);
  assert.match(rejected({ type: 'x'.repeat(1000) }), /unknown message type/);
  assert.ok(rejected({ type: 'x'.repeat(1000) }).length < 100, 'the reason does not echo an unbounded payload');
});

test('rejects extra fields on every type', () => {
  rejected({ type: 'ready', extra: 1 });
  rejected({ type: 'select', runIds: [], extra: 1 });
  rejected({ type: 'export', format: 'csv', runIds: [], extra: 1 });
  rejected({ type: 'stopRun', runId: 'a', runIds: ['a'] });
});

test('rejects malformed run ids and formats', () => {
  rejected({ type: 'select', runIds: ['../etc'] });
  rejected({ type: 'select', runIds: ['a/b'] });
  rejected({ type: 'select', runIds: [''] });
  rejected({ type: 'select', runIds: [1] });
  rejected({ type: 'select', runIds: 'a' });
  rejected({ type: 'select' });
  rejected({ type: 'export', format: 'xml', runIds: ['a'] });
  rejected({ type: 'export', runIds: ['a'] });
  rejected({ type: 'stopRun', runId: '..' });
  rejected({ type: 'stopRun', runId: 'a'.repeat(200) });
  rejected({ type: 'inspectRun', runId: '../a' });
  rejected({ type: 'inspectRun', runId: 'a', user: '1' });
  rejected({ type: 'openRunFolder' });
});

test('rejects oversized id lists', () => {
  rejected({ type: 'select', runIds: Array.from({ length: 10_001 }, (_, i) => `r${i}`) });
});
