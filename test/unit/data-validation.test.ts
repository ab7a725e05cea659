import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadDataset } from '../../src/trainer/data/load';
import type { Dataset } from '../../src/trainer/data/types';
import { dirWith, removeTempDirs, tempDir } from '../fixtures/tempDir';

after(removeTempDirs);

type Policy = 'error' | 'skip';
const load = (source: string, onBadRow: Policy = 'error'): Promise<Dataset> => loadDataset({ source, onBadRow }, { cacheDir: tempDir() });

/** Asserts a DataError whose message names `file` with the exact line (and matches `reason`). */
async function rejectsAt(promise: Promise<unknown>, file: string, line: number, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, 'DataError', error.message);
    assert.ok(error.message.includes(`${file}:${line}:`), `expected ${file}:${line} in: ${error.message}`);
    assert.match(error.message, reason);
    return true;
  });
}

const GOOD = '1::10::5::978300760\n1::20::3::978300761\n2::10::4::978300762\n';

describe('line handling', () => {
  it('CRLF, blank and whitespace-only lines, and a last line without newline', async () => {
    const dataset = await load(dirWith({ 'ratings.dat': '1::10::5::978300760\r\n\r\n2::20::3::978300761\r\n   \n\n3::30::4.5::978300762' }));
    assert.equal(dataset.interactions.length, 3);
    assert.deepEqual([...dataset.interactions.rating], [5, 3, 4.5]);
    assert.deepEqual([...(dataset.interactions.timestamp ?? [])], [978300760, 978300761, 978300762]);
  });

  it('line numbers count blank lines (the error is on line 4)', async () => {
    const dir = dirWith({ 'ratings.dat': '1::10::5::1\n\n2::20::3::2\n3::30::x::3\n' });
    await rejectsAt(load(dir), join(dir, 'ratings.dat'), 4, /rating "x" is not a number/);
  });

  it('a UTF-8 byte-order mark before the CSV header is ignored', async () => {
    const dataset = await load(dirWith({ 'ratings.csv': '\uFEFFuserId,movieId,rating,timestamp\n1,2,3.0,4\n' }));
    assert.equal(dataset.interactions.length, 1);
  });

  it('ids with leading zeros are the same MovieLens id ("007" is 7)', async () => {
    const dataset = await load(dirWith({ 'ratings.dat': '007::10::5::1\n7::11::4::2\n' }));
    assert.deepEqual(dataset.interactions.users, ['7']);
  });
});

describe('malformed rows: a DataError with file and line', () => {
  const cases: [string, string, RegExp][] = [
    ['wrong field count', '1::10::5::1\n2::20::3\n', /expected 4 fields separated by '::', found 3/],
    ['wrong delimiter', '1::10::5::1\n2,20,3,4\n', /expected 4 fields separated by '::', found 1/],
    ['non-numeric user id', '1::10::5::1\nabc::20::3::2\n', /user id "abc" is not a non-negative integer/],
    ['non-integer item id', '1::10::5::1\n2::2.5::3::2\n', /item id "2.5" is not a non-negative integer/],
    ['NaN rating', '1::10::5::1\n2::20::NaN::2\n', /rating "NaN" is not a number/],
    ['empty rating', '1::10::5::1\n2::20::::2\n', /rating "" is not a number/],
    ['rating above 5', '1::10::5::1\n2::20::6::2\n', /rating 6 is outside 0.5..5/],
    ['rating 0', '1::10::5::1\n2::20::0::2\n', /rating 0 is outside 0.5..5/],
    ['non-numeric timestamp', '1::10::5::1\n2::20::3::yesterday\n', /timestamp "yesterday" is not a number/],
  ];
  for (const [name, text, reason] of cases) {
    it(name, async () => {
      const dir = dirWith({ 'ratings.dat': text });
      await rejectsAt(load(dir), join(dir, 'ratings.dat'), 2, reason);
    });
  }

  it('in u.data (ML-100K)', async () => {
    const dir = dirWith({ 'u.data': '1\t2\t3\t4\n1\t3\t4\t5\n1\t4\t9\t6\n' });
    await rejectsAt(load(dir), join(dir, 'u.data'), 3, /rating 9 is outside/);
  });

  it('in ratings.csv, including a wrong header', async () => {
    const bad = dirWith({ 'ratings.csv': 'userId,movieId,rating,timestamp\n1,2,3.0,4\n1,x,3.0,5\n' });
    await rejectsAt(load(bad), join(bad, 'ratings.csv'), 3, /item id "x"/);
    const header = dirWith({ 'ratings.csv': 'userId;movieId;rating;timestamp\n1;2;3.0;4\n' });
    await rejectsAt(load(header), join(header, 'ratings.csv'), 1, /expected the header userId,movieId,rating,timestamp/);
  });

  it('in movies.dat', async () => {
    const dir = dirWith({ 'ratings.dat': GOOD, 'movies.dat': '10::Film (1990)::Drama\n20::Broken\n' });
    await rejectsAt(load(dir), join(dir, 'movies.dat'), 2, /expected 3 fields/);
  });

  it('in movies.csv: an unclosed quote', async () => {
    const dir = dirWith({
      'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4.0,1\n',
      'movies.csv': 'movieId,title,genres\n1,Fine (1990),Drama\n2,"Broken (1991),Drama\n',
    });
    await assert.rejects(
      load(dir),
      (error: Error) => error.name === 'DataError' && error.message.includes(join(dir, 'movies.csv')) && /not valid CSV/.test(error.message),
    );
  });

  it('an empty ratings file: "no ratings"', async () => {
    for (const text of ['', '\n\n  \n']) {
      const dir = dirWith({ 'ratings.dat': text });
      await assert.rejects(
        load(dir),
        (error: Error) => error.name === 'DataError' && error.message.includes(join(dir, 'ratings.dat')) && /no ratings/.test(error.message),
      );
    }
  });
});

describe("onBadRow: 'skip'", () => {
  it('skips malformed rows and reports them (count and the first five as "file:line: reason")', async () => {
    const lines = ['1::10::5::1'];
    for (let i = 0; i < 7; i++) lines.push(`2::${20 + i}::bad::2`);
    lines.push('3::30::4::3', '4::40::7::4');
    const dir = dirWith({ 'ratings.dat': lines.join('\n') + '\n' });
    const dataset = await load(dir, 'skip');
    assert.equal(dataset.interactions.length, 2);
    assert.equal(dataset.skipped.count, 8);
    assert.equal(dataset.skipped.examples.length, 5);
    const file = join(dir, 'ratings.dat');
    assert.equal(dataset.skipped.examples[0], `${file}:2: rating "bad" is not a number`);
    assert.equal(dataset.skipped.examples[4], `${file}:6: rating "bad" is not a number`);
  });

  it('a file where every row is bad is still "no ratings"', async () => {
    await assert.rejects(load(dirWith({ 'ratings.dat': 'a::b::c::d\n' }), 'skip'), /no ratings \(1 malformed rows skipped\)/);
  });
});

describe('duplicate (user, item) rows', () => {
  it('keeps the last row of each pair, in file order, and counts the others', async () => {
    const dataset = await load(dirWith({ 'ratings.dat': '1::10::5::1\n1::20::3::2\n1::10::2::3\n2::10::4::4\n1::10::1::5\n' }));
    const x = dataset.interactions;
    assert.equal(dataset.duplicates, 2);
    assert.equal(x.length, 3);
    const rows = Array.from({ length: x.length }, (_, n) => `${x.users[x.user[n]]}/${x.items[x.item[n]]}/${x.rating[n]}/${x.timestamp?.[n]}`);
    assert.deepEqual(rows, ['1/20/3/2', '2/10/4/4', '1/10/1/5']);
  });

  it("also when a user's rows are not contiguous", async () => {
    const dataset = await load(dirWith({ 'ratings.dat': '1::1::1::1\n2::1::2::2\n1::2::3::3\n2::1::4::4\n1::1::5::5\n3::1::1::6\n' }));
    const x = dataset.interactions;
    assert.equal(dataset.duplicates, 2);
    assert.deepEqual([...x.rating], [3, 4, 5, 1]);
  });
});
