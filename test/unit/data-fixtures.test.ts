import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateMovies, generateRatings } from '../fixtures/generate';

describe('fixture generator', () => {
  const opts = { users: 300, items: 200, seed: 11, clusters: 4 };

  it('is deterministic per seed', () => {
    assert.deepEqual(generateRatings(opts), generateRatings(opts));
    assert.notDeepEqual(generateRatings(opts), generateRatings({ ...opts, seed: 12 }));
    assert.deepEqual(generateMovies(50, 3), generateMovies(50, 3));
  });

  it('ids start at 1, ratings 1..5, per-user counts in range, no duplicate pairs, time increasing per user', () => {
    const rows = generateRatings({ ...opts, itemsPerUser: [5, 9] });
    assert.equal(Math.min(...rows.map((r) => r.user)), 1);
    assert.equal(Math.max(...rows.map((r) => r.user)), opts.users);
    assert.ok(rows.every((r) => r.item >= 1 && r.item <= opts.items && Number.isInteger(r.rating) && r.rating >= 1 && r.rating <= 5));
    const perUser = new Map<number, number>();
    for (const r of rows) perUser.set(r.user, (perUser.get(r.user) ?? 0) + 1);
    assert.ok([...perUser.values()].every((n) => n >= 5 && n <= 9));
    assert.equal(new Set(rows.map((r) => `${r.user}:${r.item}`)).size, rows.length);
    assert.ok(rows.every((r, i) => i === 0 || rows[i - 1].user !== r.user || rows[i - 1].timestamp < r.timestamp));
    assert.ok(generateRatings({ ...opts, withTimestamps: false }).every((r) => r.timestamp === 0));
  });

  it("plants taste clusters: most of a user's items share its cluster and are rated 4-5", () => {
    const rows = generateRatings(opts);
    const cluster = (item: number): number => (item - 1) % opts.clusters;
    const byUser = new Map<number, number[]>();
    for (const r of rows) byUser.set(r.user, [...(byUser.get(r.user) ?? []), r.item]);
    let shared = 0;
    for (const items of byUser.values()) {
      const counts = new Array<number>(opts.clusters).fill(0);
      for (const item of items) counts[cluster(item)]++;
      shared += Math.max(...counts);
    }
    assert.ok(shared / rows.length > 0.8, `in-cluster share ${shared / rows.length}`);
    assert.ok(rows.filter((r) => r.rating >= 4).length / rows.length > 0.85);
  });

  it('skews popularity within clusters without one item dominating everyone', () => {
    const rows = generateRatings(opts);
    const counts = new Map<number, number>();
    for (const r of rows) counts.set(r.item, (counts.get(r.item) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    assert.ok(sorted[0] > 2 * sorted[Math.floor(sorted.length / 2)], 'head items are much more popular than the median');
    assert.ok(sorted[0] < opts.users / 2, 'but the top item is not rated by most users');
  });

  it('movies: "Film 12 (1994)" titles with years, commas, é, and MovieLens genres', () => {
    const movies = generateMovies(22, 1);
    assert.match(movies[11].title, /^Film 12 \(\d{4}\)$/);
    assert.equal(movies[11].title, `Film 12 (${movies[11].year})`);
    assert.match(movies[4].title, /^Café 5 \(/);
    assert.match(movies[6].title, /^Film 7, The \(/);
    assert.deepEqual(movies[10].genres, []);
    assert.ok(movies[0].genres.length > 0);
  });
});
