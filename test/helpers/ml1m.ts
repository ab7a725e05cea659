/**
 * Where the ML-1M checks find MovieLens-1M: ../shared/data/ml-1m beside the repository (developer
 * machines and CI; the licence forbids copying it into the repository). Without it they are skipped
 * on a developer's machine, but under CI=true they run and fail, so a CI that lost the data cannot
 * pass by skipping them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ML1M = path.resolve(__dirname, '../../../shared/data/ml-1m');

const present = fs.existsSync(path.join(ML1M, 'ratings.dat'));

/** The `skip` option of an ML-1M test: a reason locally when the data is absent, never under CI. */
export const ml1mSkip: string | false = present || process.env.CI === 'true' ? false : `MovieLens-1M not found at ${ML1M}`;

/** First line of an ML-1M test: fails with the path when the data is absent (only reached under CI). */
export function requireMl1m(): void {
  assert.ok(fs.existsSync(path.join(ML1M, 'ratings.dat')), `CI=true requires MovieLens-1M at ${ML1M} (../shared/data/ml-1m beside the repository)`);
}
