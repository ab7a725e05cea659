/** Which runs the dashboard overlays: pure helpers so the rules are testable without vscode. */
import type { RunEntry } from '../../shared/runSchema';

export const runIdOf = (entry: RunEntry): string => (entry.ok ? entry.record.id : entry.id);

/** How many of the newest runs are overlaid when nothing was chosen yet. */
export const DEFAULT_SELECTED_RUNS = 3;

/** The newest few readable runs (the list is newest first). */
export function defaultSelection(entries: readonly RunEntry[], count = DEFAULT_SELECTED_RUNS): string[] {
  const ids: string[] = [];
  for (const e of entries) if (e.ok && ids.length < count) ids.push(e.record.id);
  return ids;
}

/** Keeps only ids of runs that exist and are readable (damaged runs have no curves), without duplicates, in request order. */
export function sanitizeSelection(runIds: readonly string[], get: (id: string) => RunEntry | undefined): string[] {
  const seen = new Set<string>();
  return runIds.filter((id) => {
    if (seen.has(id)) return false;
    seen.add(id);
    return get(id)?.ok === true;
  });
}

/**
 * Runs listed for the first time that were created after `openedAt`: started while the dashboard
 * was open (from the palette, the dashboard's Rerun, the CLI or another window), so they are
 * overlaid at once. Runs that only appear (another runs directory, a copied folder) were created
 * before: they are listed, not ticked. Adds every listed id to `seen`.
 */
export function runsStartedSince(entries: readonly RunEntry[], seen: Set<string>, openedAt: number): string[] {
  const fresh: string[] = [];
  for (const entry of entries) {
    const id = runIdOf(entry);
    if (seen.has(id)) continue;
    seen.add(id);
    if (entry.ok && Date.parse(entry.record.createdAt) >= openedAt) fresh.push(id);
  }
  return fresh;
}
