/**
 * What the trainer refuses before it writes anything, reported as bad input (the CLI exits 2): a
 * protocol the data cannot meet. Runs runTraining in this process (no backend is reached).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, it } from 'node:test';
import { makeConfig } from '../../src/shared/trainConfig';
import type { TrainerToParent } from '../../src/shared/trainerMessages';
import { runTraining } from '../../src/trainer/train';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';

after(removeTempDirs);

it('no held-out user with targets: bad input with the reason, never test metrics of 0, no run directory', async () => {
  const data = removeLater(makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 }));
  // A target fraction so small that floor(fraction * items) is 0 for every held-out user.
  const config = makeConfig('mvae', data, { epochs: 1, protocol: { heldoutUsers: 20, targetFraction: 0.001 } });
  const runsDir = tempDir();
  const messages: TrainerToParent[] = [];
  const record = await runTraining({ config, runsDir, cacheDir: tempDir(), signal: new AbortController().signal, emit: (m) => messages.push(m) });
  assert.equal(record, undefined);
  const error = messages.find((m) => m.type === 'error');
  assert.equal(
    error?.type === 'error' && error.message,
    'no validation user has held-out targets (their items are all fold-in): the validation metrics would mean nothing',
  );
  assert.deepEqual(messages.at(-1), { type: 'done', status: 'failed', epochs: 0, badInput: true });
  assert.deepEqual(fs.readdirSync(runsDir), []);
});
