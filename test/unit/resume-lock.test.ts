/** One resume of a run at a time (src/trainer/resumeLock.ts), with a probe standing in for the process table. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ProcessProbe } from '../../src/shared/runLiveness';
import { InputError } from '../../src/trainer/inputError';
import { RESUME_LOCK_FILE, takeResumeLock } from '../../src/trainer/resumeLock';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';

after(removeTempDirs);

/** Processes `alive` are alive with start token `start-<pid>`; any other pid is gone. */
const probe = (alive: number[]): ProcessProbe => ({
  hostname: () => os.hostname(),
  state: (pid) => (alive.includes(pid) ? 'alive' : 'gone'),
  startToken: (pid) => (alive.includes(pid) ? `start-${pid}` : undefined),
});
const lockOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, RESUME_LOCK_FILE), 'utf8')) as { pid: number; host: string };
const writeLock = (dir: string, owner: object | string) =>
  fs.writeFileSync(path.join(dir, RESUME_LOCK_FILE), typeof owner === 'string' ? owner : JSON.stringify(owner));

describe('takeResumeLock', () => {
  it('takes the lock for this process and removes it on release', () => {
    const dir = tempDir();
    const release = takeResumeLock(dir, probe([process.pid]));
    assert.equal(lockOf(dir).pid, process.pid);
    release();
    assert.ok(!fs.existsSync(path.join(dir, RESUME_LOCK_FILE)));
  });

  it('refuses while a live process holds it, naming the pid', () => {
    const dir = tempDir();
    writeLock(dir, { pid: 4242, pidStart: 'start-4242', host: os.hostname(), startedAt: '2026-11-30T10:00:00.000Z' });
    assert.throws(
      () => takeResumeLock(dir, probe([process.pid, 4242])),
      (e: unknown) => e instanceof InputError && e.message === `${dir}: the run is being resumed by pid 4242 (since 2026-11-30T10:00:00.000Z)`,
    );
    assert.equal(lockOf(dir).pid, 4242, 'the holder keeps its lock');
  });

  it('takes over a lock whose process is gone, or whose pid now names another process', () => {
    const dir = tempDir();
    writeLock(dir, { pid: 4242, host: os.hostname(), startedAt: '2026-11-30T10:00:00.000Z' });
    takeResumeLock(dir, probe([process.pid]))();
    writeLock(dir, { pid: 4243, pidStart: 'an-earlier-process', host: os.hostname(), startedAt: '2026-11-30T10:00:00.000Z' });
    const release = takeResumeLock(dir, probe([process.pid, 4243]));
    assert.equal(lockOf(dir).pid, process.pid);
    release();
  });

  it('takes over a lock its writer died writing (not JSON)', () => {
    const dir = tempDir();
    writeLock(dir, '{"pid": 42');
    takeResumeLock(dir, probe([process.pid]))();
  });

  it('refuses a fresh lock from another host, which it cannot check, naming the file; takes over one older than a data load takes', () => {
    const dir = tempDir();
    writeLock(dir, { pid: 7, host: 'node-17', startedAt: '2026-11-30T10:00:00.000Z' });
    const at = (iso: string) => () => Date.parse(iso);
    assert.throws(
      () => takeResumeLock(dir, probe([process.pid]), at('2026-11-30T10:10:00.000Z')),
      new RegExp(`being resumed on node-17 \\(pid 7, .*delete ${path.join(dir, RESUME_LOCK_FILE)}$`),
    );
    assert.equal(lockOf(dir).host, 'node-17', 'the holder keeps its lock');
    const release = takeResumeLock(dir, probe([process.pid]), at('2026-11-30T10:31:00.000Z'));
    assert.equal(lockOf(dir).pid, process.pid);
    release();
  });

  it('leaves no draft or stale file behind', () => {
    const dir = tempDir();
    writeLock(dir, { pid: 4242, host: os.hostname(), startedAt: '2026-11-30T10:00:00.000Z' });
    const release = takeResumeLock(dir, probe([process.pid]));
    assert.deepEqual(fs.readdirSync(dir), [RESUME_LOCK_FILE]);
    release();
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('a release does not remove a lock another resume has taken over since', () => {
    const dir = tempDir();
    const release = takeResumeLock(dir, probe([process.pid]));
    writeLock(dir, { pid: 4242, host: os.hostname(), startedAt: '2026-11-30T10:00:00.000Z' });
    release();
    assert.equal(lockOf(dir).pid, 4242);
  });
});
