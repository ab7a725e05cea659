/**
 * Issue 7, bad data, as the user meets it: through `vaerec train`. Every malformed input exits
 * non-zero with one line naming the file (and the line, where there is one) and leaves the runs
 * directory untouched; inputs that are odd but meaningful (CRLF, blank lines, mixed encodings,
 * duplicates, a movie file that lacks items) train, with a warning where something was dropped.
 * A very large file is read with a heap far smaller than the file, so it must be streamed.
 * Runs the bundled dist/cli.js (npm test builds first).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadDataset } from '../../src/trainer/data/load';
import { generateMovies, generateRatings, writeFixture } from '../fixtures/generate';
import { dirWith, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli } from '../helpers/cli';

after(removeTempDirs);

/** 120 users x 60 items: enough for a split with 10 held-out users, small enough to train in a second. */
const rows = generateRatings({ users: 120, items: 60, seed: 21, clusters: 3 });
const movies = generateMovies(60, 21);
const datLines = rows.map((r) => `${r.user}::${r.item}::${r.rating}::${r.timestamp}`);
const datText = (lines: string[]) => lines.join('\n') + '\n';

/** ratings.dat with line `lineNo` (1-based) replaced. */
function ratingsWith(lineNo: number, text: string): string {
  const lines = [...datLines];
  lines[lineNo - 1] = text;
  return datText(lines);
}

const train = (data: string, runs: string, extra: string[] = []) =>
  cli(['train', '--data', data, '--runs-dir', runs, '--epochs', '1', '--heldout', '10', '--backend', 'cpu', ...extra]);

/** The one stderr line of a failed `train --json`, after checking exit code, stdout and the runs directory. */
function failsWithOneLine(data: string): string {
  const runs = path.join(tempDir(), 'runs');
  const r = train(data, runs, ['--json']);
  assert.equal(r.code, 2, `exit code 2, bad input (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^vaerec: error: /);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { status: string; runId?: string };
  assert.equal(summary.status, 'failed');
  assert.equal(summary.runId, undefined, 'no run was created');
  assert.ok(!fs.existsSync(runs) || fs.readdirSync(runs).length === 0, 'nothing written in the runs directory');
  return lines[0];
}

describe('bad data through the CLI: exit 2, one line naming the file and line, runs directory untouched', () => {
  const lineCases: [string, number, string, RegExp][] = [
    ['a wrong delimiter', 7, '3,17,4,978300760', /expected 4 fields separated by '::', found 1/],
    ['a non-numeric user id', 12, 'u12::17::4::978300760', /user id "u12" is not a non-negative integer/],
    ['a non-numeric item id', 13, '3::film::4::978300760', /item id "film" is not a non-negative integer/],
    ['a rating out of range', 14, '3::17::11::978300760', /rating 11 is outside 0.5..5/],
    ['a NaN rating', 15, '3::17::NaN::978300760', /rating "NaN" is not a number/],
  ];
  for (const [name, lineNo, text, reason] of lineCases) {
    it(`${name} in ratings.dat`, () => {
      const dir = dirWith({ 'ratings.dat': ratingsWith(lineNo, text) });
      const line = failsWithOneLine(dir);
      assert.ok(line.includes(`${path.join(dir, 'ratings.dat')}:${lineNo}: `), line);
      assert.match(line, reason);
    });
  }

  it('an empty ratings file (names the file; there is no line)', () => {
    const dir = dirWith({ 'ratings.dat': '' });
    assert.match(failsWithOneLine(dir), new RegExp(`${path.join(dir, 'ratings.dat')}: no ratings`));
    const blank = dirWith({ 'ratings.csv': '\n\n' });
    assert.match(failsWithOneLine(blank), /ratings\.csv: (no ratings|expected the header)/);
  });

  it('an empty generic file', () => {
    const dir = dirWith({ 'mine.csv': '' });
    assert.match(failsWithOneLine(path.join(dir, 'mine.csv')), /mine\.csv: no ratings/);
  });

  it('a generic file with a row of the wrong width', () => {
    const dir = dirWith({
      'mine.tsv':
        rows
          .slice(0, 50)
          .map((r) => `${r.user}\t${r.item}\t${r.rating}`)
          .join('\n') + '\n7\t8\n',
    });
    assert.match(failsWithOneLine(path.join(dir, 'mine.tsv')), /mine\.tsv:51: expected 3 fields separated by tabs, found 2/);
  });

  it('a directory with no recognised files', () => {
    const dir = dirWith({ 'notes.txt': 'hello\n', 'data.json': '{}' });
    assert.match(failsWithOneLine(dir), new RegExp(`no MovieLens ratings file found in ${dir}; looked for u.data`));
  });

  it('a path that does not exist', () => {
    const missing = path.join(tempDir(), 'nope');
    assert.match(failsWithOneLine(missing), new RegExp(`${missing}: no such file or directory`));
  });

  it('a malformed movie file (movies.dat and u.item)', () => {
    const dat = dirWith({ 'ratings.dat': datText(datLines), 'movies.dat': '1::Film (1990)::Drama\n2::Broken (1991)\n' });
    assert.match(failsWithOneLine(dat), new RegExp(`${path.join(dat, 'movies.dat')}:2: expected 3 fields`));
    const item = dirWith({ 'u.data': rows.map((r) => `${r.user}\t${r.item}\t${r.rating}\t${r.timestamp}`).join('\n') + '\n', 'u.item': '1|Film|x|y|z|0|1\n' });
    assert.match(failsWithOneLine(item), new RegExp(`${path.join(item, 'u.item')}:1: expected 24 fields`));
  });

  it('--skip-bad-rows trains anyway and reports each skipped row by file and line', () => {
    const lines = [...datLines];
    lines[4] = '1::2::x::3';
    lines[8] = '1,2,3,4';
    const dir = dirWith({ 'ratings.dat': datText(lines) });
    const r = train(dir, path.join(tempDir(), 'runs'), ['--skip-bad-rows']);
    assert.equal(r.code, 0, r.stderr);
    const file = path.join(dir, 'ratings.dat');
    assert.match(r.stderr, new RegExp(`warning: skipped 2 malformed rows, e\\.g\\. ${file}:5: rating "x" is not a number; ${file}:9: expected 4 fields`));
  });
});

describe('odd but meaningful data trains, with a warning where something was dropped', () => {
  it('CRLF endings, blank lines and a byte-order mark read exactly like the clean file', () => {
    const clean = dirWith({ 'ratings.dat': datText(datLines) });
    const messy = dirWith({ 'ratings.dat': '\uFEFF' + datLines.map((l, i) => (i % 7 === 3 ? `\r\n   \r\n${l}` : l)).join('\r\n') + '\r\n\r\n' });
    const runs = path.join(tempDir(), 'runs');
    const a = train(clean, runs, ['--json', '--seed', '5']);
    const b = train(messy, runs, ['--json', '--seed', '5']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const split = (out: string) => JSON.parse(fs.readFileSync(path.join(String(JSON.parse(out.trim().split('\n').at(-1)!).runDir), 'run.json'), 'utf8')).split;
    assert.deepEqual(split(b.stdout), split(a.stdout), 'same users, items and interactions');
  });

  it('duplicate (user, item) rows: the last one wins and the warning names the file', () => {
    const dir = dirWith({ 'ratings.dat': datText([...datLines, datLines[0], datLines[1]]) });
    const r = train(dir, path.join(tempDir(), 'runs'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`warning: ${path.join(dir, 'ratings.dat')}: 2 duplicate \\(user, item\\) rows: the last rating of each pair was kept`));
  });

  it('a movie file that lacks rated items: trains, and the warning says how many have no title', () => {
    const dir = tempDir();
    writeFixture(dir, 'ml-1m', rows, movies.slice(0, 50));
    const r = train(dir, path.join(tempDir(), 'runs'));
    assert.equal(r.code, 0, r.stderr);
    const missing = new Set(rows.map((x) => x.item).filter((i) => i > 50)).size;
    assert.match(r.stderr, new RegExp(`warning: ${path.join(dir, 'movies.dat')}: ${missing} rated items have no entry there`));
  });

  it('mixed Latin-1 / UTF-8 titles in movies.dat and ids in a generic file are each decoded right', async () => {
    const dat = dirWith({
      'ratings.dat': '1::1::5::1\n1::2::4::2\n',
      'movies.dat': Buffer.concat([Buffer.from('1::Café Society (1995)::Drama\n', 'utf8'), Buffer.from('2::Amélie (2001)::Comedy\n', 'latin1')]),
    });
    const dataset = await loadDataset({ source: dat }, { cacheDir: tempDir() });
    assert.deepEqual([dataset.movies?.get('1')?.title, dataset.movies?.get('2')?.title], ['Café Society (1995)', 'Amélie (2001)']);
    // Before per-line decoding, both Latin-1 ids became "caf\uFFFD": two users silently merged into one.
    const generic = dirWith({ 'r.csv': Buffer.concat([Buffer.from('user,item,rating\nzoë,a,5\n', 'utf8'), Buffer.from('café,a,4\ncafè,b,3\n', 'latin1')]) });
    const g = await loadDataset({ source: path.join(generic, 'r.csv') }, { cacheDir: tempDir() });
    assert.deepEqual(g.interactions.users, ['zoë', 'café', 'cafè']);
    assert.equal(g.duplicates, 0);
  });
});

describe('a very large file is streamed with bounded memory', () => {
  // Far smaller than the file: a reader that held the file, or one string per line, runs out of heap.
  const HEAP_MB = 40;
  for (const layout of ['ml-1m', 'generic-csv'] as const) {
    it(`${layout}: ~70 MB of ratings load in a ${HEAP_MB} MB heap`, { timeout: 120_000 }, (t) => {
      const dir = tempDir('vaerec-large-');
      const file = path.join(dir, layout === 'ml-1m' ? 'ratings.dat' : 'big.csv');
      const fd = fs.openSync(file, 'w');
      const users = 30_000;
      const perUser = 100;
      if (layout === 'generic-csv') fs.writeSync(fd, 'user,item,rating,timestamp\n');
      for (let u = 1; u <= users; u += 1000) {
        const chunk: string[] = [];
        for (let v = u; v < u + 1000; v++)
          for (let k = 0; k < perUser; k++) {
            const item = ((v * 7919 + k * 104729) % 3900) + 1;
            chunk.push(layout === 'ml-1m' ? `${v}::${item}::${1 + ((v + k) % 5)}::${978300000 + k}` : `${v},${item},${1 + ((v + k) % 5)},${978300000 + k}`);
          }
        fs.writeSync(fd, chunk.join('\n') + '\n');
      }
      fs.closeSync(fd);
      const bytes = fs.statSync(file).size;
      assert.ok(bytes > 60e6, `${bytes} bytes`);
      const probe = [
        "const { loadDataset } = require('./src/trainer/data/load');",
        `loadDataset({ source: ${JSON.stringify(layout === 'ml-1m' ? dir : file)} }, { cacheDir: ${JSON.stringify(dir)} }).then((d) => {`,
        '  const heap = process.memoryUsage().heapUsed;',
        '  console.log(JSON.stringify({ rows: d.interactions.length, users: d.interactions.users.length, duplicates: d.duplicates, heap, maxRss: process.resourceUsage().maxRSS * 1024 }));',
        '}, (e) => { console.error(e.stack); process.exit(3); });',
      ].join('\n');
      const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', '-e', probe], {
        cwd: path.resolve(__dirname, '../..'),
        encoding: 'utf8',
        timeout: 110_000,
      });
      assert.equal(r.status, 0, `the load failed (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(-2000)}`);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { rows: number; users: number; duplicates: number; heap: number; maxRss: number };
      t.diagnostic(
        `${(bytes / 1e6).toFixed(0)} MB file, ${out.rows} rows; heap ${(out.heap / 1e6).toFixed(0)} MB, peak RSS ${(out.maxRss / 1e6).toFixed(0)} MB`,
      );
      assert.equal(out.users, users);
      assert.equal(out.rows + out.duplicates, users * perUser);
    });
  }
});
