/**
 * Reading sweeps, for the CLI, the coordinator and the extension host alike: where a runs
 * directory's sweeps live (`<runs dir>/../sweeps/<id>/sweep.json`, so `.vaerec/sweeps/` beside
 * `.vaerec/runs/`), a sweep record read tolerantly, a sweep named on the command line, and the runs
 * a sweep left (found by the sweep tag in their run.json, for trials whose run id the coordinator
 * never learnt: it died, or Slurm started the run).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRun } from './runReader';
import type { RunEntry } from './runSchema';
import { isValidRunId } from './runSchema';
import type { SweepRecord } from './sweepSchema';
import { SWEEP_FILE, validateSweepRecord } from './sweepSchema';

export class SweepLookupError extends Error {}

/** The sweeps directory that goes with a runs directory. */
export function sweepsDirFor(runsDir: string): string {
  return path.join(path.dirname(path.resolve(runsDir)), 'sweeps');
}

export function readSweep(dir: string): { record: SweepRecord } | { reason: string } {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, SWEEP_FILE), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { reason: code === 'ENOENT' ? `${path.join(dir, SWEEP_FILE)} does not exist` : `${path.join(dir, SWEEP_FILE)} cannot be read (${code})` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { reason: `${path.join(dir, SWEEP_FILE)} is truncated or not valid JSON` };
  }
  const v = validateSweepRecord(parsed);
  if ('reason' in v) return { reason: `${path.join(dir, SWEEP_FILE)}: ${v.reason}` };
  // The folder is the sweep, as a run's folder is the run.
  const id = path.basename(dir);
  return { record: v.record.id === id ? v.record : { ...v.record, id } };
}

/**
 * A sweep named on the command line: a directory holding sweep.json, the sweep.json itself, or an id
 * in the sweeps directory.
 */
export function resolveSweepDir(arg: string, sweepsDir: string): string {
  const p = path.resolve(arg);
  if (fs.existsSync(path.join(p, SWEEP_FILE))) return p;
  if (path.basename(p) === SWEEP_FILE && fs.existsSync(p)) return path.dirname(p);
  if (isValidRunId(arg) && fs.existsSync(path.join(sweepsDir, arg, SWEEP_FILE))) return path.join(sweepsDir, arg);
  throw new SweepLookupError(`no sweep "${arg}": not a directory with ${SWEEP_FILE}, nor a sweep id in ${sweepsDir}`);
}

/**
 * Runs of a sweep, found by the tag in their run.json (a trial may have left several: one per
 * attempt). `skip`: run ids read before; ids of readable runs that are not a match are added to it,
 * so that a large runs directory is read once, not at every look.
 */
export function sweepRuns(runsDir: string, sweepId: string, skip = new Set<string>()): RunEntry[] {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir).filter((n) => isValidRunId(n) && !skip.has(n));
  } catch {
    return [];
  }
  const found: RunEntry[] = [];
  for (const name of names) {
    const e = readRun(path.join(runsDir, name));
    if (e.ok && e.record.sweep?.sweepId === sweepId) found.push(e);
    else if (e.ok) skip.add(name);
  }
  return found;
}
