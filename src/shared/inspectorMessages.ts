/**
 * The typed contracts of the recommendation inspector:
 *  - what the inference process computes (recommendations, history, user lists, latent space), shared
 *    by the engine, the CLI, the extension host and the webview so that they cannot drift apart;
 *  - the inference process protocol (parent <-> dist/inference.js over Node IPC);
 *  - the extension host <-> inspector webview messages. Everything the webview sends is untrusted and
 *    goes through `parseInspectorRequest` (unknown types and extra fields are rejected).
 */
import { isRecord, isValidRunId } from './runSchema';

export type UserRole = 'train' | 'validation' | 'test';

export interface Recommendation {
  rank: number;
  item: string;
  score: number;
  title?: string;
  year?: number;
  genres?: string[];
  /** For held-out users: the item is one of the user's held-out targets. */
  hit?: boolean;
}

export interface UserRankingMetrics {
  'ndcg@100': number;
  'recall@20': number;
}

export interface RecommendResult {
  runId: string;
  model: string;
  user: string;
  role: UserRole;
  /** Items the model was shown for this user (training items, or a held-out user's fold-in items): never recommended. */
  knownItems: number;
  targets?: number;
  items: Recommendation[];
  /** Held-out users with targets only: ranked over the whole catalogue minus the fold-in items. */
  metrics?: UserRankingMetrics;
  note?: string;
}

/**
 * How one of the user's ratings entered the run: shown to the model as training or fold-in input,
 * held out as a target, or not used (at or below the rating threshold, or an item outside the catalogue).
 */
export type HistoryMark = 'train' | 'fold-in' | 'held-out' | 'unused';

export interface HistoryItem {
  item: string;
  title?: string;
  year?: number;
  genres?: string[];
  rating: number;
  /** Seconds since the epoch, where the dataset has timestamps. */
  timestamp?: number;
  mark: HistoryMark;
}

export interface UserView {
  result: RecommendResult;
  /** Every rating of the user in the dataset, oldest first when there are timestamps. */
  history: HistoryItem[];
  timeOrdered: boolean;
}

export interface UserSummary {
  user: string;
  role: UserRole;
  /** Positive items the run has for the user (training items, or fold-in + held-out items). */
  activity: number;
  /** Held-out users with targets: NDCG@100 of the run for them. */
  ndcg?: number;
}

export interface RunInfo {
  runId: string;
  name: string;
  model: string;
  dataSource: string;
  hasMovies: boolean;
  items: number;
  users: { train: number; validation: number; test: number };
  /** The model has a latent space to project (not the popularity baseline). */
  hasLatent: boolean;
}

export interface LatentSpace {
  runId: string;
  /** One point per user (all roles), held-out users encoded from their fold-in items. */
  users: string[];
  x: number[];
  y: number[];
  activity: number[];
  /** Genre names, and per genre the share of each user's items that carry it (affinity[g][u], 0..1). */
  genres: string[];
  affinity: number[][];
  /** Share of the variance of the posterior means along each of the two axes. */
  explained: [number, number];
  latentDims: number;
}

export interface ExportSummary {
  csv: string;
  rows: number;
  users: number;
}

// ---------------------------------------------------------------------------------------------
// Inference process protocol

export type UserSet = 'test' | 'validation' | 'all';

export type InferenceCall =
  | { type: 'open'; runDir: string; cacheDir: string }
  | { type: 'users'; runDir: string }
  | { type: 'user'; runDir: string; user: string; k: number }
  | { type: 'latent'; runDir: string }
  | { type: 'export'; runDir: string; users: UserSet | string[]; k: number };

export interface InferenceResults {
  open: RunInfo;
  users: UserSummary[];
  user: UserView;
  latent: LatentSpace;
  export: ExportSummary;
}

export type InferenceRequest = InferenceCall & { id: number };

export type InferenceReply =
  | { type: 'result'; id: number; ok: true; value: InferenceResults[keyof InferenceResults] }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'log'; message: string };

const CALL_TYPES = new Set<string>(['open', 'users', 'user', 'latent', 'export']);

/** The child checks what the parent sends; the fields it then reads are checked where used. */
export function isInferenceRequest(v: unknown): v is InferenceRequest {
  return isRecord(v) && typeof v.id === 'number' && typeof v.type === 'string' && CALL_TYPES.has(v.type) && typeof v.runDir === 'string';
}

export function isInferenceReply(v: unknown): v is InferenceReply {
  if (!isRecord(v)) return false;
  if (v.type === 'log') return typeof v.message === 'string';
  return v.type === 'result' && typeof v.id === 'number' && typeof v.ok === 'boolean';
}

// ---------------------------------------------------------------------------------------------
// Extension host <-> inspector webview

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

export type InspectorUpdate = { type: 'state'; state: InspectorState } | { type: 'patch'; patch: Partial<InspectorState> };

export type InspectorRequest =
  | { type: 'ready' }
  | { type: 'showUser'; user: string }
  | { type: 'setK'; k: number }
  | { type: 'compare'; runId: string | null }
  | { type: 'loadLatent' }
  | { type: 'export'; scope: 'user' | 'test' };

const MAX_USER_ID = 200;

/** Original user ids are labels from a data file: any printable text, bounded. */
export function isValidUserId(v: unknown): v is string {
  // eslint-disable-next-line no-control-regex
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_USER_ID && !/[\u0000-\u001f\u007f]/.test(v);
}

function hasOnlyKeys(v: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(v).every((k) => keys.includes(k));
}

export type Parsed<T> = { ok: true; request: T } | { ok: false; reason: string };

export function parseInspectorRequest(v: unknown): Parsed<InspectorRequest> {
  if (!isRecord(v) || typeof v.type !== 'string') return { ok: false, reason: 'message is not an object with a type' };
  switch (v.type) {
    case 'ready':
    case 'loadLatent':
      return hasOnlyKeys(v, ['type']) ? { ok: true, request: { type: v.type } } : { ok: false, reason: `${v.type}: unexpected fields` };
    case 'showUser': {
      const user = typeof v.user === 'string' ? v.user.trim() : v.user;
      if (!hasOnlyKeys(v, ['type', 'user']) || !isValidUserId(user)) return { ok: false, reason: 'showUser: expected { user: non-empty printable string }' };
      return { ok: true, request: { type: 'showUser', user } };
    }
    case 'setK': {
      const k = v.k;
      if (!hasOnlyKeys(v, ['type', 'k']) || typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_K)
        return { ok: false, reason: `setK: expected { k: integer 1..${MAX_K} }` };
      return { ok: true, request: { type: 'setK', k } };
    }
    case 'compare': {
      const runId = v.runId;
      if (!hasOnlyKeys(v, ['type', 'runId']) || !(runId === null || isValidRunId(runId)))
        return { ok: false, reason: 'compare: expected { runId: string | null }' };
      return { ok: true, request: { type: 'compare', runId } };
    }
    case 'export': {
      if (!hasOnlyKeys(v, ['type', 'scope']) || (v.scope !== 'user' && v.scope !== 'test'))
        return { ok: false, reason: 'export: expected { scope: "user" | "test" }' };
      return { ok: true, request: { type: 'export', scope: v.scope } };
    }
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(v.type).slice(0, 40)}` };
  }
}

/** Share of the listed items carrying each genre (an item with three genres counts for each). */
export function genreMix(items: readonly { genres?: readonly string[] }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  let n = 0;
  for (const it of items) {
    if (!it.genres) continue;
    n++;
    for (const g of it.genres) counts[g] = (counts[g] ?? 0) + 1;
  }
  for (const g of Object.keys(counts)) counts[g] /= n;
  return counts;
}

/** Items two ranked lists share, and that count over the shorter list's length. */
export function listOverlap(a: readonly { item: string }[], b: readonly { item: string }[]): { shared: Set<string>; fraction: number } {
  const inB = new Set(b.map((r) => r.item));
  const shared = new Set(a.filter((r) => inB.has(r.item)).map((r) => r.item));
  const n = Math.min(a.length, b.length);
  return { shared, fraction: n === 0 ? 0 : shared.size / n };
}
