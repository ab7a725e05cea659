/**
 * Stable colour indexes per run id. An index, once given to a run, is remembered (the map lives in
 * workspaceState), so a run keeps its colour across reloads and between legend and table. A new
 * run takes the lowest index no listed run uses. Indexes of runs that are not listed right now are
 * remembered too (a runs directory may be listed before it is fully read), up to a cap.
 */
import type * as vscode from 'vscode';
import type { DashboardRun } from '../../shared/dashboardMessages';
import { isRecord, type RunEntry } from '../../shared/runSchema';

export type ColourMap = Record<string, number>;

const COLOURS_KEY = 'vaerec.dashboard.runColours';

export const MAX_REMEMBERED_COLOURS = 2_000;

export interface ColourAssignment {
  /** The colour of every listed run. */
  colours: ColourMap;
  /** What to persist: `colours` plus remembered runs that are not listed. */
  remembered: ColourMap;
  /** Whether `remembered` differs from the stored map. */
  changed: boolean;
}

export function assignColours(runIds: readonly string[], stored: Readonly<ColourMap>): ColourAssignment {
  const colours: ColourMap = {};
  const used = new Set<number>();
  for (const id of runIds) {
    const c = stored[id];
    if (Number.isInteger(c) && c >= 0 && !used.has(c)) {
      colours[id] = c;
      used.add(c);
    }
  }
  let next = 0;
  let changed = false;
  for (const id of runIds) {
    if (id in colours) continue;
    while (used.has(next)) next++;
    colours[id] = next;
    used.add(next);
    changed = true;
  }
  const unlisted = Object.entries(stored).filter(([id, c]) => !(id in colours) && Number.isInteger(c));
  const room = Math.max(0, MAX_REMEMBERED_COLOURS - runIds.length);
  if (unlisted.length > room) changed = true;
  // Entries keep insertion order, so the oldest remembered runs are the ones forgotten first.
  const remembered: ColourMap = { ...Object.fromEntries(unlisted.slice(Math.max(0, unlisted.length - room))), ...colours };
  return { colours, remembered, changed };
}

const runIdOf = (entry: RunEntry): string => (entry.ok ? entry.record.id : entry.id);

/** The runs with their colours; colours given to new runs are remembered in `state` (the workspace's). */
export function colourRuns(entries: readonly RunEntry[], state: vscode.Memento, onSaveError: (e: unknown) => void): DashboardRun[] {
  const stored = state.get<ColourMap>(COLOURS_KEY, {});
  const { colours, remembered, changed } = assignColours(entries.map(runIdOf), isRecord(stored) ? stored : {});
  if (changed) state.update(COLOURS_KEY, remembered).then(undefined, onSaveError);
  return entries.map((entry) => ({ entry, colour: colours[runIdOf(entry)] }));
}
