/**
 * The dashboard's "vs baseline" column: the host's service (reasons, background computation, cache
 * by run pair and run.json times, the baseline kept in workspaceState and cleared when its run is
 * deleted) with a recording compare function; the message contract both ways; the webview's model
 * and the cell it renders. The same service on real runs: test/process/dashboard-comparisons.test.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseComparisonsUpdate, type ComparisonsUpdate, type DashboardComparison } from '../../src/shared/dashboardComparisons';
import { parseDashboardRequest } from '../../src/shared/dashboardMessages';
import type { RunEntry, RunRecord } from '../../src/shared/runSchema';
import type { MetricComparison } from '../../src/shared/statsContracts';
import { BaselineComparisons, unavailableReason, type Comparer } from '../../src/extension/dashboard/baselineComparisons';
import { comparePair } from '../../src/extension/dashboard/pairComparison';
import { DashboardModel } from '../../webview/dashboard/dashboardModel';
import { comparisonCell, compactP } from '../../webview/dashboard/comparisonCell';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';
import { fakeMemento, until } from '../helpers/fakeVscode';
import { runRecord } from '../helpers/runRecord';

after(removeTempDirs);

const FINGERPRINT = { layout: 'movielens-dat', files: [{ name: 'ratings.dat', bytes: 10, sha256: 'a'.repeat(64) }] };

/** A finished run with per-user test results, on the default split of one dataset. */
const record = (id: string, extra: Partial<RunRecord> = {}): RunRecord =>
  runRecord(id, { fingerprint: FINGERPRINT, artifacts: { split: 'split.json', recommendations: 'recommendations.json' }, ...extra });

/** Run directories with a run.json (its modification time is part of the cache key). */
class Runs {
  readonly dir = tempDir('vaerec-vs-');
  readonly entries = new Map<string, RunEntry>();
  add(r: RunRecord): RunEntry {
    const dir = path.join(this.dir, r.id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(r));
    const entry: RunEntry = { ok: true, dir, record: r };
    this.entries.set(r.id, entry);
    return entry;
  }
  /** Rewrites run.json with a later modification time, as the trainer does at every state change. */
  touch(r: RunRecord): void {
    const entry = this.add(r);
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(path.join(entry.dir, 'run.json'), later, later);
  }
}

function metric(name: string, d: number, p: number): MetricComparison {
  return {
    metric: name,
    n: 20,
    meanA: 0.3 + d,
    meanB: 0.3,
    meanDifference: d,
    interval: { level: 0.95, lower: d - 0.01, upper: d + 0.01, resamples: 10_000, seed: 1 },
    tTest: { t: 3.1, df: 19, pValue: p },
    wilcoxon: { statistic: 12, rPlus: 150, rMinus: 12, n: 18, zeros: 2, method: 'normal', z: 2.9, pValue: p / 2 },
  };
}

/**
 * The comparer, recording its calls: runs named here go through the real comparePair (which reads
 * their run.json and split.json), the others get a fixed result as if their files had been read.
 */
function recordingComparer(calls: string[], real = new Set(['torn', 'seed5', 'svae'])): Comparer {
  return {
    compare: async (a, b) => {
      calls.push(`${path.basename(a)} vs ${path.basename(b)}`);
      if (real.has(path.basename(a))) return comparePair(a, b);
      return { state: 'done', users: 20, metrics: [metric('ndcg@100', 0.03, 0.004), metric('recall@20', 0.01, 0.2)], warnings: [] };
    },
    dispose: () => undefined,
  };
}

function service(runs: Runs, state = fakeMemento()) {
  const posted: ComparisonsUpdate[] = [];
  const warnings: string[] = [];
  const calls: string[] = [];
  const s = new BaselineComparisons(
    { get: (id) => runs.entries.get(id), post: (u) => posted.push(structuredClone(u)), warn: (m) => warnings.push(m) },
    state,
    recordingComparer(calls),
  );
  return { s, posted, warnings, calls, state };
}

const last = (posted: ComparisonsUpdate[]) => posted.at(-1)?.comparisons ?? {};

describe('BaselineComparisons on the host', () => {
  it('compares every ticked run but the baseline in the background, posting pending first, then each result', async () => {
    const runs = new Runs();
    for (const id of ['base', 'a', 'b']) runs.add(record(id));
    const { s, posted, calls } = service(runs);
    s.update(['a', 'base', 'b']);
    assert.equal(posted.length, 0, 'no baseline: nothing to compare, and the page shows none already');
    s.setBaseline('base');
    assert.deepEqual(calls, [], 'nothing is computed on the message path');
    assert.deepEqual(last(posted), { a: { state: 'pending' }, b: { state: 'pending' } });
    await until(() => calls.length === 2 && last(posted).b?.state === 'done');
    assert.deepEqual(calls, ['a vs base', 'b vs base'], 'each run is A, the baseline B: differences are run - baseline');
    assert.equal(posted.length, 3, 'pending, a done, b done');
    const a = last(posted).a;
    assert.equal(a.state === 'done' && a.metrics[0].meanDifference, 0.03);
    assert.equal(posted.at(-1)?.baseline, 'base');
  });

  it('caches by run pair and run.json times: nothing is recomputed until a record changes', async () => {
    const runs = new Runs();
    for (const id of ['base', 'a']) runs.add(record(id));
    const { s, posted, calls } = service(runs);
    s.setBaseline('base');
    s.update(['a']);
    await until(() => last(posted).a?.state === 'done');
    const count = posted.length;
    s.update(['a']);
    s.update(['a'], false);
    assert.equal(posted.length, count, 'an unchanged column is not posted again');
    s.update(['a'], true);
    assert.equal(posted.length, count + 1, 'a page that has just loaded gets it all the same');
    assert.deepEqual(last(posted).a.state, 'done');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(calls.length, 1);
    runs.touch(record('a', { name: 'retrained' }));
    s.update(['a']);
    assert.deepEqual(last(posted).a, { state: 'pending' });
    await until(() => calls.length === 2 && last(posted).a?.state === 'done');
  });

  it('a running run shows "not finished" and is compared once it finishes', async () => {
    const runs = new Runs();
    runs.add(record('base'));
    runs.add(record('live', { status: 'running', artifacts: { split: 'split.json' } }));
    const { s, posted, calls } = service(runs);
    s.setBaseline('base');
    s.update(['live']);
    assert.deepEqual(last(posted).live, { state: 'unavailable', short: 'not finished', reason: 'live is still training: it has no test results yet.' });
    runs.touch(record('live'));
    s.update(['live']);
    await until(() => last(posted).live?.state === 'done');
    assert.deepEqual(calls, ['live vs base']);
  });

  it('runs on another split are not compared: the cell says so and why', async () => {
    const runs = new Runs();
    runs.add(record('base'));
    runs.add(record('seed5', { config: { ...record('seed5').config, seed: 5 } }));
    runs.add(record('svae', { model: 'svae' }));
    const { s, posted, calls } = service(runs);
    s.setBaseline('base');
    s.update(['seed5', 'svae']);
    await until(() => Object.values(last(posted)).every((c) => c.state === 'unavailable'));
    assert.deepEqual(last(posted).seed5, {
      state: 'unavailable',
      short: 'different split',
      reason: 'seed5 and base cannot be compared user by user: their split seeds differ (5 vs 98765).',
    });
    assert.match(JSON.stringify(last(posted).svae), /"short":"different split".*time-ordered \(sequential\) split/);
    assert.deepEqual(calls.sort(), ['seed5 vs base', 'svae vs base']);
  });

  it('damaged files are reported in the cell, not thrown', async () => {
    const runs = new Runs();
    runs.add(record('base'));
    runs.add(record('torn'));
    const { s, posted } = service(runs);
    s.setBaseline('base');
    s.update(['torn']);
    await until(() => last(posted).torn?.state === 'unavailable');
    const torn = last(posted).torn;
    assert.equal(torn.state === 'unavailable' && torn.short, 'unreadable files');
    assert.match(torn.state === 'unavailable' ? torn.reason : '', /torn\/split\.json: missing$/);
  });

  it('keeps the baseline in workspaceState (a reload restores it) and clears it when its run is deleted', () => {
    const runs = new Runs();
    for (const id of ['base', 'a']) runs.add(record(id));
    const first = service(runs);
    first.s.setBaseline('base');
    const again = service(runs, first.state);
    assert.equal(again.s.baseline, 'base');
    again.s.update(['a'], true);
    assert.deepEqual(again.posted.at(-1), { type: 'comparisons', baseline: 'base', comparisons: { a: { state: 'pending' } } }, 'sent to the page that loaded');
    runs.entries.delete('base');
    again.s.update(['a']);
    assert.deepEqual(again.posted.at(-1), { type: 'comparisons', baseline: null, comparisons: {} });
    assert.equal(service(runs, first.state).s.baseline, null, 'forgotten in workspaceState too');
  });

  it('refuses an unknown or damaged baseline with a warning; null clears it', () => {
    const runs = new Runs();
    runs.add(record('a'));
    runs.entries.set('d', { ok: false, dir: '/x/d', id: 'd', reason: 'run.json is truncated' });
    const { s, warnings, posted } = service(runs);
    s.setBaseline('nope');
    s.setBaseline('d');
    assert.equal(s.baseline, null);
    assert.deepEqual(warnings, ['setBaseline: no readable run nope', 'setBaseline: no readable run d']);
    s.setBaseline('a');
    s.setBaseline(null);
    assert.equal(posted.at(-1)?.baseline, null);
  });

  it('says why there is no comparison: not finished, no test results (either side)', () => {
    const ok = (r: RunRecord): RunEntry => ({ ok: true, dir: `/runs/${r.id}`, record: r });
    const base = ok(record('base'));
    const short = (run: RunEntry | undefined, b: RunEntry | undefined = base) => unavailableReason(run, b)?.short;
    assert.equal(short(ok(record('a'))), undefined);
    assert.equal(short(ok(record('a', { status: 'running' }))), 'not finished');
    assert.equal(short(ok(record('a')), ok(record('base', { status: 'running' }))), 'baseline not finished');
    assert.equal(short(ok(record('a', { status: 'failed', artifacts: {} }))), 'no test results');
    assert.equal(short(ok(record('a', { status: 'cancelled', artifacts: { split: 'split.json' } }))), 'no test results');
    assert.equal(short(ok(record('a')), ok(record('b', { artifacts: {} }))), 'baseline no test results');
    assert.equal(short(undefined), 'damaged');
    assert.equal(unavailableReason(ok(record('a')), undefined)?.short, 'no baseline');
  });
});

describe('the comparisons contract', () => {
  it('setBaseline: a run id or null, nothing else', () => {
    assert.deepEqual(parseDashboardRequest({ type: 'setBaseline', runId: 'run-1' }), { ok: true, request: { type: 'setBaseline', runId: 'run-1' } });
    assert.deepEqual(parseDashboardRequest({ type: 'setBaseline', runId: null }), { ok: true, request: { type: 'setBaseline', runId: null } });
    for (const bad of [
      { type: 'setBaseline' },
      { type: 'setBaseline', runId: '../x' },
      { type: 'setBaseline', runId: 3 },
      { type: 'setBaseline', runId: 'a', extra: 1 },
    ]) {
      const r = parseDashboardRequest(bad);
      assert.ok(!r.ok, JSON.stringify(bad));
      assert.match(r.reason, /^setBaseline: expected \{ runId: string \| null \}$/);
    }
  });

  const done = (m = metric('ndcg@100', 0.03, 0.004)): DashboardComparison => ({ state: 'done', users: 20, metrics: [m], warnings: [] });
  const update = (comparisons: Record<string, unknown>, baseline: unknown = 'base') => ({ type: 'comparisons', baseline, comparisons });

  it('the page accepts the host message in its exact shapes, t = null included (JSON has no infinity)', () => {
    const m = metric('ndcg@100', 0.03, 0);
    const valid = update({
      a: done(),
      b: { state: 'pending' },
      c: { state: 'unavailable', short: 'different split', reason: 'why' },
      d: done({ ...m, tTest: { ...m.tTest, t: null } }),
    });
    assert.deepEqual(parseComparisonsUpdate(valid), valid);
    assert.deepEqual(parseComparisonsUpdate(update({}, null)), update({}, null));
  });

  it('the page drops a malformed host message whole', () => {
    const m = metric('ndcg@100', 0.03, 0.004);
    for (const bad of [
      null,
      update({}, '../x'),
      update({ '../a': done() }),
      update({ a: { state: 'maybe' } }),
      update({ a: { state: 'unavailable', short: 'x' } }),
      update({ a: { state: 'unavailable', short: 'x', reason: 'y'.repeat(5_000) } }),
      update({ a: done({ ...m, tTest: { ...m.tTest, pValue: 1.5 } }) }),
      update({ a: done({ ...m, meanDifference: NaN }) }),
      update({ a: done({ ...m, wilcoxon: { ...m.wilcoxon, method: 'guess' as 'exact' } }) }),
      update({ a: { ...done(), warnings: [7] } }),
      { ...update({}), type: 'runs' },
      { type: 'comparisons', baseline: 'base', comparisons: [] },
    ])
      assert.equal(parseComparisonsUpdate(bad), undefined, JSON.stringify(bad));
  });
});

describe('the vs-baseline cell in the webview', () => {
  const comparisons: Record<string, DashboardComparison> = {
    a: { state: 'done', users: 20, metrics: [metric('ndcg@100', 0.0283, 2.04e-17), metric('recall@20', -0.004, 0.2)], warnings: ['w1'] },
    p: { state: 'pending' },
    s: { state: 'unavailable', short: 'different split', reason: 'a and base cannot be compared user by user: their split seeds differ (5 vs 98765).' },
  };

  it('shows each metric’s difference and both p-values, marking those significant at 0.05 with their test', () => {
    const cell = comparisonCell('a', 'base', comparisons);
    assert.equal(cell.kind, 'done');
    if (cell.kind !== 'done') return;
    assert.deepEqual(cell.lines, [
      {
        metric: 'NDCG',
        difference: '+0.028',
        p: [
          { test: 't', text: '2e-17', significant: true },
          { test: 'W', text: '1e-17', significant: true },
        ],
      },
      {
        metric: 'R@20',
        difference: '-0.004',
        p: [
          { test: 't', text: '0.2', significant: false },
          { test: 'W', text: '0.1', significant: false },
        ],
      },
    ]);
    assert.match(
      cell.label,
      /^vs baseline: NDCG@100 \+0\.028, t-test p 2e-17 significant, Wilcoxon p 1e-17 significant; Recall@20 -0\.004, t-test p 0\.2, Wilcoxon p 0\.1$/,
    );
  });

  it('puts the full figures in the tooltip: means, interval, statistics, exact p-values, warnings', () => {
    const cell = comparisonCell('a', 'base', comparisons);
    assert.equal(
      cell.kind === 'done' && cell.title,
      [
        'vs baseline base: 20 test users paired; differences are this run − baseline',
        'NDCG@100: 0.3283 vs 0.3000, difference +0.0283, 95% CI [+0.0183, +0.0383]',
        '  paired t-test: t = 3.10, df = 19, p = 2.0e-17 (significant at 0.05)',
        '  Wilcoxon signed-rank: z = 2.90 (normal approximation, 2 zero differences dropped), p = 1.0e-17 (significant at 0.05)',
        'Recall@20: 0.2960 vs 0.3000, difference -0.0040, 95% CI [-0.0140, +0.0060]',
        '  paired t-test: t = 3.10, df = 19, p = 0.2000 (not significant at 0.05)',
        '  Wilcoxon signed-rank: z = 2.90 (normal approximation, 2 zero differences dropped), p = 0.1000 (not significant at 0.05)',
        'Interval: percentile bootstrap over users, 10000 resamples (seed 1); p-values two-sided.',
        'Warning: w1',
      ].join('\n'),
    );
  });

  it('names the baseline, the reason a run has no comparison, and a comparison under way', () => {
    assert.deepEqual(comparisonCell('base', 'base', comparisons), { kind: 'baseline', text: 'baseline', title: 'The ticked runs are compared with this run' });
    assert.deepEqual(comparisonCell('s', 'base', comparisons), {
      kind: 'unavailable',
      text: 'different split',
      title: 'a and base cannot be compared user by user: their split seeds differ (5 vs 98765).',
    });
    assert.equal(comparisonCell('p', 'base', comparisons).kind, 'pending');
    assert.equal(comparisonCell('unticked', 'base', comparisons).kind, 'empty');
    assert.equal(comparisonCell('a', null, comparisons).kind, 'empty');
  });

  it('compact p-values: two significant digits, exponents below 0.001, 0 as a bound; t of a constant shift', () => {
    assert.deepEqual([0.04999, 0.05, 0.0012, 0.00099, 2.04e-17, 0, 1].map(compactP), ['0.05', '0.05', '0.0012', '1e-3', '2e-17', '<1e-300', '1']);
    const m = metric('ndcg@100', 0.01, 0);
    const shift: DashboardComparison = { state: 'done', users: 20, metrics: [{ ...m, tTest: { ...m.tTest, t: null } }], warnings: [] };
    const cell = comparisonCell('a', 'base', { a: shift });
    assert.match(cell.kind === 'done' ? cell.title : '', /paired t-test: t = undefined \(no spread\), df = 19, p = <1e-300 \(significant at 0\.05\)/);
  });

  it('the model keeps the last valid comparisons message and ignores a malformed one', () => {
    const model = new DashboardModel();
    assert.equal(model.apply({ type: 'comparisons', baseline: 'base', comparisons }).comparisons, true);
    assert.equal(model.baseline, 'base');
    assert.deepEqual(Object.keys(model.comparisons), ['a', 'p', 's']);
    const bad = { type: 'comparisons', baseline: 'base', comparisons: { a: { state: 'done' } } } as unknown as ComparisonsUpdate;
    assert.equal(model.apply(bad).comparisons, false);
    assert.deepEqual(Object.keys(model.comparisons), ['a', 'p', 's']);
  });
});
