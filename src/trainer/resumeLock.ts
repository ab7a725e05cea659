/**
 * One resume of a run at a time. `train --resume` checks that the run is not running, then loads
 * and splits the data (seconds on ML-1M, minutes on ML-20M) before its record says running again:
 * two resumes started within that window (a double click, a sweep resume beside a hand-typed one)
 * would both pass the check and train into one directory. So the resume first creates
 * `resume.lock` in the run directory, exclusively; a second resume finding it is refused, unless the
 * process that wrote it is gone (killed before it could remove it), whose lock is taken over. A lock
 * from another host cannot be checked from here: the refusal names the file to delete.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { localProbe, type ProcessProbe } from '../shared/runLiveness';
import { InputError } from './inputError';

export const RESUME_LOCK_FILE = 'resume.lock';

interface LockOwner {
  pid: number;
  pidStart?: string;
  host: string;
  startedAt: string;
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return Number.isSafeInteger(v.pid) && typeof v.host === 'string' ? (v as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

function ownerAlive(o: LockOwner, probe: ProcessProbe): boolean {
  if (probe.state(o.pid) !== 'alive') return false;
  const token = o.pidStart === undefined ? undefined : probe.startToken(o.pid);
  return token === undefined || token === o.pidStart;
}

/** Takes the run's resume lock for this process; returns its release. Throws InputError when another resume holds it. */
export function takeResumeLock(runDir: string, probe: ProcessProbe = localProbe): () => void {
  const file = path.join(runDir, RESUME_LOCK_FILE);
  const mine: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  const token = probe.startToken(process.pid);
  if (token !== undefined) mine.pidStart = token;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(file);
      if (owner && owner.host !== mine.host)
        throw new InputError(`${runDir}: the run is being resumed on ${owner.host} (pid ${owner.pid}, since ${owner.startedAt}); if it is not, delete ${file}`);
      if (owner && ownerAlive(owner, probe)) throw new InputError(`${runDir}: the run is being resumed by pid ${owner.pid} (since ${owner.startedAt})`);
      // Its writer is gone (or died while writing it): the lock is stale.
      fs.rmSync(file, { force: true });
      continue;
    }
    try {
      fs.writeSync(fd, JSON.stringify(mine) + '\n');
    } finally {
      fs.closeSync(fd);
    }
    return () => {
      if (readOwner(file)?.pid === mine.pid) fs.rmSync(file, { force: true });
    };
  }
  throw new InputError(`${runDir}: could not take ${RESUME_LOCK_FILE} (another resume keeps recreating it)`);
}
