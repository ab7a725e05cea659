/** Presentation of run facts shared by the Runs tree (extension host) and the dashboard (webview). */
import type { RunRecord } from './runSchema';

/** "42s", "2m 10s", "3h 05m"; '' for a missing or negative duration. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Wall-clock duration of a run: until it finished, or until its last update while it runs. */
export function runDurationSeconds(r: RunRecord): number | undefined {
  const start = Date.parse(r.createdAt);
  const end = Date.parse(r.finishedAt ?? r.updatedAt);
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, (end - start) / 1000) : undefined;
}

/**
 * Whether the recommendation inspector can open a run: it is not training any more and has saved
 * weights. Completed runs have them; so do cancelled and interrupted runs once a first validation
 * saved the best weights (they then have test metrics and recommendations too).
 */
export function isInspectableRecord(r: RunRecord): boolean {
  return r.status !== 'running' && r.artifacts.model !== undefined;
}
