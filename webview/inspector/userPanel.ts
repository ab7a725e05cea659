/**
 * The user view: what the model recommends beside what the user rated (hits show up in both), the
 * second run's list with the overlap, and the genre mix. Rebuilt whenever what it shows changed.
 */
import type { HistoryItem, Recommendation, UserView } from '../../src/shared/inferenceResults';
import { el } from '../shared/dom';
import { MARK_LABELS, formatDate, percent } from './format';
import type { InspectorModel, Section } from './inspectorModel';
import { userPanel, type Explanation, type GenreShare, type ShownUser } from './viewData';

/** Heavy raters have thousands of ratings: the first rows come at once, the rest on request. */
const HISTORY_ROWS = 150;

/** The title, with the item id on hover: a history may hold two films of the same title. */
function titleCell(item: { title?: string; item: string }): HTMLElement {
  return item.title ? el('td', { class: 'title', title: `item ${item.item}` }, item.title) : el('td', { class: 'title id' }, `item ${item.item}`);
}

const headRow = (...cells: [string, string?][]) => el('tr', {}, ...cells.map(([text, cls]) => el('th', cls ? { class: cls } : {}, text)));

function recsTable(v: UserView, caption: string, which: 'primary' | 'second', explain: Explanation | null, shared?: Set<string>): HTMLElement {
  const rows = v.result.items.map((it: Recommendation, r) => {
    const badges: HTMLElement[] = [];
    if (it.hit) badges.push(el('span', { class: 'badge hit-badge', title: 'A held-out item of this user: the model found it' }, 'hit'));
    if (shared?.has(it.item)) badges.push(el('span', { class: 'badge shared-badge', title: 'Also in the other run’s list' }, 'both'));
    return el(
      'tr',
      { class: it.hit ? 'hit' : undefined, 'data-item': it.item, 'data-hit': it.hit ? 'true' : undefined },
      el('td', { class: 'num' }, String(it.rank)),
      titleCell(it),
      el('td', { class: 'num' }, it.year !== undefined ? String(it.year) : ''),
      el('td', { class: 'genres' }, it.genres?.join(', ') ?? ''),
      el('td', { class: 'num' }, it.score.toFixed(3)),
      el('td', { class: 'badges' }, ...badges),
      ...(explain ? [el('td', { class: 'because' }, explain.reasons[r] || '–')] : []),
    );
  });
  const head = headRow(['#', 'num'], ['Title'], ['Year', 'num'], ['Genres'], ['Score', 'num'], [''], ...(explain ? [['Because you liked'] as [string]] : []));
  const captionParts = [caption, ...(explain ? [el('span', { class: 'explain-method' }, explain.caption)] : [])];
  return el(
    'table',
    { class: `recs ${which}`, 'data-run': v.result.runId },
    el('caption', {}, ...captionParts),
    el('thead', {}, head),
    el('tbody', {}, ...rows),
  );
}

function historyTable(v: UserView): HTMLElement {
  const hits = new Set(v.result.items.filter((i) => i.hit).map((i) => i.item));
  const head = headRow([v.timeOrdered ? 'Date' : '#'], ['Rating', 'num'], ['Title'], ['Year', 'num'], ['Genres'], ['In the run']);
  const row = (h: HistoryItem, i: number) =>
    el(
      'tr',
      { class: `mark-${h.mark}${hits.has(h.item) ? ' hit' : ''}`, 'data-item': h.item },
      el('td', { class: 'date' }, v.timeOrdered ? formatDate(h.timestamp) : String(i + 1)),
      el('td', { class: 'num' }, String(h.rating)),
      titleCell(h),
      el('td', { class: 'num' }, h.year !== undefined ? String(h.year) : ''),
      el('td', { class: 'genres' }, h.genres?.join(', ') ?? ''),
      el(
        'td',
        {},
        el('span', { class: `badge mark-badge mark-${h.mark}` }, MARK_LABELS[h.mark]),
        ...(hits.has(h.item) ? [el('span', { class: 'badge hit-badge' }, 'hit')] : []),
      ),
    );
  const tbody = el('tbody', {}, ...v.history.slice(0, HISTORY_ROWS).map(row));
  const caption = `History: ${v.history.length} ratings${v.timeOrdered ? ', oldest first' : ''}`;
  const table = el('table', { class: 'history' }, el('caption', {}, caption), el('thead', {}, head), tbody);
  if (v.history.length <= HISTORY_ROWS) return table;
  const more = el('vscode-button', { secondary: true, class: 'show-all' }, `Show all ${v.history.length} ratings`);
  more.addEventListener('click', () => {
    tbody.append(...v.history.slice(HISTORY_ROWS).map((h, i) => row(h, i + HISTORY_ROWS)));
    more.remove();
  });
  return el('div', { class: 'history-block' }, table, more);
}

function shareCell(share: number, kind: string, title?: string): HTMLElement {
  const bar = el('div', { class: `bar ${kind}` });
  bar.style.width = percent(share);
  return el('td', title ? { title } : {}, el('div', { class: 'bar-track' }, bar), el('span', { class: 'share' }, percent(share)));
}

function genreMixTable(genres: GenreShare[]): HTMLElement | null {
  if (genres.length === 0) return null;
  const second = genres[0].second !== undefined;
  const head = headRow(['Genre'], ['History'], ['Recommended'], ...(second ? [['Second run'] as [string]] : []));
  const rows = genres.map((g) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, g.genre),
      shareCell(g.history, 'history-bar', `${percent(g.history)} of the rated items`),
      shareCell(g.recommended, 'recs-bar', `${percent(g.recommended)} of the recommendations`),
      ...(g.second !== undefined ? [shareCell(g.second, 'second-bar')] : []),
    ),
  );
  const caption = 'Genre mix: share of the items carrying each genre';
  return el('table', { class: 'genre-mix' }, el('caption', {}, caption), el('thead', {}, head), el('tbody', {}, ...rows));
}

function userHeader(u: ShownUser): HTMLElement {
  const metrics = u.metrics
    ? [
        el('span', { class: 'metric', 'data-metric': 'ndcg@100' }, u.metrics.ndcg),
        el('span', { class: 'metric', 'data-metric': 'recall@20' }, u.metrics.recall),
        el('span', { class: 'metric' }, u.metrics.hits),
      ]
    : [el('span', { class: 'hint' }, 'A training user: no held-out items, so no per-user metrics.')];
  return el('div', { class: 'user-header' }, el('h3', { class: 'user-title' }, u.title), el('span', { class: 'hint' }, u.facts), ...metrics);
}

export class UserPanel {
  readonly element = el('section', { class: 'user-panel', id: 'panel-user', role: 'tabpanel', 'aria-labelledby': 'tab-user' });

  render(sections: ReadonlySet<Section>, model: InspectorModel): void {
    if (sections.has('tabs')) this.element.hidden = model.view.tab !== 'user';
    if (!model.state || !sections.has('user')) return;
    const started = performance.now();
    const { error, hint, user: u } = userPanel(model.state);
    const parts: HTMLElement[] = [];
    if (error) parts.push(el('p', { class: 'error user-error', role: 'alert' }, error));
    if (hint !== null) parts.push(el('p', { class: 'hint empty' }, hint));
    if (u) {
      parts.push(userHeader(u));
      if (u.note) parts.push(el('p', { class: 'note' }, u.note));
      const primary = recsTable(u.view, u.caption, 'primary', u.explain, u.shared);
      const mix = genreMixTable(u.genres);
      const history = el('div', { class: 'history-wrap' }, historyTable(u.view));
      // The lists to compare share the first row (the second run's, or the genre mix beside the one
      // list); the history, a wide table, has a row of its own, so its "In the run" column is never cut.
      const first: HTMLElement[] = [el('div', { class: 'list-wrap' }, primary)];
      if (u.compare) {
        first.push(
          'message' in u.compare
            ? el('p', { class: u.compare.error ? 'error compare' : 'hint compare' }, u.compare.message)
            : el(
                'div',
                { class: 'compare' },
                el('p', { class: 'overlap', 'data-overlap': String(u.compare.shared.size) }, u.compare.overlap),
                recsTable(u.compare.view, u.compare.caption, 'second', u.compare.explain, u.compare.shared),
              ),
        );
      } else if (mix) first.push(mix);
      parts.push(el('div', { class: 'lists pair' }, ...first), el('div', { class: 'lists' }, history));
      if (u.compare && mix) parts.push(el('div', { class: 'lists' }, mix));
    }
    this.element.replaceChildren(...parts);
    this.element.dataset.renderMs = String(Math.round(performance.now() - started));
  }
}
