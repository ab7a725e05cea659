/**
 * Writing sweeps: a new sweep directory, and its record rewritten atomically at every change (the
 * only thing `resume` needs). Reading them is src/shared/sweepReader.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SweepRecord } from '../../shared/sweepSchema';
import { SWEEP_FILE } from '../../shared/sweepSchema';
import { writeFileAtomic } from '../runStore';

function timestampId(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Creates a new sweep directory `<name>-<time>` (never reusing one); returns its id and path. */
export function createSweepDir(sweepsDir: string, name: string): { id: string; dir: string } {
  try {
    fs.mkdirSync(sweepsDir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot create the sweeps directory ${sweepsDir}: ${(err as Error).message}`);
  }
  const base = `${name}-${timestampId(new Date())}`;
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    const dir = path.join(sweepsDir, id);
    try {
      fs.mkdirSync(dir);
      return { id, dir };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create a sweep directory in ${sweepsDir}: ${(err as Error).message}`);
    }
  }
}

export function writeSweep(dir: string, record: SweepRecord): void {
  writeFileAtomic(path.join(dir, SWEEP_FILE), JSON.stringify(record, null, 1) + '\n');
}
