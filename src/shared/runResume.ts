/**
 * Which runs `vaerec train --resume` (and the Runs view's Resume) continues: any run that ended
 * before its last epoch was tested, so not a completed one, and not one whose trainer still runs
 * (runLiveness.ts decides, through the reader's effective status).
 */
import type { RunEntry, RunStatus } from './runSchema';

export const RESUMABLE_STATUSES: readonly RunStatus[] = ['interrupted', 'cancelled', 'stopped', 'failed'];

/** Why the run cannot be resumed (one line naming its directory), or undefined when it can. */
export function resumeRefusal(entry: RunEntry): string | undefined {
  if (!entry.ok) return `${entry.dir}: ${entry.reason}`;
  const r = entry.record;
  if (r.status === 'completed') return `${entry.dir}: the run is completed; there is nothing to resume`;
  if (r.status === 'running') return `${entry.dir}: the run is still running (pid ${r.pid ?? '?'}${r.host ? ` on ${r.host}` : ''})`;
  if (!RESUMABLE_STATUSES.includes(r.status)) return `${entry.dir}: a ${r.status} run cannot be resumed`;
  return undefined;
}
