/**
 * What the inference process computes for a run (recommendations, a user's history, the user lists,
 * the latent space, CSV exports): the data types shared by the engine, the CLI, the extension host
 * and the inspector webview so that they cannot drift apart, and small pure helpers over them.
 */
import type { ExplainMethod } from './modelKinds';

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
  /** "Because you liked": the user's items behind it, strongest first (RecommendResult.explainMethod says what `share` is). */
  because?: Because[];
}

/**
 * One of the user's items behind a recommendation. `share`: with 'contributions', its share of the
 * score (a fraction; all of the user's items' shares sum to 1); with 'leave-one-out', the drop in the
 * recommendation's log-probability when the item is left out of the user's history.
 */
export interface Because {
  item: string;
  title?: string;
  share: number;
}

/** What a `because` share is, by method: shown with the explanations (CLI and inspector). */
export const EXPLAIN_METHOD_TEXT: Readonly<Record<ExplainMethod, string>> = {
  contributions: "each score is a sum over the user's items (EASE's B[j, i]): the items that add most, with their share of the score",
  'leave-one-out': "the user's items whose removal lowers the item's log-probability most (leave-one-out), with that drop",
};

/** A share as a percentage of the score, or a drop in log-probability (two significant digits: drops are often small). */
export function formatBecauseShare(share: number, method: ExplainMethod): string {
  return method === 'contributions' ? `${(100 * share).toFixed(0)}%` : `-${share.toPrecision(2)}`;
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
  /** How each recommendation's `because` was worked out, when they were (a model whose scores depend on the user's items). */
  explainMethod?: ExplainMethod;
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

/** The users a bulk computation (an export) covers. */
export type UserSet = 'test' | 'validation' | 'all';

const MAX_USER_ID = 200;

/** Original user ids are labels from a data file: any printable text, bounded. */
export function isValidUserId(v: unknown): v is string {
  // eslint-disable-next-line no-control-regex
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_USER_ID && !/[\u0000-\u001f\u007f]/.test(v);
}

export interface ExportSummary {
  csv: string;
  rows: number;
  users: number;
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
