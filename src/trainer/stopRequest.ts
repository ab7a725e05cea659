/**
 * Stopping a run early on behalf of a sweep. The coordinator writes `stop-request.json` (a RunStop)
 * into the run directory, then asks the trainer to end (a cancel over IPC, SIGTERM, or Slurm's
 * scancel, which sends SIGTERM); the trainer also polls for the file, so a request reaches it even
 * when no signal can (a trainer adopted from an earlier coordinator, a lost scancel). A trainer that
 * ends because of its cancel signal and finds the file records the run as `stopped`, not `cancelled`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STOP_REQUEST_FILE } from '../shared/runLayout';
import type { RunStop } from '../shared/runSchema';
import { parseRunStop } from '../shared/runSchema';
import { writeFileAtomic } from './runStore';

export function writeStopRequest(runDir: string, stop: RunStop): void {
  writeFileAtomic(path.join(runDir, STOP_REQUEST_FILE), JSON.stringify(stop) + '\n');
}

export function readStopRequest(runDir: string): RunStop | undefined {
  try {
    return parseRunStop(JSON.parse(fs.readFileSync(path.join(runDir, STOP_REQUEST_FILE), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Calls onStop once when a stop request appears in runDir; returns a function that stops watching. */
export function watchStopRequest(runDir: string, onStop: () => void, intervalMs = 500): () => void {
  const file = path.join(runDir, STOP_REQUEST_FILE);
  const timer = setInterval(() => {
    if (!fs.existsSync(file)) return;
    clearInterval(timer);
    onStop();
  }, intervalMs);
  // Training yields to the event loop at every batch, so the timer fires between steps; it must not keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
