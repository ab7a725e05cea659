/**
 * Issue 14 through the trainer and the `vaerec` CLI (processes, hence here and not in test/unit):
 * run.json records which fields were auto and a rerun starts from them (item 3); a configuration
 * error names its field, the CLI adds its flag (item 10); a popularity run's summary shows what
 * applies (item 7); the dataset a run records decides its reference figure (item 6).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { rerunStart } from '../../src/extension/trainSettings';
import type { RunRecord } from '../../src/shared/runSchema';
import type { TrainerToParent } from '../../src/shared/trainerMessages';
import { makeConfig } from '../../src/shared/trainConfig';
import { startTrainer } from '../../src/trainer/process/client';
import { ML_1M, datasetOf, referenceFor } from '../../webview/dashboard/referenceFigures';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { CLI, cli } from '../helpers/cli';
import { ML1M, ml1mSkip, requireMl1m } from '../helpers/ml1m';

after(removeTempDirs);

const TRAINER = path.join(path.dirname(CLI), 'trainer.js');
/** The CLI's exit code for a mistake in what the user gave (src/trainer/cli/exitCodes.ts). */
const BAD_INPUT = 2;

/** The run.json of the run a `--json` CLI train printed. */
function recordOf(stdout: string): RunRecord {
  const runDir = (JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { runDir: string }).runDir;
  return JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
}

const figures = (r: RunRecord): string => {
  const m = referenceFor(r);
  return 'none' in m ? m.none : `${m.figure.source} ${m.figure.dataset.name} ${m.figure.ndcg100}${m.sameSplit ? '' : ' another seed'}`;
};

describe('Rerun with Changes keeps "auto" (item 3)', () => {
  it('the trainer records which fields were auto in run.json, and a rerun of that run starts from auto', () => {
    const data = removeLater(makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 }));
    const runs = tempDir();
    const auto = cli(['train', '--data', data, '--runs-dir', runs, '--model', 'pop', '--json', '--quiet']);
    assert.equal(auto.code, 0, auto.stderr);
    const chosen = cli(['train', '--data', data, '--runs-dir', runs, '--model', 'pop', '--heldout', '20', '--anneal-steps', '7', '--json', '--quiet']);
    assert.equal(chosen.code, 0, chosen.stderr);
    const a = recordOf(auto.stdout);
    assert.deepEqual([...(a.auto ?? [])].sort(), ['annealSteps', 'protocol.heldoutUsers']);
    assert.ok(a.config.protocol.heldoutUsers > 0, 'run.json holds the resolved value');
    assert.equal((rerunStart(a).overrides.protocol as Record<string, unknown>).heldoutUsers, 'auto');
    assert.deepEqual(recordOf(chosen.stdout).auto, []);
  });
});

describe('errors name what the user changes (item 10)', () => {
  it('too few users for the held-out sets: the trainer names the config field, not a CLI flag; the CLI adds --heldout', async () => {
    const data = removeLater(makeFixtureDir('ml-1m', { users: 60, items: 40, seed: 3, clusters: 2 }));
    const config = makeConfig('pop', data, { protocol: { heldoutUsers: 500 } });
    const messages: TrainerToParent[] = [];
    const handle = startTrainer({
      trainerScript: TRAINER,
      request: { type: 'start', config, runsDir: tempDir(), cacheDir: os.tmpdir() },
      onMessage: (m) => messages.push(m),
    });
    await handle.exited;
    const error = messages.find((m): m is Extract<TrainerToParent, { type: 'error' }> => m.type === 'error');
    assert.ok(error, 'an error message');
    assert.equal(error.field, 'protocol.heldoutUsers');
    assert.match(error.message, /lower the number of held-out users$/);
    assert.doesNotMatch(error.message, /--/, 'no CLI flag in what VS Code shows');
    const done = messages.find((m): m is Extract<TrainerToParent, { type: 'done' }> => m.type === 'done');
    assert.equal(done?.badInput, true, 'a configuration mistake is bad input, not a failed run');
    const r = cli(['train', '--data', data, '--runs-dir', tempDir(), '--model', 'pop', '--heldout', '500']);
    assert.equal(r.code, BAD_INPUT);
    assert.match(r.stderr, /lower the number of held-out users \(--heldout\)$/m);
    // 0 is "auto" (the whole run), so the first value out of range is -1.
    const usage = cli(['train', '--data', data, '--runs-dir', tempDir(), '--model', 'pop', '--anneal-steps', '-1']);
    assert.match(usage.stderr, /--anneal-steps must be an integer >= 0/);
  });
});

describe('popularity runs show what applies to them (item 7)', () => {
  it('the CLI summary: fitted in one pass, its validation NDCG@100; no "0 epochs on js, median epoch - s"', () => {
    const data = removeLater(makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 }));
    const runs = tempDir();
    const r = cli(['train', '--data', data, '--runs-dir', runs, '--model', 'pop', '--heldout', '20']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^completed: \S+ {2}Popularity, fitted in one pass\nvalidation NDCG@100 0\.\d{4}\ntest NDCG@100 0\.\d{4}/);
    assert.doesNotMatch(r.stdout, /epoch/i);
    const vae = cli(['train', '--data', data, '--runs-dir', runs, '--model', 'mvae', '--heldout', '20', '--epochs', '1', '--backend', 'cpu']);
    assert.equal(vae.code, 0, vae.stderr);
    assert.match(vae.stdout, /1 epochs on cpu, median epoch \d+\.\d{2} s\nbest validation NDCG@100 0\.\d{4} \(epoch 1\)/);
  });
});

describe('reference figures follow the dataset of the run (item 6)', () => {
  it('a run trained on a generated MovieLens-1M-layout folder: the layout the loader records, and no reference', () => {
    const data = removeLater(makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 }));
    const r = cli(['train', '--data', data, '--runs-dir', tempDir(), '--model', 'pop', '--heldout', '20', '--json', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const record = recordOf(r.stdout);
    assert.equal(record.fingerprint?.layout, ML_1M.layout);
    assert.equal(figures(record), 'no published reference for this dataset');
  });

  it('MovieLens-1M from a folder: recognised, and the popularity run matches its reference figure', { skip: ml1mSkip, timeout: 180_000 }, () => {
    requireMl1m();
    const r = cli(['train', '--data', ML1M, '--runs-dir', tempDir(), '--model', 'pop', '--json', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const record = recordOf(r.stdout);
    assert.equal(datasetOf(record), ML_1M);
    const m = referenceFor(record);
    assert.ok('figure' in m, JSON.stringify(m));
    assert.ok(m.sameSplit);
    assert.equal(record.test?.['ndcg@100'].toFixed(3), m.figure.ndcg100.toFixed(3), "the same split gives the reference's figure");
  });
});
