import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fingerprintOf, loadDataset } from '../../src/trainer/data/load';
import type { Dataset } from '../../src/trainer/data/types';
import { generateMovies, generateRatings, writeFixture, type FixtureLayout, type RatingRow } from '../fixtures/generate';
import { dirWith, removeTempDirs, tempDir } from '../fixtures/tempDir';

after(removeTempDirs);

const OPTS = { users: 60, items: 90, seed: 7 };
const rows = generateRatings(OPTS);
const movies = generateMovies(OPTS.items, OPTS.seed);
const load = (source: string): Promise<Dataset> => loadDataset({ source }, { cacheDir: tempDir() });

function fixture(layout: FixtureLayout): string {
  const dir = tempDir();
  writeFixture(dir, layout, rows, movies);
  return dir;
}

/** The rows as "user item rating timestamp" strings, in order, from a loaded dataset. */
function rowsOf(dataset: Dataset): string[] {
  const x = dataset.interactions;
  return Array.from({ length: x.length }, (_, n) => `${x.users[x.user[n]]} ${x.items[x.item[n]]} ${x.rating[n]} ${x.timestamp ? x.timestamp[n] : '-'}`);
}
const expectedRows = (list: RatingRow[]): string[] => list.map((r) => `${r.user} ${r.item} ${r.rating} ${r.timestamp}`);

describe('MovieLens directory layouts', () => {
  const cases: [FixtureLayout, string][] = [
    ['ml-100k', 'ml-100k'],
    ['ml-1m', 'movielens-dat'],
    ['movielens-csv', 'movielens-csv'],
  ];
  for (const [fixtureLayout, layout] of cases) {
    it(`reads the ${fixtureLayout} layout: every row, titles, years and genres`, async () => {
      const dataset = await load(fixture(fixtureLayout));
      assert.equal(dataset.layout, layout);
      assert.deepEqual(rowsOf(dataset), expectedRows(rows));
      assert.equal(dataset.interactions.users.length, new Set(rows.map((r) => r.user)).size);
      assert.equal(dataset.interactions.items.length, new Set(rows.map((r) => r.item)).size);
      assert.equal(dataset.duplicates, 0);
      assert.deepEqual(dataset.skipped, { count: 0, examples: [] });
      assert.equal(dataset.moviesMissing, 0);
      assert.ok(dataset.movies);
      assert.equal(dataset.movies.size, movies.length);
      for (const movie of movies)
        assert.deepEqual(dataset.movies.get(String(movie.id)), { title: movie.title, year: movie.year, genres: movie.genres }, `movie ${movie.id}`);
      // The fixture really exercises the hard cases.
      assert.equal(dataset.movies.get('5')?.title.startsWith('Café 5 ('), true);
      assert.equal(dataset.movies.get('7')?.title.startsWith('Film 7, The ('), true);
      assert.deepEqual(dataset.movies.get('11')?.genres, []);
    });
  }

  it('writes ML-1M and ML-100K movie files in Latin-1 (é is the single byte 0xE9)', () => {
    const dat = readFileSync(join(fixture('ml-1m'), 'movies.dat'));
    const item = readFileSync(join(fixture('ml-100k'), 'u.item'));
    for (const bytes of [dat, item]) {
      assert.ok(bytes.includes(Buffer.from([0x43, 0x61, 0x66, 0xe9]))); // "Caf" + é
      assert.equal(bytes.includes(Buffer.from('é', 'utf8')), false);
    }
  });

  it('ML-100K without u.genre falls back to the standard genre list', async () => {
    const dir = fixture('ml-100k');
    rmSync(join(dir, 'u.genre'));
    const dataset = await load(dir);
    assert.deepEqual(dataset.movies?.get('3')?.genres, movies[2].genres);
    assert.deepEqual(
      dataset.files.map((f) => f.name),
      ['u.data', 'u.item'],
    );
  });

  it('ML-10M movies.dat: UTF-8 lines as UTF-8, Latin-1 lines as Latin-1', async () => {
    const movieLines = Buffer.concat([
      Buffer.from('1::Amélie (2001)::Comedy|Romance\n', 'utf8'),
      Buffer.from('2::Café Society (1995)::Drama\n', 'latin1'),
      Buffer.from('3::Nothing (2003)::(no genres listed)\n'),
    ]);
    const dir = dirWith({ 'ratings.dat': '1::1::4.5::1\n1::2::0.5::2\n2::3::3::3\n', 'movies.dat': movieLines });
    const dataset = await load(dir);
    assert.deepEqual(dataset.movies?.get('1'), { title: 'Amélie (2001)', year: 2001, genres: ['Comedy', 'Romance'] });
    assert.deepEqual(dataset.movies?.get('2'), { title: 'Café Society (1995)', year: 1995, genres: ['Drama'] });
    assert.deepEqual(dataset.movies?.get('3')?.genres, []);
    assert.deepEqual([...dataset.interactions.rating], [4.5, 0.5, 3]);
  });

  it('movies.csv: quoted titles with commas and quotes, titles without a year', async () => {
    const dir = dirWith({
      'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4.0,10\n1,2,3.5,11\n2,3,5.0,12\n',
      'movies.csv':
        'movieId,title,genres\n1,"Good, the Bad and the Ugly, The (1966)",Action|Western\n2,"Say ""Cheese"" (2001)",Comedy\n3,Untitled,(no genres listed)\n',
    });
    const dataset = await load(dir);
    assert.deepEqual(dataset.movies?.get('1'), { title: 'Good, the Bad and the Ugly, The (1966)', year: 1966, genres: ['Action', 'Western'] });
    assert.deepEqual(dataset.movies?.get('2'), { title: 'Say "Cheese" (2001)', year: 2001, genres: ['Comedy'] });
    assert.deepEqual(dataset.movies?.get('3'), { title: 'Untitled', genres: [] });
  });

  it('a movie file that lacks some rated items: loads, and counts the items without a title', async () => {
    const dir = tempDir();
    writeFixture(
      dir,
      'ml-1m',
      rows,
      movies.filter((m) => m.id % 10 !== 0),
    );
    const dataset = await load(dir);
    const ratedWithoutMovie = new Set(rows.filter((r) => r.item % 10 === 0).map((r) => r.item)).size;
    assert.ok(ratedWithoutMovie > 0);
    assert.equal(dataset.moviesMissing, ratedWithoutMovie);
    assert.equal(dataset.movies?.get('10'), undefined);
    assert.equal(dataset.interactions.length, rows.length);
  });

  it('a ratings file without a movie file loads with movies null', async () => {
    const dataset = await load(dirWith({ 'u.data': '1\t2\t3\t4\n' }));
    assert.equal(dataset.layout, 'ml-100k');
    assert.equal(dataset.movies, null);
    assert.equal(dataset.moviesMissing, 0);
  });

  it('a directory without MovieLens files: a DataError naming the directory and what was looked for', async () => {
    const dir = dirWith({ 'notes.txt': 'hello' });
    await assert.rejects(load(dir), (error: Error) => {
      assert.equal(error.name, 'DataError');
      for (const part of [dir, 'u.data', 'ratings.dat', 'ratings.csv']) assert.ok(error.message.includes(part), error.message);
      return true;
    });
  });

  it('a missing path is a DataError naming it', async () => {
    const missing = join(tempDir(), 'nope');
    await assert.rejects(load(missing), (error: Error) => error.name === 'DataError' && error.message.includes(missing));
  });
});

describe('fingerprints', () => {
  it('records size and sha256 of every file read, stable across loads', async () => {
    const dir = fixture('ml-1m');
    const first = await load(dir);
    const second = await load(dir);
    assert.deepEqual(fingerprintOf(first), fingerprintOf(second));
    const fingerprint = fingerprintOf(first);
    assert.equal(fingerprint.layout, 'movielens-dat');
    assert.deepEqual(
      fingerprint.files.map((f) => f.name),
      ['movies.dat', 'ratings.dat'],
    );
    for (const file of fingerprint.files) {
      const path = join(dir, file.name);
      assert.equal(file.bytes, statSync(path).size);
      assert.equal(file.sha256, createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
    assert.equal(first.files[0].path, join(dir, 'ratings.dat'));
  });

  it('changes when a file changes', async () => {
    const a = fixture('movielens-csv');
    const b = tempDir();
    writeFixture(b, 'movielens-csv', rows.slice(1), movies);
    assert.notDeepEqual(fingerprintOf(await load(a)), fingerprintOf(await load(b)));
  });
});
