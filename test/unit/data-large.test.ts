import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadDataset } from '../../src/trainer/data/load';
import { GENERIC_FILES, generateRatings, writeFixture } from '../fixtures/generate';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';

after(removeTempDirs);

// ~200k rows: several 1 MiB read chunks, so lines cross chunk boundaries and the arrays grow many times.
describe('large files (streaming)', () => {
  const rows = generateRatings({ users: 8000, items: 3000, seed: 42, itemsPerUser: [20, 30] });

  it('has about 200k rows', () => assert.ok(rows.length > 190_000, String(rows.length)));

  for (const layout of ['ml-1m', 'generic-csv'] as const) {
    it(`parses every row of a ${layout} file`, async () => {
      const dir = tempDir();
      writeFixture(dir, layout, rows, null);
      const source = layout === 'ml-1m' ? dir : join(dir, GENERIC_FILES[layout]);
      const progress: number[] = [];
      const dataset = await loadDataset({ source }, { cacheDir: tempDir(), onProgress: (p) => p.fraction !== undefined && progress.push(p.fraction) });
      const x = dataset.interactions;
      assert.equal(x.length, rows.length);
      assert.equal(x.users.length, 8000);
      assert.equal(dataset.duplicates, 0);
      let sum = 0;
      for (let n = 0; n < x.length; n++) sum += x.rating[n];
      assert.equal(
        sum,
        rows.reduce((s, r) => s + r.rating, 0),
      );
      const last = rows[rows.length - 1];
      assert.deepEqual(
        [x.users[x.user[x.length - 1]], x.items[x.item[x.length - 1]], x.timestamp?.[x.length - 1]],
        [String(last.user), String(last.item), last.timestamp],
      );
      assert.ok(progress.length > 2 && progress.at(-1) === 1);
    });
  }
});
