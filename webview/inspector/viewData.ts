/**
 * What each part of the inspector page shows, derived from the host's state and the view settings
 * without a DOM: the panels only turn these into elements.
 */
import type { LatentSpace, RecommendResult, UserRole, UserSummary, UserView } from '../../src/shared/inferenceResults';
import { EXPLAIN_METHOD_TEXT, formatBecauseShare, genreMix, listOverlap } from '../../src/shared/inferenceResults';
import type { InspectorState } from '../../src/shared/inspectorMessages';
import { modelInfo, modelLabel } from '../../src/shared/modelKinds';
import { ROLE_LABELS, fmt, percent, rampValues } from './format';

/** The picker lists this many users; the others are found by id. */
export const LIST_LIMIT = 300;

export interface HeaderText {
  title: string;
  subtitle: string;
  status: string;
  statusIsError: boolean;
}

export function headerText(s: InspectorState): HeaderText {
  const run = s.run;
  return {
    title: `Inspect: ${run ? run.name : s.runId}`,
    subtitle: run
      ? `${modelLabel(run.model)} · ${run.dataSource} · ${run.items} items · ${run.users.train} training / ${run.users.validation} validation / ${run.users.test} test users` +
        (run.hasMovies ? '' : ' · this dataset has no movie file: items are shown by id')
      : '',
    status: s.error ?? s.busy ?? '',
    statusIsError: s.error !== null,
  };
}

export interface ListedUser {
  user: string;
  detail: string;
  current: boolean;
}

/** The picker's list (`listed`: the users of the chosen kind, in the chosen order) and its summary line. */
export function userList(s: InspectorState, listed: readonly UserSummary[]): { summary: string; users: ListedUser[] } {
  const more = listed.length > LIST_LIMIT ? `, the first ${LIST_LIMIT} listed: search by id for the others` : '';
  return {
    summary: s.users.length === 0 ? '' : `${listed.length} users${more}`,
    users: listed.slice(0, LIST_LIMIT).map((u) => ({
      user: u.user,
      detail: `${u.activity} items${u.ndcg !== undefined ? ` · NDCG ${fmt(u.ndcg)}` : ''}`,
      current: u.user === s.user,
    })),
  };
}

export interface GenreShare {
  genre: string;
  history: number;
  recommended: number;
  /** The second run's recommendations, when one is compared. */
  second?: number;
}

/** The genres of the user's used ratings, the recommendations and the second run's, most rated first. */
export function genreShares(v: UserView, other: UserView | null): GenreShare[] {
  const hist = genreMix(v.history.filter((h) => h.mark !== 'unused'));
  const recs = genreMix(v.result.items);
  const second = other ? genreMix(other.result.items) : null;
  const genres = [...new Set([...Object.keys(hist), ...Object.keys(recs), ...Object.keys(second ?? {})])];
  genres.sort((a, b) => (hist[b] ?? 0) - (hist[a] ?? 0) || a.localeCompare(b));
  return genres.map((genre) => ({ genre, history: hist[genre] ?? 0, recommended: recs[genre] ?? 0, ...(second ? { second: second[genre] ?? 0 } : {}) }));
}

/** "Because you liked" for one list: the method in words, and per recommendation (in list order) its items with their shares. */
export interface Explanation {
  caption: string;
  reasons: string[];
}

export function explanation(r: RecommendResult): Explanation | null {
  const method = r.explainMethod;
  if (!method) return null;
  return {
    caption: `Because you liked: ${EXPLAIN_METHOD_TEXT[method]}.`,
    reasons: r.items.map((it) => (it.because ?? []).map((b) => `${b.title ?? `item ${b.item}`} (${formatBecauseShare(b.share, method)})`).join(' · ')),
  };
}

export interface ComparedList {
  view: UserView;
  explain: Explanation | null;
  caption: string;
  /** Items both lists hold. */
  shared: Set<string>;
  overlap: string;
}

export interface ShownUser {
  title: string;
  facts: string;
  /** NDCG@100, Recall@20 and hits; null for a training user (no held-out items). */
  metrics: { ndcg: string; recall: string; hits: string } | null;
  note: string | null;
  view: UserView;
  caption: string;
  explain: Explanation | null;
  shared: Set<string> | undefined;
  /** With a second run chosen: its list, or why it is not there yet (`error` when it failed). */
  compare: ComparedList | { message: string; error: boolean } | null;
  genres: GenreShare[];
}

const hitsOf = (v: UserView) => v.result.items.filter((i) => i.hit).length;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What the user view says while it has no user to show: nothing under a run-level error (the status
 * line has it), that the run or a restored user is still loading (after a reload the user id is back
 * before their lists), or how to pick one.
 */
function waitingHint(s: InspectorState): string {
  if (s.error) return '';
  if (!s.run) return s.user ? `Loading the run, then user ${s.user}…` : 'Loading the run…';
  if (s.user) return `Loading user ${s.user}…`;
  return 'Enter a user id, or pick a user from the list.';
}

/** The user view: the error of the last request, a hint when no user is shown, and the user's lists. */
export function userPanel(s: InspectorState): { error: string | null; hint: string | null; user: ShownUser | null } {
  const v = s.view;
  if (!v) return { error: s.userError, hint: s.userError ? null : waitingHint(s), user: null };
  const r = v.result;
  const facts = [ROLE_LABELS[r.role], `${r.knownItems} ${r.role === 'train' ? 'training' : 'fold-in'} items (excluded from the ranking)`];
  if (r.targets !== undefined) facts.push(`${r.targets} held-out items`);
  const other = s.compareView;
  const overlap = other ? listOverlap(r.items, other.result.items) : null;
  let compare: ShownUser['compare'] = null;
  if (s.compareRunId && other && overlap && s.compareRun) {
    const o = other.result;
    compare = {
      view: other,
      explain: explanation(other.result),
      caption: `Second run: top ${o.items.length} · ${modelLabel(o.model)} · ${s.compareRun.name}`,
      shared: overlap.shared,
      overlap:
        `Overlap: ${overlap.shared.size} of ${Math.min(r.items.length, o.items.length)} items (${percent(overlap.fraction)})` +
        (o.metrics ? ` · second run NDCG@100 ${fmt(o.metrics['ndcg@100'])}, Recall@20 ${fmt(o.metrics['recall@20'])}, ${plural(hitsOf(other), 'hit')}` : ''),
    };
  } else if (s.compareRunId) compare = { message: s.compareError ?? 'Loading the second run…', error: s.compareError !== null };
  return {
    error: s.userError,
    hint: null,
    user: {
      title: `User ${r.user}`,
      facts: facts.join(' · '),
      metrics: r.metrics
        ? {
            ndcg: `NDCG@100 ${fmt(r.metrics['ndcg@100'])}`,
            recall: `Recall@20 ${fmt(r.metrics['recall@20'])}`,
            hits: `${plural(hitsOf(v), 'hit')} in the top ${r.items.length}`,
          }
        : null,
      note: r.note ? `Note: ${r.note}.` : null,
      view: v,
      caption: `Top ${r.items.length} · ${modelLabel(r.model)} · ${s.run?.name ?? r.runId}`,
      explain: explanation(r),
      shared: overlap?.shared,
      compare,
      genres: genreShares(v, other),
    },
  };
}

/** The line above the projection: why there is none, its error, or that it is being computed. */
export function latentMessage(s: InspectorState): { text: string; error: boolean } {
  if (s.run && !s.run.hasLatent) {
    const why = modelInfo(s.run.model)?.noLatent ?? 'the model encodes no users';
    return { text: `${modelLabel(s.run.model)} runs have no latent space: ${why}.`, error: s.latentError !== null };
  }
  if (s.latentError) return { text: s.latentError, error: true };
  return { text: s.latent ? '' : 'Computing the projection…', error: false };
}

export function colourChoices(l: LatentSpace): [string, string][] {
  return [['activity', 'Activity (items, log scale)'], ...l.genres.map((g): [string, string] => [g, `Affinity: ${g}`])];
}

export function latentInfo(l: LatentSpace): string {
  return `${l.users.length} users, posterior means (${l.latentDims} dimensions) projected on their first two principal components: ${percent(l.explained[0])} and ${percent(l.explained[1])} of the variance. Scroll to zoom, drag to pan, click a user to open them.`;
}

export interface LatentColours {
  /** Per user, 0..1 along the colour ramp. */
  values: number[];
  /** The legend's ends. */
  low: string;
  high: string;
  /** The tooltip of user i. */
  describe(i: number): string;
}

/** The projection coloured by activity (log scale) or by affinity to a genre; `roleOf` names a user's role for the tooltip. */
export function latentColours(l: LatentSpace, colourBy: string, roleOf: (user: string) => UserRole | undefined): LatentColours {
  const g = l.genres.indexOf(colourBy);
  const raw = g >= 0 ? l.affinity[g] : l.activity;
  const label = (x: number) => (g >= 0 ? percent(x) : String(x));
  return {
    values: rampValues(raw, g < 0),
    low: label(Math.min(...raw)),
    high: label(Math.max(...raw)),
    describe: (i) =>
      `User ${l.users[i]} · ${ROLE_LABELS[roleOf(l.users[i]) ?? 'train']} · ${l.activity[i]} items${g >= 0 ? ` · ${l.genres[g]} ${percent(l.affinity[g][i])}` : ''}`,
  };
}
