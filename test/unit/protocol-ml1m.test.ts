/**
 * Our split of MovieLens-1M equals the PyTorch reference's (../shared/bench/ref_multvae.py, seed 98765)
 * user for user and target for target. The expected values were printed by the reference's own split
 * code under NumPy. Runs where ../shared/data/ml-1m exists (developer machines and CI); the data is
 * never copied into the repository.
 */
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { test } from 'node:test';
import { loadDataset } from '../../src/trainer/data/load';
import { splitStrongGeneralisation } from '../../src/trainer/protocol/split';
import { ML1M, ml1mSkip, requireMl1m } from '../helpers/ml1m';

test('ML-1M split matches the PyTorch reference exactly (seed 98765, 600 + 600 held-out users)', { skip: ml1mSkip }, async () => {
  requireMl1m();
  const data = await loadDataset({ source: ML1M }, { cacheDir: os.tmpdir() });
  const s = splitStrongGeneralisation(data.interactions, { minRating: 3.5, minUserItems: 5, heldoutUsers: 600, targetFraction: 0.2 }, 98765);
  assert.equal(s.summary.trainUsers, 4834);
  assert.equal(s.summary.items, 3497);
  assert.equal(s.summary.trainInteractions, 462827);
  assert.deepEqual(s.train.users.slice(0, 5), ['1867', '5662', '646', '3942', '1412']);
  assert.deepEqual(s.test.users.slice(0, 3), ['782', '1126', '5463']);
  assert.deepEqual(
    Array.from(s.test.targets.indices.subarray(s.test.targets.indptr[0], s.test.targets.indptr[1]), (i) => s.items[i]),
    ['3002', '3289'],
  );
  assert.equal(s.validation.targets.indices.length, 11228);
  assert.equal(s.test.targets.indices.length, 10761);
  // sum over test targets of (row + 1) * original item id, mod 1e9+7, as printed by NumPy
  let checksum = 0n;
  for (let r = 0; r < s.test.users.length; r++) {
    for (let k = s.test.targets.indptr[r]; k < s.test.targets.indptr[r + 1]; k++) checksum += BigInt(r + 1) * BigInt(s.items[s.test.targets.indices[k]]);
  }
  assert.equal(checksum % 1000000007n, 952136047n);
});
