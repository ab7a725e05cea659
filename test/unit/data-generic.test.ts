import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DataSourceSpec } from '../../src/shared/runSchema';
import { loadDataset } from '../../src/trainer/data/load';
import type { Dataset } from '../../src/trainer/data/types';
import { GENERIC_FILES, generateRatings, makeFixtureDir } from '../fixtures/generate';
import { dirWith, removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';

after(removeTempDirs);

const load = (spec: DataSourceSpec): Promise<Dataset> => loadDataset(spec, { cacheDir: tempDir() });
const fileWith = (text: string, name = 'data.txt'): string => join(dirWith({ [name]: text }), name);

function triples(dataset: Dataset): string[] {
  const x = dataset.interactions;
  return Array.from({ length: x.length }, (_, n) => `${x.users[x.user[n]]}|${x.items[x.item[n]]}|${x.rating[n]}`);
}

describe('generic CSV/TSV files', () => {
  for (const layout of ['generic-csv', 'generic-tsv'] as const) {
    it(`reads the generated ${layout} fixture (delimiter and header sniffed)`, async () => {
      const opts = { users: 40, items: 50, seed: 3 };
      const dir = removeLater(makeFixtureDir(layout, opts));
      const dataset = await load({ source: join(dir, GENERIC_FILES[layout]) });
      const rows = generateRatings(opts);
      assert.equal(dataset.layout, 'generic');
      assert.equal(dataset.movies, null);
      assert.deepEqual(
        triples(dataset),
        rows.map((r) => `${r.user}|${r.item}|${r.rating}`),
      );
      assert.deepEqual(
        [...(dataset.interactions.timestamp ?? [])],
        rows.map((r) => r.timestamp),
      );
    });
  }

  it('columns by header name, in any order, with extra columns', async () => {
    const file = fileWith('when,score,who,extra,what\n100,4.5,alice,x,m1\n101,2,bob,y,m2\n');
    const dataset = await load({ source: file, columns: { user: 'who', item: 'what', rating: 'score', timestamp: 'when' } });
    assert.deepEqual(triples(dataset), ['alice|m1|4.5', 'bob|m2|2']);
    assert.deepEqual([...(dataset.interactions.timestamp ?? [])], [100, 101]);
  });

  it('columns by index; no timestamp column gives timestamp null', async () => {
    const file = fileWith('x;u1;i1;3\nx;u2;i1;-1.5\n');
    const dataset = await load({ source: file, columns: { user: 1, item: 2, rating: 3 } });
    assert.deepEqual(triples(dataset), ['u1|i1|3', 'u2|i1|-1.5']); // generic ratings: any finite number
    assert.equal(dataset.interactions.timestamp, null);
  });

  it('well-known header names are found without a columns spec', async () => {
    const dataset = await load({ source: fileWith('Rating\tUserId\tMovieId\n5\t1\t2\n') });
    assert.deepEqual(triples(dataset), ['1|2|5']);
  });

  it("ids are labels: '007' and '7' are different users", async () => {
    const dataset = await load({ source: fileWith('007,a,1\n7,a,2\n') });
    assert.deepEqual(dataset.interactions.users, ['007', '7']);
    assert.equal(dataset.duplicates, 0);
  });

  it("sniffs '::' and ';', and honours an explicit delimiter and hasHeader", async () => {
    assert.deepEqual(triples(await load({ source: fileWith('1::2::3\n') })), ['1|2|3']);
    assert.deepEqual(triples(await load({ source: fileWith('1;2;3\n') })), ['1|2|3']);
    // A header whose rating field is numeric is only known as a header when the spec says so.
    assert.deepEqual(triples(await load({ source: fileWith('9|9|9\n1|2|3\n'), delimiter: '|', hasHeader: true })), ['1|2|3']);
  });

  it('an explicit delimiter may be written as "\\t" or "tab"', async () => {
    for (const delimiter of ['\\t', 'tab', '\t']) assert.deepEqual(triples(await load({ source: fileWith('1\t2\t3\n'), delimiter })), ['1|2|3']);
    await assert.rejects(load({ source: fileWith('1\t2\t3\n'), delimiter: '' }), /the delimiter is empty/);
  });

  it('de-duplicates string ids, last row wins', async () => {
    const dataset = await load({ source: fileWith('u,i,r\na,x,1\nb,x,2\na,x,3\n') });
    assert.deepEqual(triples(dataset), ['b|x|2', 'a|x|3']);
    assert.equal(dataset.duplicates, 1);
  });

  it('a line longer than the read buffer is read whole', async () => {
    const longId = 'u'.repeat(3 << 20);
    const dataset = await load({ source: fileWith(`a,x,1\n${longId},y,2\nb,z,3\n`) });
    assert.equal(dataset.interactions.users[1], longId);
    assert.equal(dataset.interactions.length, 3);
  });
});

describe('generic file errors', () => {
  it('wrong number of fields names file and line', async () => {
    const file = fileWith('user,item,rating\n1,2,3\n1,3\n');
    await assert.rejects(
      load({ source: file }),
      (e: Error) => e.name === 'DataError' && e.message.includes(`${file}:3:`) && /expected 3 fields separated by ','/.test(e.message),
    );
  });

  it('a non-numeric rating after the header', async () => {
    const file = fileWith('user,item,rating\n1,2,3\n1,3,good\n');
    await assert.rejects(load({ source: file }), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: rating "good" is not a number`));
  });

  it('a non-numeric timestamp', async () => {
    const file = fileWith('1\t2\t3\t100\n1\t3\t4\tlater\n');
    await assert.rejects(load({ source: file }), (e: Error) => e.message.includes(`${file}:2:`) && /timestamp "later"/.test(e.message));
  });

  it('an empty user id', async () => {
    const file = fileWith('1,2,3\n,3,4\n');
    await assert.rejects(load({ source: file }), (e: Error) => e.message.includes(`${file}:2:`) && /user id is empty/.test(e.message));
  });

  it('an unknown column name, and names without a header', async () => {
    const file = fileWith('user,item,rating\n1,2,3\n');
    await assert.rejects(load({ source: file, columns: { user: 'user', item: 'movie', rating: 'rating' } }), /no item column named "movie"/);
    await assert.rejects(
      load({ source: file, hasHeader: false, columns: { user: 'user', item: 'item', rating: 'rating' } }),
      /columns are given by name but the file has no header/,
    );
    await assert.rejects(load({ source: file, columns: { user: 0, item: 1, rating: 5 } }), /rating column 5 does not exist/);
  });

  it('no delimiter to sniff, too few fields, empty file', async () => {
    await assert.rejects(load({ source: fileWith('hello\n') }), /cannot detect the delimiter/);
    await assert.rejects(load({ source: fileWith('1,2\n') }), /expected at least 3 fields/);
    const empty = fileWith('\n\n');
    await assert.rejects(load({ source: empty }), (e: Error) => e.name === 'DataError' && e.message === `${empty}: no ratings`);
  });

  it('skip policy in a generic file', async () => {
    const file = fileWith('1,2,3\n1,3,x\n1,4,5\n');
    const dataset = await load({ source: file, onBadRow: 'skip' });
    assert.equal(dataset.interactions.length, 2);
    assert.deepEqual(dataset.skipped, { count: 1, examples: [`${file}:2: rating "x" is not a number`] });
  });
});

describe('cancellation', () => {
  it('an aborted signal stops loading with an AbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    const file = fileWith('1,2,3\n');
    await assert.rejects(loadDataset({ source: file }, { cacheDir: tempDir(), signal: controller.signal }), (e: Error) => e.name === 'AbortError');
  });
});
