/**
 * `vaerec compare` on runs trained by the bundled CLI on a generated fixture: the per-user metrics
 * average to the recorded test metrics, the JSON and text outputs carry every figure, and every
 * reason two runs cannot be paired (other seed, protocol or data, no recommendations, edited split
 * files) is one line with exit 2, while damaged files exit 1 naming the file.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { RunComparison } from '../../src/shared/statsContracts';
import { userMetrics } from '../../src/trainer/metrics';
import { perUserTestMetrics } from '../../src/trainer/stats/perUserMetrics';
import { splitMismatch } from '../../src/trainer/stats/runComparison';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli, trainRun } from '../helpers/cli';
import { copyRunDir, editRecord, record } from '../helpers/runDirs';

const fixture = { users: 240, items: 90, seed: 11, clusters: 3 };
let runs: string;
const dirs: Record<'mvae' | 'pop' | 'mdaeSeed5' | 'popHeldout30' | 'popOtherData', string> = {
  mvae: '',
  pop: '',
  mdaeSeed5: '',
  popHeldout30: '',
  popOtherData: '',
};

const train = (data: string, extra: string[]) => trainRun(data, runs, ['--epochs', '2', ...extra]);

before(() => {
  runs = tempDir('vaerec-compare-');
  const data = removeLater(makeFixtureDir('ml-1m', fixture));
  const other = removeLater(makeFixtureDir('ml-1m', { ...fixture, seed: 12 }));
  dirs.mvae = train(data, ['--model', 'mvae']);
  dirs.pop = train(data, ['--model', 'pop']);
  dirs.mdaeSeed5 = train(data, ['--model', 'mdae', '--seed', '5']);
  dirs.popHeldout30 = train(data, ['--model', 'pop', '--heldout', '30']);
  dirs.popOtherData = train(other, ['--model', 'pop']);
});
after(removeTempDirs);

const copyRun = (dir: string, id: string) => copyRunDir(dir, runs, id);

test('per-user metrics from recommendations.json and split.json average to the run.json test metrics, user for user as metrics.ts computes them', () => {
  for (const dir of [dirs.mvae, dirs.pop]) {
    const rec = record(dir);
    const { users, metrics } = perUserTestMetrics(dir, rec);
    assert.equal(users.length, 20);
    const withTargets = metrics.filter((m) => Number.isFinite(m['ndcg@100']));
    assert.equal(withTargets.length, rec.test?.users);
    for (const key of ['ndcg@100', 'recall@20', 'recall@50'] as const) {
      const mean = withTargets.reduce((s, m) => s + m[key], 0) / withTargets.length;
      assert.ok(Math.abs(mean - (rec.test?.[key] ?? NaN)) < 1e-12, `${key}: ${mean} vs ${rec.test?.[key]}`);
    }
    // One user by hand, through the same function from the stored lists.
    const recs = JSON.parse(fs.readFileSync(path.join(dir, 'recommendations.json'), 'utf8')) as { users: { user: string; items: string[] }[] };
    const items = (JSON.parse(fs.readFileSync(path.join(dir, 'split.json'), 'utf8')) as { items: string[] }).items;
    const index = new Map(items.map((id, i) => [id, i]));
    const u = users[3];
    const ranked = recs.users.find((x) => x.user === u.user)?.items.map((id) => index.get(id) ?? -1) ?? [];
    assert.deepEqual(metrics[3], userMetrics(ranked, new Set(u.targets.map((id) => index.get(id) ?? -1))));
  }
});

test('compare --json: one object with both runs, the paired users and, per metric, the difference, its interval and both tests', () => {
  const r = cli(['compare', dirs.mvae, dirs.pop, '--json', '--resamples', '2000', '--seed', '4']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const c = JSON.parse(lines[0]) as RunComparison;
  assert.equal(c.a.id, path.basename(dirs.mvae));
  assert.equal(c.b.model, 'pop');
  assert.equal(c.users, record(dirs.mvae).test?.users);
  assert.deepEqual(
    c.metrics.map((m) => m.metric),
    ['ndcg@100', 'recall@20'],
  );
  for (const m of c.metrics) {
    const key = m.metric as 'ndcg@100' | 'recall@20';
    assert.ok(Math.abs(m.meanA - (record(dirs.mvae).test?.[key] ?? NaN)) < 1e-12);
    assert.ok(Math.abs(m.meanB - (record(dirs.pop).test?.[key] ?? NaN)) < 1e-12);
    assert.ok(Math.abs(m.meanDifference - (m.meanA - m.meanB)) < 1e-12);
    assert.equal(m.n, c.users);
    assert.ok(m.interval.lower <= m.meanDifference && m.meanDifference <= m.interval.upper, JSON.stringify(m.interval));
    assert.deepEqual([m.interval.resamples, m.interval.seed, m.interval.level], [2000, 4, 0.95]);
    assert.equal(m.tTest.df, c.users - 1);
    for (const p of [m.tTest.pValue, m.wilcoxon.pValue]) assert.ok(p >= 0 && p <= 1, String(p));
  }
  assert.deepEqual(c.warnings, []);
  // Deterministic: the same command prints the same object.
  assert.equal(cli(['compare', dirs.mvae, dirs.pop, '--json', '--resamples', '2000', '--seed', '4']).stdout, r.stdout);
});

test('compare prints both runs, the paired users and one row per metric; run ids resolve in --runs-dir', () => {
  const r = cli(['compare', path.basename(dirs.mvae), path.basename(dirs.pop), '--runs-dir', runs]);
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout;
  assert.match(text, new RegExp(`^A  ${path.basename(dirs.mvae)}  mvae  completed  test NDCG@100 \\d\\.\\d{4}`, 'm'));
  assert.match(text, new RegExp(`^B  ${path.basename(dirs.pop)}  pop  completed`, 'm'));
  assert.match(text, /^20 test users paired; differences are A - B; interval: percentile bootstrap over users, 10000 resamples \(seed 1\)/m);
  assert.match(text, /^NDCG@100\s+\d\.\d{4}\s+\d\.\d{4}\s+[+-]\d\.\d{4}\s+\[[+-]\d\.\d{4}, [+-]\d\.\d{4}\]/m);
  assert.match(text, /^Recall@20\s/m);
});

test('a run compared with itself: every difference 0, both p-values 1', () => {
  const c = JSON.parse(cli(['compare', dirs.pop, dirs.pop, '--json']).stdout) as RunComparison;
  for (const m of c.metrics) {
    assert.equal(m.meanDifference, 0);
    assert.deepEqual([m.interval.lower, m.interval.upper], [0, 0]);
    assert.equal(m.tTest.pValue, 1);
    assert.equal(m.wilcoxon.pValue, 1);
    assert.equal(m.wilcoxon.zeros, c.users);
  }
});

function refused(a: string, b: string, pattern: RegExp, code = 2): void {
  const r = cli(['compare', a, b]);
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^vaerec: error: /);
  assert.match(lines[0], pattern);
}

test('runs on another split are refused in one line, saying what differs (exit 2)', () => {
  refused(dirs.mvae, dirs.mdaeSeed5, /cannot be compared user by user: their split seeds differ \(98765 vs 5\)/);
  refused(dirs.pop, dirs.popHeldout30, /their protocols differ: heldoutUsers 20 vs 30/);
  refused(dirs.pop, dirs.popOtherData, /trained on different data \(their data fingerprints differ\)/);
  refused('no-such-run', dirs.pop, /no run "no-such-run": neither a run directory nor the id of a run in /);
});

test('the record checks: a sequential model’s time-ordered split never pairs with a random one; options to read the data must agree', () => {
  const base = record(dirs.pop);
  assert.equal(splitMismatch(base, base), undefined);
  assert.match(
    splitMismatch(base, { ...base, id: 'svae-x', model: 'svae' }) ?? '',
    /uses the random strong-generalisation split and svae-x the time-ordered \(sequential\) split/,
  );
  assert.match(
    splitMismatch(base, { ...base, config: { ...base.config, data: { ...base.config.data, delimiter: ';' } } }) ?? '',
    /read the data with different options/,
  );
  assert.match(splitMismatch(base, { ...base, fingerprint: undefined }) ?? '', /records no data fingerprint/);
  // A fingerprint is compared by content, not by the order of its keys; one changed byte is other data.
  const fp = base.fingerprint;
  assert.ok(fp);
  assert.equal(splitMismatch(base, { ...base, fingerprint: { files: [...fp.files].reverse(), layout: fp.layout } }), undefined);
  const changed = { ...fp, files: fp.files.map((f, i) => (i === 0 ? { ...f, sha256: '0'.repeat(64) } : f)) };
  assert.match(splitMismatch(base, { ...base, fingerprint: changed }) ?? '', /different data/);
  // The data's location is not its identity: the same files elsewhere are the same data.
  assert.equal(splitMismatch(base, { ...base, config: { ...base.config, data: { ...base.config.data, source: '/elsewhere' } } }), undefined);
});

test('a run without test recommendations is bad input (exit 2); damaged files exit 1 naming the file', () => {
  const noRecs = copyRun(dirs.pop, 'pop-norecs');
  editRecord(noRecs, (rj) => {
    delete rj.artifacts.recommendations;
    rj.status = 'cancelled';
  });
  refused(dirs.mvae, noRecs, /pop-norecs: the run has no test recommendations \(status cancelled/);

  const torn = copyRun(dirs.pop, 'pop-torn');
  const recs = path.join(torn, 'recommendations.json');
  fs.writeFileSync(recs, fs.readFileSync(recs, 'utf8').slice(0, 500));
  refused(dirs.mvae, torn, /pop-torn\/recommendations\.json: truncated or not valid JSON/, 1);

  const alien = copyRun(dirs.pop, 'pop-alien-item');
  const a = JSON.parse(fs.readFileSync(path.join(alien, 'recommendations.json'), 'utf8')) as { users: { items: string[] }[] };
  a.users[0].items[0] = 'not-an-item';
  fs.writeFileSync(path.join(alien, 'recommendations.json'), JSON.stringify(a));
  refused(dirs.mvae, alien, /recommendations\.json: item "not-an-item" of user \S+ is not in the run's catalogue/, 1);
});

test('split files that disagree although the records match are refused: the pairs would not be the same users', () => {
  const edited = copyRun(dirs.pop, 'pop-edited-split');
  const file = path.join(edited, 'split.json');
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as { test: { user: string; targets: string[] }[] };
  s.test[2].targets = s.test[2].targets.slice(1);
  fs.writeFileSync(file, JSON.stringify(s));
  refused(dirs.mvae, edited, new RegExp(`their split files differ at test user ${s.test[2].user} \\(position 3\\)`));
});

test('recommendations that do not average to run.json test metrics are compared with a warning on stderr', () => {
  const edited = copyRun(dirs.pop, 'pop-edited-test');
  editRecord(edited, (rj) => {
    if (rj.test) rj.test['ndcg@100'] += 0.01;
  });
  const r = cli(['compare', dirs.mvae, edited, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^vaerec: warning: pop-edited-test: test ndcg@100 recomputed from its recommendations is \d\.\d{6}, run\.json says \d\.\d{6}$/m);
});
