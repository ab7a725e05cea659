/** The sweep view's contract: requests from the page (untrusted), updates from the host as the page checks them, the restore state. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSweepViewUpdate, parseSweepViewRequest, restoredSweepDir } from '../../src/shared/sweepViewMessages';

test('requests: ready, openRun with a valid run id, trainBaseline; anything else is refused with a reason', () => {
  assert.deepEqual(parseSweepViewRequest({ type: 'ready' }), { ok: true, request: { type: 'ready' } });
  assert.deepEqual(parseSweepViewRequest({ type: 'openRun', runId: 'mvae-t3_a1' }), { ok: true, request: { type: 'openRun', runId: 'mvae-t3_a1' } });
  assert.deepEqual(parseSweepViewRequest({ type: 'trainBaseline' }), { ok: true, request: { type: 'trainBaseline' } });
  const refused = (m: unknown) => {
    const p = parseSweepViewRequest(m);
    assert.equal(p.ok, false, JSON.stringify(m));
    return p.ok ? '' : p.reason;
  };
  assert.match(refused({ type: 'openRun', runId: '../../etc' }), /openRun: expected \{ runId \}/);
  assert.match(refused({ type: 'openRun' }), /openRun/);
  assert.match(refused({ type: 'openRun', runId: 'a', extra: 1 }), /openRun/);
  assert.match(refused({ type: 'ready', sweepDir: '/x' }), /unexpected fields/);
  assert.match(refused({ type: 'trainBaseline', model: 'pop' }), /unexpected fields/);
  assert.match(refused({ type: 'deleteSweep' }), /unknown message type/);
  assert.match(refused('ready'), /not an object/);
  assert.match(refused(null), /not an object/);
});

test('updates: the page accepts only known types with their fields of the right kinds', () => {
  const data = { sweep: {}, parameters: [], scales: {}, trials: [] };
  assert.ok(isSweepViewUpdate({ type: 'state', data, curves: [], significance: { state: 'computing' } }));
  assert.ok(isSweepViewUpdate({ type: 'data', data }));
  assert.ok(isSweepViewUpdate({ type: 'curves', curves: [{ index: 0, points: [[1, 0.2]] }] }));
  assert.ok(isSweepViewUpdate({ type: 'significance', significance: { state: 'waiting', reason: 'x' } }));
  assert.ok(isSweepViewUpdate({ type: 'problem', sweepDir: '/s', message: 'sweep.json is truncated' }));
  assert.equal(isSweepViewUpdate({ type: 'state', data, curves: [] }), false);
  assert.equal(isSweepViewUpdate({ type: 'state', data: { sweep: {}, trials: [] }, curves: [], significance: { state: 'done' } }), false);
  assert.equal(isSweepViewUpdate({ type: 'significance', significance: { state: 'maybe' } }), false);
  assert.equal(isSweepViewUpdate({ type: 'curves', curves: {} }), false);
  assert.equal(isSweepViewUpdate({ type: 'problem', message: 'x' }), false);
  assert.equal(isSweepViewUpdate({ type: 'select' }), false);
  assert.equal(isSweepViewUpdate([]), false);
});

test('restore: only an absolute path without NUL from the saved state', () => {
  assert.equal(restoredSweepDir({ sweepDir: '/w/.vaerec/sweeps/grid-20261130-101010' }), '/w/.vaerec/sweeps/grid-20261130-101010');
  assert.equal(restoredSweepDir({ sweepDir: 'C:\\w\\sweeps\\g' }), 'C:\\w\\sweeps\\g');
  assert.equal(restoredSweepDir({ sweepDir: 'relative/dir' }), undefined);
  assert.equal(restoredSweepDir({ sweepDir: '/a\0b' }), undefined);
  assert.equal(restoredSweepDir({ sweepDir: '' }), undefined);
  assert.equal(restoredSweepDir({ sweepDir: 3 }), undefined);
  assert.equal(restoredSweepDir(undefined), undefined);
  assert.equal(restoredSweepDir({ sweepDir: `/${'a'.repeat(5000)}` }), undefined);
});
