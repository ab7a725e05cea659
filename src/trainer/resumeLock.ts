/**
 * One resume of a run at a time. `train --resume` checks that the run is not running, then loads
 * and splits the data (seconds on ML-1M, minutes on ML-20M) before its record says running again:
 * two resumes started within that window (a double click, a sweep resume beside a hand-typed one)
 * would both pass the check and train into one directory. So a resume first takes `resume.lock` in
 * the run directory, and holds it only until the run's record says running (from then on the
 * record refuses other resumes). A second resume finding the lock is refused, unless the lock is
 * stale: its process is gone on this host (killed while loading), or, from another host whose
 * processes cannot be checked from here, it is older than any data load should take.
 *
 * The lock never exists half-written: the owner is written to a private file first and linked to
 * the lock's name (link fails if the name exists, atomically, also on NFS). A stale lock is moved
 * aside by rename before it is removed, and checked to be the one judged stale, so two resumes
 * taking over the same stale lock cannot both win.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { localProbe, type ProcessProbe } from '../shared/runLiveness';
import { InputError } from './inputError';

export const RESUME_LOCK_FILE = 'resume.lock';
/** A lock from another host this old is taken to be left by a resume that died while loading. */
export const FOREIGN_LOCK_STALE_MS = 30 * 60_000;

interface LockOwner {
  pid: number;
  pidStart?: string;
  host: string;
  startedAt: string;
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return Number.isSafeInteger(v.pid) && typeof v.host === 'string' && typeof v.startedAt === 'string' ? (v as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

const sameOwner = (a: LockOwner, b: LockOwner) => a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;

/** Why the lock's owner still holds it, or undefined when the lock is stale. */
function heldBecause(file: string, owner: LockOwner | undefined, host: string, probe: ProcessProbe, now: number): string | undefined {
  if (!owner) return undefined; // never half-written (see above): not ours to honour
  if (owner.host !== host) {
    const age = now - Date.parse(owner.startedAt);
    return age < FOREIGN_LOCK_STALE_MS
      ? `the run is being resumed on ${owner.host} (pid ${owner.pid}, since ${owner.startedAt}); if it is not, delete ${file}`
      : undefined;
  }
  if (probe.state(owner.pid) !== 'alive') return undefined;
  const token = owner.pidStart === undefined ? undefined : probe.startToken(owner.pid);
  return token === undefined || token === owner.pidStart ? `the run is being resumed by pid ${owner.pid} (since ${owner.startedAt})` : undefined;
}

/** Takes the run's resume lock for this process; returns its release. Throws InputError when another resume holds it. */
export function takeResumeLock(runDir: string, probe: ProcessProbe = localProbe, now: () => number = Date.now): () => void {
  const file = path.join(runDir, RESUME_LOCK_FILE);
  const host = probe.hostname();
  const mine: LockOwner = { pid: process.pid, host, startedAt: new Date(now()).toISOString() };
  const token = probe.startToken(process.pid);
  if (token !== undefined) mine.pidStart = token;
  const unique = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const draft = `${file}.${unique}`;
  fs.writeFileSync(draft, JSON.stringify(mine) + '\n');
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.linkSync(draft, file);
        return () => {
          const owner = readOwner(file);
          if (owner && sameOwner(owner, mine)) fs.rmSync(file, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const judged = readOwner(file);
      const held = heldBecause(file, judged, host, probe, now());
      if (held) throw new InputError(`${runDir}: ${held}`);
      const aside = `${file}.stale-${unique}`;
      try {
        fs.renameSync(file, aside);
      } catch {
        continue; // another resume moved it first
      }
      const moved = readOwner(aside);
      if (moved && judged && !sameOwner(moved, judged)) {
        // Between reading and moving, another resume replaced the stale lock with its own: put it back.
        try {
          fs.linkSync(aside, file);
        } finally {
          fs.rmSync(aside, { force: true });
        }
        throw new InputError(`${runDir}: ${heldBecause(file, moved, host, probe, now()) ?? `the run is being resumed by pid ${moved.pid}`}`);
      }
      fs.rmSync(aside, { force: true });
    }
    throw new InputError(`${runDir}: could not take ${RESUME_LOCK_FILE} (other resumes keep taking it)`);
  } finally {
    fs.rmSync(draft, { force: true });
  }
}
