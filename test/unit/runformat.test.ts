import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, runDurationSeconds } from '../../src/shared/runFormat';
import type { RunRecord } from '../../src/shared/runSchema';

test('durations read as seconds, minutes and hours; missing ones are empty', () => {
  assert.equal(formatDuration(5.4), '5s');
  assert.equal(formatDuration(130), '2m 10s');
  assert.equal(formatDuration(3 * 3600 + 5 * 60), '3h 05m');
  assert.equal(formatDuration(undefined), '');
  assert.equal(formatDuration(-1), '');
  assert.equal(formatDuration(NaN), '');
});

test('a run lasts until it finished, or until its last update while it runs', () => {
  const base = { createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:01:00Z' } as RunRecord;
  assert.equal(runDurationSeconds(base), 60);
  assert.equal(runDurationSeconds({ ...base, finishedAt: '2026-01-01T00:00:30Z' }), 30);
  assert.equal(runDurationSeconds({ ...base, createdAt: 'garbage' }), undefined);
});
