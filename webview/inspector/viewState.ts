/**
 * What the inspector page keeps with setState across reloads: the InspectorRestore part (run, user,
 * top N, comparison), which the host reads to restore the panel, and how the page was laid out.
 */
import { parseInspectorRestore, type InspectorRestore } from '../../src/shared/inspectorMessages';

export type ListKind = 'test' | 'validation' | 'all';
export type ListSort = 'activity-desc' | 'activity-asc' | 'ndcg-asc' | 'ndcg-desc';
export type Tab = 'user' | 'latent';

export interface ViewSettings {
  tab: Tab;
  list: ListKind;
  sort: ListSort;
  /** 'activity' or a genre name. */
  colourBy: string;
}

export type PersistedInspectorState = Partial<InspectorRestore> & ViewSettings;

export type SavedFields = Partial<Record<keyof PersistedInspectorState, unknown>>;

const oneOf = <T extends string>(v: unknown, options: readonly T[], fallback: T): T => options.find((o) => o === v) ?? fallback;

/** The view settings of a saved state, read defensively: written by an older page, or not at all. */
export function viewSettingsFrom(saved: SavedFields): ViewSettings {
  return {
    tab: oneOf(saved.tab, ['user', 'latent'] as const, 'user'),
    list: oneOf(saved.list, ['test', 'validation', 'all'] as const, 'test'),
    sort: oneOf(saved.sort, ['activity-desc', 'activity-asc', 'ndcg-asc', 'ndcg-desc'] as const, 'activity-desc'),
    colourBy: typeof saved.colourBy === 'string' ? saved.colourBy : 'activity',
  };
}

/** The restorable part of a saved state (kept until the host's state arrives, so an early save does not lose it). */
export function restoreFrom(saved: SavedFields): Partial<InspectorRestore> {
  return parseInspectorRestore(saved) ?? {};
}
