/** Run directories as the process tests handle them: read back, copied under a new id to be edited. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRun } from '../../src/shared/runReader';
import type { RunRecord } from '../../src/shared/runSchema';

/** The record of a readable run directory. */
export function record(dir: string): RunRecord {
  const e = readRun(dir);
  assert.ok(e.ok, e.ok ? '' : e.reason);
  return e.record;
}

/** A copy of a run directory under a new id in `runsDir`, for editing. */
export function copyRunDir(dir: string, runsDir: string, id: string): string {
  const to = path.join(runsDir, id);
  fs.cpSync(dir, to, { recursive: true });
  return to;
}

/** Rewrites a run's run.json after `edit` changes its record (the file as written, not as read). */
export function editRecord(dir: string, edit: (r: RunRecord) => void): void {
  const file = path.join(dir, 'run.json');
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
  edit(r);
  fs.writeFileSync(file, JSON.stringify(r));
}
