/**
 * The inspector's engine on runs trained by the bundled CLI on generated fixtures: recommendations
 * exclude the user's fold-in items and mark hits, the history marks how each rating was used, the
 * per-user NDCG of the test users averages to the run's test NDCG, the CSV export round-trips
 * through csv-parse (titles with commas and accents), the latent space has a point per user, an
 * unknown user is one clear error, a dataset without a movie file still works, and the inference
 * process (dist/inference.js) answers exactly what `vaerec recommend` prints.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { RecommendResult } from '../../src/shared/inferenceResults';
import { InspectError, RunInspector } from '../../src/trainer/inspect/runInspector';
import { InferenceClient } from '../../src/trainer/process/inferenceClient';
import { makeFixtureDir } from '../fixtures/generate';
import { cli } from '../helpers/cli';

const ROOT = path.resolve(__dirname, '../..');
const INFERENCE = path.join(ROOT, 'dist/inference.js');
for (const f of [INFERENCE]) if (!fs.existsSync(f)) throw new Error(`${f} is missing: run npm run build first`);

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-insp-cache-'));
const cleanup: string[] = [cacheDir];

function train(data: string, model = 'mvae'): string {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-insp-runs-'));
  cleanup.push(runs);
  const r = cli(['train', '--data', data, '--runs-dir', runs, '--epochs', '3', '--heldout', '20', '--model', model, '--json', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  return String((JSON.parse(lines[lines.length - 1]) as { runDir: string }).runDir);
}

interface SplitJson {
  items: string[];
  test: { user: string; foldIn: string[]; targets: string[] }[];
}

let data: string;
let runDir: string;
let split: SplitJson;
let inspector: RunInspector;

describe('RunInspector on a trained fixture run', { timeout: 300_000 }, () => {
  before(async () => {
    data = makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 });
    cleanup.push(data);
    runDir = train(data);
    split = JSON.parse(fs.readFileSync(path.join(runDir, 'split.json'), 'utf8')) as SplitJson;
    inspector = await RunInspector.open(runDir, { cacheDir });
  });

  after(() => {
    inspector?.dispose();
    for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
  });

  it('recommends for a test user: k items with titles, no fold-in item, hits exactly the held-out targets', () => {
    for (const u of split.test.slice(0, 10)) {
      const r = inspector.recommend(u.user, 30);
      assert.equal(r.role, 'test');
      assert.equal(r.items.length, 30);
      assert.equal(r.knownItems, u.foldIn.length);
      const foldIn = new Set(u.foldIn);
      const targets = new Set(u.targets);
      for (const it of r.items) {
        assert.ok(!foldIn.has(it.item), `fold-in item ${it.item} recommended to ${u.user}`);
        assert.equal(it.hit, targets.has(it.item));
        assert.ok(it.title && /\(\d{4}\)$/.test(it.title), `title of ${it.item}: ${it.title}`);
      }
      assert.deepEqual(
        r.items.map((i) => i.rank),
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      for (let i = 1; i < r.items.length; i++) assert.ok(r.items[i - 1].score >= r.items[i].score);
      if (targets.size > 0) {
        assert.ok(r.metrics && r.metrics['ndcg@100'] >= 0 && r.metrics['ndcg@100'] <= 1);
        assert.ok(r.metrics['recall@20'] >= 0 && r.metrics['recall@20'] <= 1);
      }
    }
  });

  it('recommends for a training user without their training items', () => {
    const train = inspector.usersOf('all')[0];
    const r = inspector.recommend(train, 10);
    assert.equal(r.role, 'train');
    const known = new Set(
      inspector
        .history(train)
        .items.filter((h) => h.mark === 'train')
        .map((h) => h.item),
    );
    assert.equal(known.size, r.knownItems);
    for (const it of r.items) assert.ok(!known.has(it.item));
    assert.equal(r.metrics, undefined);
  });

  it('marks the history: fold-in and held-out items as split.json has them, in time order', () => {
    const u = split.test[0];
    const h = inspector.history(u.user);
    assert.equal(h.timeOrdered, true);
    assert.deepEqual(
      h.items
        .filter((x) => x.mark === 'fold-in')
        .map((x) => x.item)
        .sort(),
      [...u.foldIn].sort(),
    );
    assert.deepEqual(
      h.items
        .filter((x) => x.mark === 'held-out')
        .map((x) => x.item)
        .sort(),
      [...u.targets].sort(),
    );
    for (const x of h.items.filter((i) => i.mark === 'unused')) assert.ok(x.rating <= 3.5 || !split.items.includes(x.item));
    for (let i = 1; i < h.items.length; i++) assert.ok((h.items[i - 1].timestamp ?? 0) <= (h.items[i].timestamp ?? 0));
    assert.ok(h.items.every((x) => typeof x.title === 'string' && Array.isArray(x.genres)));
  });

  it("lists every user; the test users' NDCG@100 averages to the run's test NDCG@100", () => {
    const users = inspector.users();
    const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as {
      test: { 'ndcg@100': number; users: number };
      split: { trainUsers: number };
    };
    assert.equal(users.length, record.split.trainUsers + 40);
    const test = users.filter((u) => u.role === 'test' && u.ndcg !== undefined);
    assert.equal(test.length, record.test.users);
    const mean = test.reduce((s, u) => s + (u.ndcg ?? 0), 0) / test.length;
    assert.ok(Math.abs(mean - record.test['ndcg@100']) < 1e-6, `${mean} vs ${record.test['ndcg@100']}`);
    // The per-user figure agrees with the one recommend() reports.
    const one = test[0];
    assert.ok(Math.abs((inspector.recommend(one.user, 5).metrics?.['ndcg@100'] ?? -1) - (one.ndcg ?? -2)) < 1e-6);
  });

  it('an unknown user is one clear error', () => {
    assert.throws(
      () => inspector.recommend('no-such-user', 10),
      (e: unknown) => e instanceof InspectError && /user no-such-user does not exist in /.test(e.message),
    );
  });

  it('projects every user into two dimensions with genre affinities', () => {
    const l = inspector.latent();
    const n = inspector.usersOf('all').length;
    assert.equal(l.users.length, n);
    assert.equal(l.x.length, n);
    assert.equal(l.y.length, n);
    assert.ok(l.explained[0] >= l.explained[1] && l.explained[0] > 0 && l.explained[0] + l.explained[1] <= 1 + 1e-9);
    assert.ok(l.genres.includes('Drama'));
    for (const a of l.affinity) for (const v of a) assert.ok(v >= 0 && v <= 1);
    assert.ok(new Set(l.x).size > n / 2, 'points are spread out');
    // Activity is counted as in the user lists.
    const listed = new Map(inspector.users().map((u) => [u.user, u.activity]));
    l.users.forEach((u, i) => assert.equal(l.activity[i], listed.get(u)));
  });

  it('exports CSV that csv-parse reads back to the same recommendations', () => {
    const users = split.test.slice(0, 5).map((u) => u.user);
    const out = inspector.exportCsv(users, 15);
    assert.equal(out.rows, 75);
    const rows = parse(out.csv, { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, 75);
    for (const user of users) {
      const r = inspector.recommend(user, 15);
      const mine = rows.filter((row) => row.user === user);
      assert.deepEqual(
        mine.map((row) => row.item),
        r.items.map((i) => i.item),
      );
      assert.deepEqual(
        mine.map((row) => row.title),
        r.items.map((i) => i.title),
      );
      assert.deepEqual(
        mine.map((row) => Number(row.score)),
        r.items.map((i) => i.score),
      );
      assert.deepEqual(
        mine.map((row) => row.hit),
        r.items.map((i) => (i.hit ? '1' : '0')),
      );
      assert.deepEqual(
        mine.map((row) => row.genres),
        r.items.map((i) => i.genres?.join('|') ?? ''),
      );
    }
    // Titles with commas ("Film 14, The (1987)") and accents survive: check on the whole catalogue.
    const all = inspector.exportCsv('test', 90);
    const parsed = parse(all.csv, { columns: true }) as Record<string, string>[];
    assert.ok(parsed.some((row) => row.title.includes(', The')));
    assert.ok(parsed.some((row) => row.title.startsWith('Café')));
    assert.equal(parsed.length, all.rows);
  });

  it('vaerec export writes the same CSV; vaerec recommend prints the list the inference process returns', async () => {
    const out = path.join(cacheDir, 'recs.csv');
    const e = cli(['export', '--run', runDir, '--out', out, '--k', '20']);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /wrote 400 recommendations for 20 users/);
    assert.equal(fs.readFileSync(out, 'utf8'), inspector.exportCsv('test', 20).csv);
    const two = split.test.slice(0, 2).map((u) => u.user);
    const some = cli(['export', '--run', runDir, '--out', out, '--users', two.join(','), '--k', '5']);
    assert.equal(some.code, 0, some.stderr);
    assert.deepEqual(
      (parse(fs.readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[]).map((r) => r.user),
      [...Array(5).fill(two[0]), ...Array(5).fill(two[1])],
    );
    const none = cli(['export', '--run', runDir, '--out', out, '--users', ' , ']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--users names no user/);

    const client = new InferenceClient({ script: INFERENCE });
    try {
      const info = await client.request({ type: 'open', runDir, cacheDir });
      assert.equal(info.hasMovies, true);
      assert.equal(info.hasLatent, true);
      for (const u of split.test.slice(0, 3)) {
        const view = await client.request({ type: 'user', runDir, user: u.user, k: 25 });
        // The inspector's view carries "because you liked", as `recommend --explain` prints it.
        const printed = cli(['recommend', '--run', runDir, '--user', u.user, '--k', '25', '--explain', '--json']);
        assert.equal(printed.code, 0, printed.stderr);
        assert.deepEqual(view.result, JSON.parse(printed.stdout) as RecommendResult);
        assert.equal(view.result.explainMethod, 'leave-one-out');
      }
      await assert.rejects(client.request({ type: 'user', runDir, user: 'nobody', k: 5 }), /user nobody does not exist/);
      // The process survives a failed request.
      assert.equal((await client.request({ type: 'users', runDir })).length, inspector.users().length);
    } finally {
      client.dispose();
    }
    const unknown = cli(['recommend', '--run', runDir, '--user', 'nobody']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^vaerec: error: user nobody does not exist/);
  });

  it('popularity runs rank the same for everyone but still exclude fold-in items, and have no latent space', async () => {
    const pop = await RunInspector.open(train(data, 'pop'), { cacheDir });
    try {
      const u = split.test[0];
      const r = pop.recommend(u.user, 20);
      for (const it of r.items) assert.ok(!u.foldIn.includes(it.item));
      assert.equal(pop.info().hasLatent, false);
      assert.throws(() => pop.latent(), /no latent space/);
    } finally {
      pop.dispose();
    }
  });

  it('a dataset without a movie file: ids, with a note', async () => {
    const dir = makeFixtureDir('generic-csv', { users: 240, items: 90, seed: 11, clusters: 3 });
    cleanup.push(dir);
    const noMovies = await RunInspector.open(train(path.join(dir, 'interactions.csv')), { cacheDir });
    try {
      const user = noMovies.usersOf('test')[0];
      const v = noMovies.userView(user, 10);
      assert.match(v.result.note ?? '', /no movie file/);
      assert.ok(v.result.items.every((i) => i.title === undefined && i.item.length > 0));
      assert.ok(v.history.length > 0 && v.history.every((h) => h.title === undefined));
      assert.equal(noMovies.info().hasMovies, false);
      assert.deepEqual(noMovies.latent().genres, []);
    } finally {
      noMovies.dispose();
    }
  });
});
