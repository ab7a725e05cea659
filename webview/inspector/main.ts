/**
 * Recommendation inspector webview (bundled to dist/webview/inspector.js + .css). It keeps no data
 * of its own: it announces `ready`, renders the state the host sends (and its patches) and reports
 * the user's choices. Controls are built once (so typing is never interrupted); the sections that
 * show data are rebuilt from the state on every update.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../shared/base.css';
import './inspector.css';
import type { HistoryItem, LatentSpace, Recommendation, UserView } from '../../src/shared/inferenceResults';
import { genreMix, listOverlap } from '../../src/shared/inferenceResults';
import type { InspectorState, InspectorUpdate } from '../../src/shared/inspectorMessages';
import { DEFAULT_K, MAX_K } from '../../src/shared/inspectorMessages';
import { modelInfo, modelLabel } from '../../src/shared/modelKinds';
import { el } from '../dashboard/dom';
import { MARK_LABELS, ROLE_LABELS, fmt, formatDate, listUsers, rampValues } from './format';
import { Scatter, rampColour } from './scatter';
import { loadViewState, postRequest, saveViewState, type ListKind, type ListSort, type Tab } from './vscodeApi';

const view = loadViewState();
let state: InspectorState | null = null;
const LIST_LIMIT = 300;
const HISTORY_ROWS = 150;

function persist(): void {
  saveViewState({
    ...view,
    ...(state
      ? { runId: state.runId, k: state.k, ...(state.user ? { user: state.user } : {}), ...(state.compareRunId ? { compareRunId: state.compareRunId } : {}) }
      : {}),
  });
}

function select<T extends string>(label: string, options: readonly (readonly [T, string])[], value: T, onChange: (v: T) => void): HTMLElement {
  const s = el('vscode-single-select', { 'aria-label': label });
  for (const [v, text] of options) {
    const o = el('vscode-option', { value: v }, text);
    o.selected = v === value;
    s.append(o);
  }
  s.addEventListener('change', () => {
    const picked = options.find(([v]) => v === s.value);
    if (picked) onChange(picked[0]);
  });
  return s;
}

/**
 * When the page asked for a user: the time until that user's view is drawn is kept on the panel as
 * data-latency-ms (what a user waits: host, inference process and rendering), read by the e2e suite.
 */
let asked: { user: string; at: number } | null = null;

function showUser(user: string): void {
  asked = { user, at: performance.now() };
  postRequest({ type: 'showUser', user });
}

// ---- header and toolbar (built once) ---------------------------------------------------------

const title = el('h2', { class: 'run-title' }, 'Recommendation inspector');
const subtitle = el('p', { class: 'hint run-subtitle' });
const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });

const tabs: Record<Tab, HTMLButtonElement> = {
  user: el('button', { class: 'tab', role: 'tab', id: 'tab-user', 'aria-controls': 'panel-user' }, 'Recommendations'),
  latent: el('button', { class: 'tab', role: 'tab', id: 'tab-latent', 'aria-controls': 'panel-latent' }, 'Latent space'),
};
for (const [name, button] of Object.entries(tabs) as [Tab, HTMLButtonElement][]) button.addEventListener('click', () => setTab(name));

const kField = el('vscode-textfield', { type: 'number', min: '1', max: String(MAX_K), 'aria-label': 'How many recommendations (top N)', class: 'k-field' });
kField.value = String(DEFAULT_K);
const commitK = () => {
  const k = Number(kField.value);
  if (Number.isInteger(k) && k >= 1 && k <= MAX_K && state && k !== state.k) postRequest({ type: 'setK', k });
  else if (state) kField.value = String(state.k);
};
kField.addEventListener('change', commitK);
kField.addEventListener('keydown', (e) => (e as KeyboardEvent).key === 'Enter' && commitK());

const compareHolder = el('span', { class: 'control' });
let compareKey = '';
function renderCompareSelect(s: InspectorState): void {
  const key = JSON.stringify([s.compareChoices, s.compareRunId]);
  if (key === compareKey) return;
  compareKey = key;
  const options: [string, string][] = [['', 'No second run'], ...s.compareChoices.map((c): [string, string] => [c.runId, c.label])];
  compareHolder.replaceChildren(
    el('span', {}, 'Compare with'),
    select('Compare with a second run', options, s.compareRunId ?? '', (v) => postRequest({ type: 'compare', runId: v === '' ? null : v })),
  );
}

const exportUser = el('vscode-button', { secondary: true, title: 'Save the recommendations shown for this user as CSV' }, 'Export user CSV');
exportUser.addEventListener('click', () => postRequest({ type: 'export', scope: 'user' }));
const exportTest = el('vscode-button', { secondary: true, title: 'Save the top N of every test user of the run as CSV' }, 'Export test users CSV');
exportTest.addEventListener('click', () => postRequest({ type: 'export', scope: 'test' }));

const toolbar = el(
  'div',
  { class: 'toolbar' },
  el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Inspector views' }, tabs.user, tabs.latent),
  el('label', { class: 'control' }, el('span', {}, 'Top N'), kField),
  compareHolder,
  el('span', { class: 'spacer' }),
  exportUser,
  exportTest,
);

// ---- user picker (built once; its list is refreshed) -----------------------------------------

const searchField = el('vscode-textfield', { id: 'user-search', placeholder: 'User id', 'aria-label': 'User id' });
const showButton = el('vscode-button', {}, 'Show');
const submitSearch = () => {
  const user = searchField.value.trim();
  if (user) showUser(user);
};
showButton.addEventListener('click', submitSearch);
searchField.addEventListener('keydown', (e) => (e as KeyboardEvent).key === 'Enter' && submitSearch());

const randomButton = el('vscode-button', { secondary: true, title: 'A random user of the list below' }, 'Random');
randomButton.addEventListener('click', () => {
  if (!state) return;
  const list = listUsers(state.users, view.list, view.sort);
  if (list.length) showUser(list[Math.floor(Math.random() * list.length)].user);
});

const listSummary = el('p', { class: 'hint list-summary' });
const userList = el('ul', { class: 'user-list', 'aria-label': 'Users' });
userList.addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest('button[data-user]');
  const user = button?.getAttribute('data-user');
  if (user) showUser(user);
});

const picker = el(
  'aside',
  { class: 'picker', 'aria-label': 'Choose a user' },
  el('div', { class: 'search-row' }, searchField, showButton),
  el(
    'div',
    { class: 'list-controls' },
    select<ListKind>(
      'Which users',
      [
        ['test', 'Test users'],
        ['validation', 'Validation users'],
        ['all', 'All users'],
      ],
      view.list,
      (v) => {
        view.list = v;
        persist();
        renderList();
      },
    ),
    select<ListSort>(
      'Order',
      [
        ['activity-desc', 'Most active first'],
        ['activity-asc', 'Least active first'],
        ['ndcg-asc', 'Worst NDCG@100 first'],
        ['ndcg-desc', 'Best NDCG@100 first'],
      ],
      view.sort,
      (v) => {
        view.sort = v;
        persist();
        renderList();
      },
    ),
    randomButton,
  ),
  listSummary,
  userList,
);

function renderList(): void {
  if (!state) return;
  const list = listUsers(state.users, view.list, view.sort);
  listSummary.textContent =
    state.users.length === 0 ? '' : `${list.length} users${list.length > LIST_LIMIT ? `, the first ${LIST_LIMIT} listed: search by id for the others` : ''}`;
  userList.replaceChildren(
    ...list
      .slice(0, LIST_LIMIT)
      .map((u) =>
        el(
          'li',
          {},
          el(
            'button',
            { 'data-user': u.user, class: u.user === state?.user ? 'current' : undefined, 'aria-current': u.user === state?.user ? 'true' : undefined },
            el('span', { class: 'user-id' }, u.user),
            el('span', { class: 'hint' }, `${u.activity} items${u.ndcg !== undefined ? ` · NDCG ${fmt(u.ndcg)}` : ''}`),
          ),
        ),
      ),
  );
}

// ---- the user's panel (rebuilt) --------------------------------------------------------------

const userPanel = el('section', { class: 'user-panel', id: 'panel-user', role: 'tabpanel', 'aria-labelledby': 'tab-user' });

function titleCell(item: { title?: string; item: string }): HTMLElement {
  return item.title ? el('td', { class: 'title' }, item.title) : el('td', { class: 'title id' }, `item ${item.item}`);
}

function recsTable(v: UserView, caption: string, which: 'primary' | 'second', shared?: Set<string>): HTMLElement {
  const r = v.result;
  const head = el(
    'tr',
    {},
    el('th', { class: 'num' }, '#'),
    el('th', {}, 'Title'),
    el('th', { class: 'num' }, 'Year'),
    el('th', {}, 'Genres'),
    el('th', { class: 'num' }, 'Score'),
    el('th', {}, ''),
  );
  const rows = r.items.map((it: Recommendation) => {
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
    );
  });
  return el('table', { class: `recs ${which}`, 'data-run': r.runId }, el('caption', {}, caption), el('thead', {}, head), el('tbody', {}, ...rows));
}

function historyTable(v: UserView): HTMLElement {
  const hits = new Set(v.result.items.filter((i) => i.hit).map((i) => i.item));
  const head = el(
    'tr',
    {},
    el('th', {}, v.timeOrdered ? 'Date' : '#'),
    el('th', { class: 'num' }, 'Rating'),
    el('th', {}, 'Title'),
    el('th', { class: 'num' }, 'Year'),
    el('th', {}, 'Genres'),
    el('th', {}, 'In the run'),
  );
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
  // Heavy raters have thousands of ratings: the first rows come at once, the rest on request.
  const tbody = el('tbody', {}, ...v.history.slice(0, HISTORY_ROWS).map(row));
  const table = el(
    'table',
    { class: 'history' },
    el('caption', {}, `History: ${v.history.length} ratings${v.timeOrdered ? ', oldest first' : ''}`),
    el('thead', {}, head),
    tbody,
  );
  if (v.history.length <= HISTORY_ROWS) return table;
  const more = el('vscode-button', { secondary: true, class: 'show-all' }, `Show all ${v.history.length} ratings`);
  more.addEventListener('click', () => {
    tbody.append(...v.history.slice(HISTORY_ROWS).map((h, i) => row(h, i + HISTORY_ROWS)));
    more.remove();
  });
  return el('div', { class: 'history-block' }, table, more);
}

function bar(share: number, kind: string): HTMLElement {
  const b = el('div', { class: `bar ${kind}` });
  b.style.width = `${Math.round(share * 100)}%`;
  return el('div', { class: 'bar-track' }, b);
}

function genreMixTable(v: UserView, other: UserView | null): HTMLElement | null {
  const used = v.history.filter((h) => h.mark !== 'unused');
  const hist = genreMix(used);
  const recs = genreMix(v.result.items);
  const second = other ? genreMix(other.result.items) : null;
  const genres = [...new Set([...Object.keys(hist), ...Object.keys(recs), ...Object.keys(second ?? {})])].sort(
    (a, b) => (hist[b] ?? 0) - (hist[a] ?? 0) || a.localeCompare(b),
  );
  if (genres.length === 0) return null;
  const head = el('tr', {}, el('th', {}, 'Genre'), el('th', {}, 'History'), el('th', {}, 'Recommended'), ...(second ? [el('th', {}, 'Second run')] : []));
  const rows = genres.map((g) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, g),
      el(
        'td',
        { title: `${Math.round((hist[g] ?? 0) * 100)}% of the rated items` },
        bar(hist[g] ?? 0, 'history-bar'),
        el('span', { class: 'share' }, `${Math.round((hist[g] ?? 0) * 100)}%`),
      ),
      el(
        'td',
        { title: `${Math.round((recs[g] ?? 0) * 100)}% of the recommendations` },
        bar(recs[g] ?? 0, 'recs-bar'),
        el('span', { class: 'share' }, `${Math.round((recs[g] ?? 0) * 100)}%`),
      ),
      ...(second ? [el('td', {}, bar(second[g] ?? 0, 'second-bar'), el('span', { class: 'share' }, `${Math.round((second[g] ?? 0) * 100)}%`))] : []),
    ),
  );
  return el(
    'table',
    { class: 'genre-mix' },
    el('caption', {}, 'Genre mix: share of the items carrying each genre'),
    el('thead', {}, head),
    el('tbody', {}, ...rows),
  );
}

function renderUserPanel(s: InspectorState): void {
  const parts: (HTMLElement | string)[] = [];
  if (s.userError) parts.push(el('p', { class: 'error user-error', role: 'alert' }, s.userError));
  const v = s.view;
  if (!v) {
    if (!s.userError) parts.push(el('p', { class: 'hint empty' }, s.run ? 'Enter a user id, or pick a user from the list.' : ''));
    userPanel.replaceChildren(...parts);
    return;
  }
  const r = v.result;
  const facts = [ROLE_LABELS[r.role], `${r.knownItems} ${r.role === 'train' ? 'training' : 'fold-in'} items (excluded from the ranking)`];
  if (r.targets !== undefined) facts.push(`${r.targets} held-out items`);
  const hits = r.items.filter((i) => i.hit).length;
  parts.push(
    el(
      'div',
      { class: 'user-header' },
      el('h3', { class: 'user-title' }, `User ${r.user}`),
      el('span', { class: 'hint' }, facts.join(' · ')),
      ...(r.metrics
        ? [
            el('span', { class: 'metric', 'data-metric': 'ndcg@100' }, `NDCG@100 ${fmt(r.metrics['ndcg@100'])}`),
            el('span', { class: 'metric', 'data-metric': 'recall@20' }, `Recall@20 ${fmt(r.metrics['recall@20'])}`),
            el('span', { class: 'metric' }, `${hits} hit${hits === 1 ? '' : 's'} in the top ${r.items.length}`),
          ]
        : [el('span', { class: 'hint' }, 'A training user: no held-out items, so no per-user metrics.')]),
    ),
  );
  if (r.note) parts.push(el('p', { class: 'note' }, `Note: ${r.note}.`));

  // What the model recommends beside what the user rated: hits show up in both.
  const other = s.compareView;
  const overlap = other ? listOverlap(r.items, other.result.items) : null;
  parts.push(
    el(
      'div',
      { class: 'lists' },
      recsTable(v, `Top ${r.items.length} · ${modelLabel(r.model)} · ${s.run?.name ?? r.runId}`, 'primary', overlap?.shared),
      historyTable(v),
    ),
  );

  const below = el('div', { class: 'lists' });
  if (s.compareRunId) {
    if (other && overlap && s.compareRun) {
      const o = other.result;
      const oHits = o.items.filter((i) => i.hit).length;
      below.append(
        el(
          'div',
          { class: 'compare' },
          el(
            'p',
            { class: 'overlap', 'data-overlap': String(overlap.shared.size) },
            `Overlap: ${overlap.shared.size} of ${Math.min(r.items.length, o.items.length)} items (${Math.round(overlap.fraction * 100)}%)` +
              (o.metrics
                ? ` · second run NDCG@100 ${fmt(o.metrics['ndcg@100'])}, Recall@20 ${fmt(o.metrics['recall@20'])}, ${oHits} hit${oHits === 1 ? '' : 's'}`
                : ''),
          ),
          recsTable(other, `Second run: top ${o.items.length} · ${modelLabel(o.model)} · ${s.compareRun.name}`, 'second', overlap.shared),
        ),
      );
    } else {
      below.append(el('p', { class: s.compareError ? 'error' : 'hint' }, s.compareError ?? 'Loading the second run…'));
    }
  }
  const mix = genreMixTable(v, other);
  if (mix) below.append(mix);
  parts.push(below);
  userPanel.replaceChildren(...parts);
}

// ---- latent space ----------------------------------------------------------------------------

const latentPanel = el('section', { class: 'latent-panel', id: 'panel-latent', role: 'tabpanel', 'aria-labelledby': 'tab-latent' });
const scatter = new Scatter((user) => {
  setTab('user');
  showUser(user);
});
const latentInfo = el('p', { class: 'hint latent-info' });
const latentMessage = el('p', { class: 'hint' });
const colourHolder = el('span', { class: 'control' });
const legend = el('div', { class: 'legend', 'aria-hidden': 'true' });
const resetZoom = el('vscode-button', { secondary: true, title: 'Back to the whole picture (key 0)' }, 'Reset zoom');
resetZoom.addEventListener('click', () => scatter.resetView());
latentPanel.append(
  el('div', { class: 'toolbar' }, colourHolder, legend, el('span', { class: 'spacer' }), resetZoom),
  latentInfo,
  latentMessage,
  scatter.element,
);

let shownLatent: LatentSpace | null = null;
let shownColour = '';

function renderLatent(s: InspectorState): void {
  const l = s.latent;
  if (s.run && !s.run.hasLatent)
    latentMessage.textContent = `${modelLabel(s.run.model)} runs have no latent space: ${modelInfo(s.run.model)?.noLatent ?? 'the model encodes no users'}.`;
  else if (s.latentError) latentMessage.textContent = s.latentError;
  else latentMessage.textContent = l ? '' : 'Computing the projection…';
  latentMessage.className = s.latentError ? 'error' : 'hint';
  if (!l) {
    scatter.setData(null);
    shownLatent = null;
    return;
  }
  if (view.colourBy !== 'activity' && !l.genres.includes(view.colourBy)) view.colourBy = 'activity';
  if (l !== shownLatent) {
    colourHolder.replaceChildren(
      el('span', {}, 'Colour by'),
      select<string>(
        'Colour the users by',
        [['activity', 'Activity (items, log scale)'], ...l.genres.map((g): [string, string] => [g, `Affinity: ${g}`])],
        view.colourBy,
        (v) => {
          view.colourBy = v;
          persist();
          if (state) renderLatent(state);
        },
      ),
    );
    latentInfo.textContent = `${l.users.length} users, posterior means (${l.latentDims} dimensions) projected on their first two principal components: ${Math.round(l.explained[0] * 100)}% and ${Math.round(l.explained[1] * 100)}% of the variance. Scroll to zoom, drag to pan, click a user to open them.`;
  }
  if (l !== shownLatent || view.colourBy !== shownColour) {
    const g = l.genres.indexOf(view.colourBy);
    const raw = g >= 0 ? l.affinity[g] : l.activity;
    const values = rampValues(raw, g < 0);
    const roles = new Map((state?.users ?? []).map((u) => [u.user, u.role]));
    scatter.setData({
      users: l.users,
      x: l.x,
      y: l.y,
      value: values,
      describe: (i) =>
        `User ${l.users[i]} · ${ROLE_LABELS[roles.get(l.users[i]) ?? 'train']} · ${l.activity[i]} items${g >= 0 ? ` · ${l.genres[g]} ${Math.round(l.affinity[g][i] * 100)}%` : ''}`,
    });
    const lo = Math.min(...raw);
    const hi = Math.max(...raw);
    const label = (x: number) => (g >= 0 ? `${Math.round(x * 100)}%` : String(x));
    const ramp = el('span', { class: 'ramp' });
    ramp.style.background = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(rampColour).join(', ')})`;
    legend.replaceChildren(el('span', {}, label(lo)), ramp, el('span', {}, label(hi)));
    shownLatent = l;
    shownColour = view.colourBy;
  }
  scatter.highlight(s.user);
}

// ---- top level -------------------------------------------------------------------------------

function setTab(tab: Tab): void {
  view.tab = tab;
  persist();
  for (const [name, button] of Object.entries(tabs) as [Tab, HTMLButtonElement][]) {
    button.setAttribute('aria-selected', String(name === tab));
    button.tabIndex = name === tab ? 0 : -1;
  }
  userPanel.hidden = tab !== 'user';
  latentPanel.hidden = tab !== 'latent';
  requestLatentIfShown();
}

let latentRequested = false;
/** Asks for the projection once, when the latent view is shown and the run has one. */
function requestLatentIfShown(): void {
  if (view.tab !== 'latent' || latentRequested || !state?.run?.hasLatent || state.latent || state.latentError) return;
  latentRequested = true;
  postRequest({ type: 'loadLatent' });
}

function render(): void {
  const s = state;
  if (!s) return;
  const run = s.run;
  title.textContent = run ? `Inspect: ${run.name}` : `Inspect: ${s.runId}`;
  subtitle.textContent = run
    ? `${modelLabel(run.model)} · ${run.dataSource} · ${run.items} items · ${run.users.train} training / ${run.users.validation} validation / ${run.users.test} test users` +
      (run.hasMovies ? '' : ' · this dataset has no movie file: items are shown by id')
    : '';
  status.textContent = s.error ?? s.busy ?? '';
  status.className = s.error ? 'status error' : 'status';
  if (document.activeElement !== kField) kField.value = String(s.k);
  if (s.user && document.activeElement !== searchField && searchField.value !== s.user) searchField.value = s.user;
  renderCompareSelect(s);
  // Sections are rebuilt only when what they show changed: a patch often touches one field (busy).
  if (changed('list', [s.users, view.list, view.sort, s.user])) renderList();
  if (changed('user', [s.view, s.compareView, s.userError, s.compareError, s.compareRun, s.compareRunId, s.run])) {
    const started = performance.now();
    renderUserPanel(s);
    userPanel.dataset.renderMs = String(Math.round(performance.now() - started));
  }
  if (changed('latent', [s.latent, s.latentError, s.run, s.user, s.users])) renderLatent(s);
  persist();
  if (asked && s.view?.result.user === asked.user) {
    const since = asked.at;
    asked = null;
    // Two frames: the view has been laid out and painted by the time the second callback runs.
    requestAnimationFrame(() => requestAnimationFrame(() => (userPanel.dataset.latencyMs = String(Math.round(performance.now() - since)))));
  }
}

const lastShown = new Map<string, unknown[]>();
function changed(section: string, deps: unknown[]): boolean {
  const before = lastShown.get(section);
  if (before && before.length === deps.length && before.every((d, i) => d === deps[i])) return false;
  lastShown.set(section, deps);
  return true;
}

const app = document.getElementById('app') ?? document.body;
app.replaceChildren(
  el('header', { class: 'run-header' }, title, subtitle, status),
  toolbar,
  el('div', { class: 'layout' }, picker, el('div', { class: 'main' }, userPanel, latentPanel)),
);
app.removeAttribute('aria-busy');
setTab(view.tab);

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  // Only the extension host posts here; the check keeps a stray message from breaking the page.
  const data = event.data as Partial<InspectorUpdate> | null;
  if (typeof data !== 'object' || data === null) return;
  if (data.type === 'state' && data.state) state = data.state;
  else if (data.type === 'patch' && data.patch && state) state = { ...state, ...data.patch };
  else return;
  render();
  requestLatentIfShown();
});

postRequest({ type: 'ready' });
