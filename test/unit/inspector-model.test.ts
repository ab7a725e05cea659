/**
 * The inspector page's model, without a DOM: how host messages and user actions change it, which
 * requests it sends, which sections it draws again, what it saves for a reload, and what each panel
 * shows (viewData).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LatentSpace, Recommendation, RunInfo, UserSummary, UserView } from '../../src/shared/inferenceResults';
import { initialInspectorState, type InspectorState } from '../../src/shared/inspectorMessages';
import { InspectorModel, type Outcome, type Section } from '../../webview/inspector/inspectorModel';
import { LIST_LIMIT, genreShares, headerText, latentColours, latentMessage, userList, userPanel } from '../../webview/inspector/viewData';

const run = (extra: Partial<RunInfo> = {}): RunInfo => ({
  runId: 'r1',
  name: 'first',
  model: 'mvae',
  dataSource: '/data/ml',
  hasMovies: true,
  items: 90,
  users: { train: 200, validation: 20, test: 20 },
  hasLatent: true,
  ...extra,
});

const USERS: UserSummary[] = [
  { user: 't1', role: 'test', activity: 10, ndcg: 0.5 },
  { user: 't2', role: 'test', activity: 30, ndcg: 0.1 },
  { user: 'v1', role: 'validation', activity: 5, ndcg: 0.9 },
  { user: 'u1', role: 'train', activity: 50 },
];

const rec = (rank: number, item: string, genres: string[], hit = false): Recommendation => ({ rank, item, score: 1 / rank, genres, ...(hit ? { hit } : {}) });

function userView(user: string, runId = 'r1', items: Recommendation[] = [rec(1, 'a', ['Drama'], true), rec(2, 'b', ['Comedy'])]): UserView {
  return {
    result: {
      runId,
      model: runId === 'r1' ? 'mvae' : 'pop',
      user,
      role: 'test',
      knownItems: 7,
      targets: 3,
      items,
      metrics: { 'ndcg@100': 0.4321, 'recall@20': 0.5 },
    },
    history: [
      { item: 'a', rating: 5, mark: 'held-out', genres: ['Drama'] },
      { item: 'c', rating: 4, mark: 'fold-in', genres: ['Drama', 'Comedy'] },
      { item: 'd', rating: 1, mark: 'unused', genres: ['Horror'] },
    ],
    timeOrdered: false,
  };
}

const latent = (genres = ['Drama', 'Comedy']): LatentSpace => ({
  runId: 'r1',
  users: ['t1', 't2', 'u1'],
  x: [0, 1, 2],
  y: [2, 1, 0],
  activity: [10, 30, 50],
  genres,
  affinity: genres.map(() => [0.1, 0.5, 0.9]),
  explained: [0.3, 0.2],
  latentDims: 8,
});

const state = (extra: Partial<InspectorState> = {}): InspectorState => ({ ...initialInspectorState({ runId: 'r1' }, [], 'Loading…'), ...extra });
const sections = (o: Outcome): Section[] => [...o.render].sort();

test('the whole state draws every section; a patch draws the header and what its fields show', () => {
  const m = new InspectorModel();
  assert.deepEqual(m.receive({ type: 'patch', patch: { busy: null } }), { render: new Set(), send: [] }, 'a patch before the state is ignored');
  assert.deepEqual(sections(m.receive({ type: 'state', state: state() })), ['colour', 'compare', 'header', 'highlight', 'latent', 'list', 'tabs', 'user']);
  assert.deepEqual(sections(m.receive({ type: 'patch', patch: { busy: 'Ranking…' } })), ['header']);
  assert.deepEqual(sections(m.receive({ type: 'patch', patch: { users: USERS, busy: null } })), ['header', 'list']);
  assert.deepEqual(sections(m.receive({ type: 'patch', patch: { user: 't1' } })), ['header', 'highlight', 'list']);
  assert.deepEqual(sections(m.receive({ type: 'patch', patch: { view: userView('t1'), userError: null } })), ['header', 'user']);
  // Clearing a comparison that was never set repeats equal values: nothing to draw again but the header.
  assert.deepEqual(sections(m.receive({ type: 'patch', patch: { compareRunId: null, compareRun: null, compareView: null, compareError: null } })), ['header']);
  assert.deepEqual(sections(m.receive({ type: 'patch', patch: { compareRunId: 'r2', busy: 'Loading the comparison run…' } })), ['compare', 'header', 'user']);
  assert.deepEqual(sections(m.receive({ type: 'patch', patch: { compareChoices: [{ runId: 'r2', label: 'second (Popularity)' }] } })), ['compare', 'header']);
  assert.equal(m.state?.user, 't1');
  assert.equal(m.state?.users.length, 4);
});

test('the projection is asked for once, when the latent view is shown and the run has one', () => {
  const m = new InspectorModel({ tab: 'latent' });
  assert.deepEqual(m.setTab('latent').send, [], 'no state yet');
  assert.deepEqual(m.receive({ type: 'state', state: state() }).send, [], 'the run is not loaded yet');
  assert.deepEqual(m.receive({ type: 'patch', patch: { run: run() } }).send, [{ type: 'loadLatent' }]);
  assert.deepEqual(m.receive({ type: 'patch', patch: { busy: 'Encoding…' } }).send, [], 'once');
  assert.deepEqual(m.setTab('user').send, []);
  assert.deepEqual(m.setTab('latent').send, [], 'once, however often the tab is shown');

  const shownLater = new InspectorModel();
  shownLater.receive({ type: 'state', state: state({ run: run() }) });
  assert.deepEqual(shownLater.setTab('latent'), { render: new Set(['tabs']), send: [{ type: 'loadLatent' }] });

  for (const without of [
    state({ run: run({ model: 'pop', hasLatent: false }) }),
    state({ run: run(), latentError: 'no weights' }),
    state({ run: run(), latent: latent() }),
  ]) {
    const m2 = new InspectorModel({ tab: 'latent' });
    assert.deepEqual(m2.receive({ type: 'state', state: without }).send, [], 'nothing to ask for');
  }
});

test('top N: a new valid N is asked for; anything else puts the shown N back', () => {
  const m = new InspectorModel();
  assert.deepEqual(m.commitK('7'), { render: new Set(), send: [] }, 'no state yet');
  m.receive({ type: 'state', state: state({ k: 20 }) });
  assert.deepEqual(m.commitK('7').send, [{ type: 'setK', k: 7 }]);
  for (const text of ['20', '0', '501', '2.5', 'ten', '']) assert.deepEqual(m.commitK(text), { render: new Set(['k']), send: [] }, text);
});

test('users are asked for by search (trimmed), from the list, at random from the list, or from the projection', () => {
  const m = new InspectorModel({ list: 'test', sort: 'activity-desc', tab: 'latent' });
  m.receive({ type: 'state', state: state({ run: run(), users: USERS }) });
  assert.deepEqual(m.search('  t1 ', 0).send, [{ type: 'showUser', user: 't1' }]);
  assert.deepEqual(m.search('   ', 0).send, []);
  assert.deepEqual(
    m.listed().map((u) => u.user),
    ['t2', 't1'],
  );
  assert.deepEqual(m.randomUser(0, 0).send, [{ type: 'showUser', user: 't2' }]);
  assert.deepEqual(m.randomUser(0.99, 0).send, [{ type: 'showUser', user: 't1' }]);
  assert.deepEqual(m.setSort('ndcg-desc').render, new Set(['list']));
  assert.deepEqual(m.randomUser(0, 0).send, [{ type: 'showUser', user: 't1' }], 'in the order shown');
  m.setList('all');
  assert.equal(m.listed().length, 4);
  const picked = m.pickUser('u1', 0);
  assert.equal(m.view.tab, 'user', 'a point clicked opens the user view');
  assert.deepEqual(picked.send, [{ type: 'showUser', user: 'u1' }]);
  assert.ok(picked.render.has('tabs'));

  const empty = new InspectorModel({ list: 'validation' });
  empty.receive({ type: 'state', state: state({ users: USERS.filter((u) => u.role !== 'validation') }) });
  assert.deepEqual(empty.randomUser(0.5, 0).send, []);
  assert.deepEqual(empty.compareWith(null).send, [{ type: 'compare', runId: null }]);
  assert.deepEqual(empty.exportCsv('test').send, [{ type: 'export', scope: 'test' }]);
});

test('the time a user was asked for is given once that user is shown', () => {
  const m = new InspectorModel();
  m.receive({ type: 'state', state: state({ run: run() }) });
  m.showUser('t1', 100);
  assert.equal(m.answeredAt(), null);
  m.receive({ type: 'patch', patch: { user: 't1', busy: 'Recommending…' } });
  assert.equal(m.answeredAt(), null, 'not drawn yet');
  m.receive({ type: 'patch', patch: { view: userView('t2') } });
  assert.equal(m.answeredAt(), null, 'another user');
  m.receive({ type: 'patch', patch: { view: userView('t1') } });
  assert.equal(m.answeredAt(), 100);
  assert.equal(m.answeredAt(), null, 'once');
});

test('saved for a reload: the view settings and the host choices; the saved ones until the state arrives', () => {
  const m = new InspectorModel({ runId: 'r1', user: '42', k: 7, compareRunId: 'r2', tab: 'latent', list: 'all', sort: 'ndcg-asc', colourBy: 'Drama' });
  assert.deepEqual(m.persisted(), { tab: 'latent', list: 'all', sort: 'ndcg-asc', colourBy: 'Drama', runId: 'r1', user: '42', k: 7, compareRunId: 'r2' });
  m.receive({ type: 'state', state: state({ user: '42', k: 7, compareRunId: 'r2' }) });
  m.receive({ type: 'patch', patch: { compareRunId: null, k: 9 } });
  assert.deepEqual(
    m.persisted(),
    { tab: 'latent', list: 'all', sort: 'ndcg-asc', colourBy: 'Drama', runId: 'r1', user: '42', k: 9 },
    'a cleared comparison is not restored',
  );
  const odd = new InspectorModel({ runId: '../x', user: 3, k: 0, tab: 'nope', list: 7, sort: null, colourBy: 4 } as never);
  assert.deepEqual(odd.persisted(), { tab: 'user', list: 'test', sort: 'activity-desc', colourBy: 'activity' });
});

test('a colour choice the projection does not offer falls back to activity', () => {
  const m = new InspectorModel({ colourBy: 'Western' });
  m.receive({ type: 'state', state: state({ run: run() }) });
  assert.equal(m.view.colourBy, 'Western', 'kept until there is a projection');
  m.receive({ type: 'patch', patch: { latent: latent() } });
  assert.equal(m.view.colourBy, 'activity');
  assert.deepEqual(m.setColourBy('Comedy').render, new Set(['colour']));
});

test('view data: the header, the user list and its limit', () => {
  assert.deepEqual(headerText(state({ busy: 'Loading…' })), { title: 'Inspect: r1', subtitle: '', status: 'Loading…', statusIsError: false });
  const h = headerText(state({ run: run({ hasMovies: false }), busy: 'x', error: 'broken' }));
  assert.equal(h.title, 'Inspect: first');
  assert.equal(
    h.subtitle,
    'Mult-VAE · /data/ml · 90 items · 200 training / 20 validation / 20 test users · this dataset has no movie file: items are shown by id',
  );
  assert.deepEqual([h.status, h.statusIsError], ['broken', true]);

  const list = userList(state({ users: USERS, user: 't1' }), USERS.slice(0, 2));
  assert.equal(list.summary, '2 users');
  assert.deepEqual(list.users, [
    { user: 't1', detail: '10 items · NDCG 0.500', current: true },
    { user: 't2', detail: '30 items · NDCG 0.100', current: false },
  ]);
  assert.equal(userList(state(), []).summary, '', 'nothing loaded yet');
  const many: UserSummary[] = Array.from({ length: LIST_LIMIT + 5 }, (_, i) => ({ user: `u${i}`, role: 'train', activity: i }));
  const long = userList(state({ users: many }), many);
  assert.equal(long.users.length, LIST_LIMIT);
  assert.equal(long.summary, `${LIST_LIMIT + 5} users, the first ${LIST_LIMIT} listed: search by id for the others`);
  assert.equal(long.users[0].detail, '0 items');
});

test('view data: the user view, with a hint, an error, the metrics, a second run and the genre mix', () => {
  assert.deepEqual(userPanel(state()), { error: null, hint: 'Loading the run…', user: null });
  assert.deepEqual(userPanel(state({ run: run() })), { error: null, hint: 'Enter a user id, or pick a user from the list.', user: null });
  assert.deepEqual(userPanel(state({ run: run(), userError: 'user x does not exist' })), { error: 'user x does not exist', hint: null, user: null });
  // After a reload the user id comes back before their lists: the pane says it is loading them.
  assert.deepEqual(userPanel(state({ user: 't1' })), { error: null, hint: 'Loading the run, then user t1…', user: null });
  assert.deepEqual(userPanel(state({ run: run(), user: 't1' })), { error: null, hint: 'Loading user t1…', user: null });
  assert.deepEqual(userPanel(state({ error: 'run r1 is gone', user: 't1' })), { error: null, hint: '', user: null }, 'a run-level error is in the status line');

  const shown = userPanel(state({ run: run(), view: userView('t1') })).user;
  assert.ok(shown);
  assert.equal(shown.title, 'User t1');
  assert.equal(shown.facts, 'test user · 7 fold-in items (excluded from the ranking) · 3 held-out items');
  assert.deepEqual(shown.metrics, { ndcg: 'NDCG@100 0.432', recall: 'Recall@20 0.500', hits: '1 hit in the top 2' });
  assert.equal(shown.caption, 'Top 2 · Mult-VAE · first');
  assert.equal(shown.compare, null);
  const trainUser = userView('u1');
  delete trainUser.result.metrics;
  assert.equal(userPanel(state({ run: run(), view: trainUser })).user?.metrics, null);

  assert.deepEqual(userPanel(state({ run: run(), view: userView('t1'), compareRunId: 'r2' })).user?.compare, {
    message: 'Loading the second run…',
    error: false,
  });
  assert.deepEqual(userPanel(state({ run: run(), view: userView('t1'), compareRunId: 'r2', compareError: 'no weights' })).user?.compare, {
    message: 'no weights',
    error: true,
  });
  const second = userView('t1', 'r2', [rec(1, 'b', ['Comedy']), rec(2, 'z', ['Comedy'])]);
  const compared = userPanel(
    state({ run: run(), view: userView('t1'), compareRunId: 'r2', compareRun: run({ runId: 'r2', name: 'pop run' }), compareView: second }),
  ).user;
  assert.ok(compared?.compare && 'overlap' in compared.compare);
  assert.equal(compared.compare.overlap, 'Overlap: 1 of 2 items (50%) · second run NDCG@100 0.432, Recall@20 0.500, 0 hits');
  assert.equal(compared.compare.caption, 'Second run: top 2 · Popularity · pop run');
  assert.deepEqual([...compared.compare.shared], ['b']);
  assert.deepEqual([...(compared.shared ?? [])], ['b'], 'the first list marks the shared items too');
  assert.deepEqual(compared.genres, [
    { genre: 'Drama', history: 1, recommended: 0.5, second: 0 },
    { genre: 'Comedy', history: 0.5, recommended: 0.5, second: 1 },
  ]);
  assert.deepEqual(genreShares(userView('t1'), null)[0], { genre: 'Drama', history: 1, recommended: 0.5 }, 'unused ratings are left out; no second column');
});

test('view data: "because you liked" says its method and names each recommendation\'s items with their shares', () => {
  assert.equal(userPanel(state({ run: run(), view: userView('t1') })).user?.explain, null, 'a list without explanations');
  const ease = userView('t1', 'r1', [
    {
      ...rec(1, 'a', ['Drama'], true),
      because: [
        { item: 'x', title: 'Alien', share: 0.42 },
        { item: 'y', share: 0.181 },
      ],
    },
    { ...rec(2, 'b', ['Comedy']), because: [] },
  ]);
  ease.result.explainMethod = 'contributions';
  const shown = userPanel(state({ run: run({ model: 'ease' }), view: ease })).user;
  assert.deepEqual(shown?.explain, {
    caption: "Because you liked: each score is a sum over the user's items (EASE's B[j, i]): the items that add most, with their share of the score.",
    reasons: ['Alien (42%) · item y (18%)', ''],
  });
  const vae = userView('t1', 'r2', [{ ...rec(1, 'b', ['Comedy']), because: [{ item: 'x', title: 'Alien', share: 0.8249 }] }]);
  vae.result.explainMethod = 'leave-one-out';
  const compared = userPanel(state({ run: run(), view: ease, compareRunId: 'r2', compareRun: run({ runId: 'r2' }), compareView: vae })).user;
  assert.ok(compared?.compare && 'explain' in compared.compare);
  assert.deepEqual(compared.compare.explain, {
    caption: "Because you liked: the user's items whose removal lowers the item's log-probability most (leave-one-out), with that drop.",
    reasons: ['Alien (-0.82)'],
  });
  const small = userView('t1', 'r2', [{ ...rec(1, 'b', ['Comedy']), because: [{ item: 'x', title: 'Alien', share: 0.0042 }] }]);
  small.result.explainMethod = 'leave-one-out';
  assert.deepEqual(userPanel(state({ run: run(), view: small })).user?.explain?.reasons, ['Alien (-0.0042)'], 'a small drop keeps two digits');
});

test('view data: the projection message, legend and tooltips', () => {
  assert.deepEqual(latentMessage(state({ run: run({ model: 'pop', hasLatent: false }) })), {
    text: 'Popularity runs have no latent space: the popularity baseline encodes no users.',
    error: false,
  });
  assert.equal(
    latentMessage(state({ run: run({ model: 'svae', hasLatent: false }) })).text,
    "SVAE runs have no latent space: SVAE's latent is per step, not per user.",
  );
  assert.deepEqual(latentMessage(state({ run: run(), latentError: 'failed' })), { text: 'failed', error: true });
  assert.deepEqual(latentMessage(state({ run: run() })), { text: 'Computing the projection…', error: false });
  assert.deepEqual(latentMessage(state({ run: run(), latent: latent() })), { text: '', error: false });

  const roles = new Map(USERS.map((u) => [u.user, u.role]));
  const byActivity = latentColours(latent(), 'activity', (u) => roles.get(u));
  assert.deepEqual([byActivity.low, byActivity.high], ['10', '50']);
  assert.equal(byActivity.values[0], 0);
  assert.equal(byActivity.values[2], 1);
  assert.equal(byActivity.describe(1), 'User t2 · test user · 30 items');
  const byGenre = latentColours(latent(), 'Comedy', () => undefined);
  assert.deepEqual([byGenre.low, byGenre.high], ['10%', '90%']);
  assert.equal(byGenre.describe(2), 'User u1 · training user · 50 items · Comedy 90%');
});
