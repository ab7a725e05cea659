/**
 * Issue 14, item 6: a published figure is shown beside a run only where its dataset and protocol are
 * the run's: the dataset is recognised by the source (the lab's own ml-1m download) or by what the run
 * records about its data (the layout the loader detected and the number of users); everything else
 * says that there is no published reference for it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { RunRecord } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import { ML_1M, ML_20M, datasetOf, referenceFor } from '../../webview/dashboard/referenceFigures';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli } from './helpers/cli';
import { ML1M, ml1mSkip, requireMl1m } from './helpers/ml1m';

after(removeTempDirs);

type Shape = { source?: string; layout?: string; users?: number; heldout?: number; seed?: number; model?: RunRecord['model'] };

/** A run record with the facts the matching reads: source, fingerprint layout, split sizes, protocol. */
function run({ source = '/data/movies', layout = 'movielens-dat', users = 6040, heldout = 600, seed = 98765, model = 'mvae' }: Shape): RunRecord {
  const eligible = users - 6;
  return {
    schemaVersion: 1,
    id: 'r',
    name: 'r',
    model,
    status: 'completed',
    config: makeConfig(model, source, { seed, protocol: { heldoutUsers: heldout } }),
    fingerprint: { layout, files: [{ name: 'ratings.dat', bytes: 24_594_131, sha256: 'x' }] },
    split: {
      trainUsers: eligible - 2 * heldout,
      validationUsers: heldout,
      testUsers: heldout,
      items: 3500,
      trainInteractions: 1,
      droppedUsers: 6,
      droppedRatings: 0,
    },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    epochsCompleted: 1,
    steps: 1,
    epochSeconds: [],
    artifacts: {},
  };
}

const figures = (r: RunRecord): string => {
  const m = referenceFor(r);
  return 'none' in m ? m.none : `${m.figure.source} ${m.figure.dataset.name} ${m.figure.ndcg100}${m.sameSplit ? '' : ' another seed'}`;
};

describe('reference figures follow the dataset and protocol of the run', () => {
  it("recognises ML-1M by the lab's download or by layout and users, ML-20M by layout and users, and nothing else", () => {
    assert.equal(datasetOf(run({ source: 'ml-1m', layout: 'anything', users: 1 })), ML_1M);
    assert.equal(datasetOf(run({})), ML_1M);
    assert.equal(datasetOf(run({ layout: 'movielens-csv', users: 138_493, heldout: 10_000 })), ML_20M);
    assert.equal(datasetOf(run({ users: 943 })), undefined, 'another MovieLens of the same layout');
    assert.equal(datasetOf(run({ layout: 'ml-100k', users: 6040 })), undefined);
    assert.equal(datasetOf(run({ layout: 'generic' })), undefined);
    assert.equal(datasetOf({ ...run({}), fingerprint: undefined }), undefined, 'a run that has not read its data yet');
  });

  it('shows the figure of the same dataset, model and protocol, and says why there is none otherwise', () => {
    assert.equal(figures(run({})), 'PyTorch reference ML-1M 0.403');
    assert.equal(figures(run({ model: 'pop' })), 'PyTorch reference ML-1M 0.218');
    assert.equal(figures(run({ seed: 1 })), 'PyTorch reference ML-1M 0.403 another seed');
    assert.equal(figures(run({ layout: 'movielens-csv', users: 138_493, heldout: 10_000 })), 'Liang et al., WWW 2018 ML-20M 0.426');
    assert.equal(figures(run({ layout: 'movielens-csv', users: 138_493, heldout: 10_000, model: 'mdae' })), 'Liang et al., WWW 2018 ML-20M 0.419');
    assert.equal(figures(run({ users: 300, heldout: 30 })), 'no published reference for this dataset');
    assert.equal(figures(run({ model: 'mdae' })), 'no published Mult-DAE reference on ML-1M');
    assert.equal(figures(run({ model: 'svae' })), 'no published SVAE reference on ML-1M');
    assert.match(figures(run({ heldout: 30 })), /^the ML-1M reference uses 600 \+ 600 held-out users .*another protocol$/);
  });

  it('a run trained on a generated MovieLens-1M-layout folder: the layout the loader records, and no reference', () => {
    const data = removeLater(makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 }));
    const r = cli(['train', '--data', data, '--runs-dir', tempDir(), '--model', 'pop', '--heldout', '20', '--json', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(fs.readFileSync(path.join(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}').runDir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(record.fingerprint?.layout, ML_1M.layout);
    assert.equal(figures(record), 'no published reference for this dataset');
  });

  it('MovieLens-1M from a folder: recognised, and the popularity run matches its reference figure', { skip: ml1mSkip, timeout: 180_000 }, () => {
    requireMl1m();
    const r = cli(['train', '--data', ML1M, '--runs-dir', tempDir(), '--model', 'pop', '--json', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(fs.readFileSync(path.join(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}').runDir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(datasetOf(record), ML_1M);
    const m = referenceFor(record);
    assert.ok('figure' in m, JSON.stringify(m));
    assert.ok(m.sameSplit);
    assert.equal(record.test?.['ndcg@100'].toFixed(3), m.figure.ndcg100.toFixed(3), "the same split gives the reference's figure");
  });
});
