/**
 * The contract between the extension host and the inspector webview. State lives in the host: the
 * page announces `ready` and gets the whole state, then patches. Everything the page sends (its
 * requests, and the state it saved for a restore after a reload) is untrusted and checked here.
 */
import type { LatentSpace, RunInfo, UserSummary, UserView } from './inferenceResults';
import { isValidUserId } from './inferenceResults';
import { bare, hasOnlyKeys, isIntegerIn, parseRequest, type Parsed } from './messageValidation';
import { isRecord, isValidRunId } from './runSchema';

export const MAX_K = 500;
export const DEFAULT_K = 20;

export interface RunChoice {
  runId: string;
  label: string;
}

/** Everything the webview shows; kept by the host and re-sent whole when the webview is (re)loaded. */
export interface InspectorState {
  runId: string;
  /** Null while the inference process loads the run. */
  run: RunInfo | null;
  /** What is being computed right now (shown as a progress line); null when idle. Nulls, not absent
   * keys, clear a field: a patch is serialised, and a key set to undefined would vanish from it. */
  busy: string | null;
  /** A run-level failure (the run cannot be loaded). */
  error: string | null;
  k: number;
  users: UserSummary[];
  user: string | null;
  view: UserView | null;
  /** Why the chosen user cannot be shown (unknown id...). */
  userError: string | null;
  compareChoices: RunChoice[];
  compareRunId: string | null;
  compareRun: RunInfo | null;
  compareView: UserView | null;
  compareError: string | null;
  latent: LatentSpace | null;
  latentError: string | null;
}

/** A panel's state before anything is loaded: the restored choices, nothing computed yet. */
export function initialInspectorState(restore: InspectorRestore, compareChoices: RunChoice[], busy: string | null): InspectorState {
  return {
    runId: restore.runId,
    run: null,
    busy,
    error: null,
    k: restore.k ?? DEFAULT_K,
    users: [],
    user: restore.user ?? null,
    view: null,
    userError: null,
    compareChoices,
    compareRunId: restore.compareRunId ?? null,
    compareRun: null,
    compareView: null,
    compareError: null,
    latent: null,
    latentError: null,
  };
}

/** What a tab whose run is gone (deleted, or its folder moved away) keeps: the message, nothing it showed. */
export function runGonePatch(error: string): Partial<InspectorState> {
  return {
    run: null,
    busy: null,
    error,
    users: [],
    view: null,
    userError: null,
    compareChoices: [],
    compareRunId: null,
    compareRun: null,
    compareView: null,
    compareError: null,
    latent: null,
    latentError: null,
  };
}

export type InspectorUpdate = { type: 'state'; state: InspectorState } | { type: 'patch'; patch: Partial<InspectorState> };

export type InspectorRequest =
  | { type: 'ready' }
  | { type: 'showUser'; user: string }
  | { type: 'setK'; k: number }
  | { type: 'compare'; runId: string | null }
  | { type: 'loadLatent' }
  | { type: 'export'; scope: 'user' | 'test' };

export function parseInspectorRequest(v: unknown): Parsed<InspectorRequest> {
  return parseRequest<InspectorRequest>(v, {
    ready: bare('ready'),
    loadLatent: bare('loadLatent'),
    showUser: (m) => {
      const user = typeof m.user === 'string' ? m.user.trim() : m.user;
      return hasOnlyKeys(m, ['type', 'user']) && isValidUserId(user) ? { type: 'showUser', user } : 'showUser: expected { user: non-empty printable string }';
    },
    setK: (m) => (hasOnlyKeys(m, ['type', 'k']) && isIntegerIn(m.k, 1, MAX_K) ? { type: 'setK', k: m.k } : `setK: expected { k: integer 1..${MAX_K} }`),
    compare: (m) => {
      const runId = m.runId;
      return hasOnlyKeys(m, ['type', 'runId']) && (runId === null || isValidRunId(runId))
        ? { type: 'compare', runId }
        : 'compare: expected { runId: string | null }';
    },
    export: (m) =>
      hasOnlyKeys(m, ['type', 'scope']) && (m.scope === 'user' || m.scope === 'test')
        ? { type: 'export', scope: m.scope }
        : 'export: expected { scope: "user" | "test" }',
  });
}

/** What the page saves with setState that the host reads back to restore the panel after a reload. */
export interface InspectorRestore {
  runId: string;
  user?: string;
  k?: number;
  compareRunId?: string;
}

/** The restorable part of a saved page state, each field only if valid; undefined without a valid run. */
export function parseInspectorRestore(saved: unknown): InspectorRestore | undefined {
  if (!isRecord(saved) || !isValidRunId(saved.runId)) return undefined;
  return {
    runId: saved.runId,
    ...(isValidUserId(saved.user) ? { user: saved.user } : {}),
    ...(isIntegerIn(saved.k, 1, MAX_K) ? { k: saved.k } : {}),
    ...(isValidRunId(saved.compareRunId) ? { compareRunId: saved.compareRunId } : {}),
  };
}
