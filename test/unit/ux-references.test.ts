/**
 * Issue 14, item 6: a published figure is shown beside a run only where its dataset and protocol are
 * the run's: the dataset is recognised by the source (the lab's own ml-1m download) or by what the run
 * records about its data (the layout the loader detected and the number of users); everything else
 * says that there is no published reference for it.
 * What runs the trainer or the CLI for these items is in test/process/ux-cli.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunRecord } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import { ML_1M, ML_20M, datasetOf, referenceFor } from '../../webview/dashboard/referenceFigures';
import { runRecord } from '../helpers/runRecord';

type Shape = { source?: string; layout?: string; users?: number; heldout?: number; seed?: number; model?: RunRecord['model'] };

/** A run record with the facts the matching reads: source, fingerprint layout, split sizes, protocol. */
function run({ source = '/data/movies', layout = 'movielens-dat', users = 6040, heldout = 600, seed = 98765, model = 'mvae' }: Shape): RunRecord {
  const eligible = users - 6;
  return runRecord('r', {
    name: 'r',
    model,
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
  });
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
});
