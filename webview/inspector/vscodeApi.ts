/**
 * The inspector webview's side of the host contract: typed posting and the persisted view state.
 * The host restores a panel after a reload from `runId`, `user`, `k` and `compareRunId` (see
 * InspectorPanel.registerSerializer); the rest is how the page was laid out.
 */
import type { InspectorRequest } from '../../src/shared/inspectorMessages';
import { acquireHost } from '../shared/vscodeHost';

export type ListKind = 'test' | 'validation' | 'all';
export type ListSort = 'activity-desc' | 'activity-asc' | 'ndcg-asc' | 'ndcg-desc';
export type Tab = 'user' | 'latent';

export interface PersistedInspectorState {
  runId?: string;
  user?: string;
  k?: number;
  compareRunId?: string;
  tab: Tab;
  list: ListKind;
  sort: ListSort;
  /** 'activity' or a genre name. */
  colourBy: string;
}

const host = acquireHost<InspectorRequest, PersistedInspectorState>();

export function postRequest(request: InspectorRequest): void {
  host.post(request);
}

const oneOf = <T extends string>(v: unknown, options: readonly T[], fallback: T): T => options.find((o) => o === v) ?? fallback;

/** Read defensively: written by an older page, or not at all. */
export function loadViewState(): PersistedInspectorState {
  const s = host.savedFields();
  return {
    ...(typeof s.runId === 'string' ? { runId: s.runId } : {}),
    ...(typeof s.user === 'string' ? { user: s.user } : {}),
    ...(typeof s.k === 'number' ? { k: s.k } : {}),
    ...(typeof s.compareRunId === 'string' ? { compareRunId: s.compareRunId } : {}),
    tab: oneOf(s.tab, ['user', 'latent'] as const, 'user'),
    list: oneOf(s.list, ['test', 'validation', 'all'] as const, 'test'),
    sort: oneOf(s.sort, ['activity-desc', 'activity-asc', 'ndcg-asc', 'ndcg-desc'] as const, 'activity-desc'),
    colourBy: typeof s.colourBy === 'string' ? s.colourBy : 'activity',
  };
}

export function saveViewState(state: PersistedInspectorState): void {
  host.save(state);
}
