/**
 * Issue 14, items 3 and 10: a rerun keeps "auto" where the user chose it (the resolved values are
 * information only), the hyperparameter JSON accepts the natural spelling of the protocol keys and
 * lists the keys that mean something for the model, and configuration errors name what a user of
 * each front end changes: a `vaerec.*` setting in VS Code, a flag in the terminal.
 * What runs the trainer or the CLI for these items is in test/process/ux-cli.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTrainConfig, mergeOverrides, parseOverridesJson, rerunStart, settingFor } from '../../src/extension/trainSettings';
import type { RunRecord } from '../../src/shared/runSchema';
import { ConfigError, makeConfig, relevantKeys } from '../../src/shared/trainConfig';

/** A finished Mult-VAE run as the trainer records it: 4,839 training users, batches of 500, 20 epochs. */
function record(extra: Partial<RunRecord> = {}, config: Record<string, unknown> = {}): RunRecord {
  return {
    schemaVersion: 1,
    id: 'r1',
    name: 'first run',
    model: 'mvae',
    status: 'completed',
    config: makeConfig('mvae', '/data/ml', { epochs: 20, annealSteps: 200, protocol: { heldoutUsers: 600 }, ...config }),
    split: { trainUsers: 4839, validationUsers: 600, testUsers: 600, items: 3000, trainInteractions: 1, droppedUsers: 0, droppedRatings: 0 },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    epochsCompleted: 20,
    steps: 200,
    epochSeconds: [],
    artifacts: {},
    ...extra,
  };
}

const reason = (r: ReturnType<typeof parseOverridesJson>): string => (r.ok ? '' : r.reason);

describe('Rerun with Changes keeps "auto" (item 3)', () => {
  it('pre-fills "auto" for the fields the run left to the trainer, and gives the resolved values as information', () => {
    const start = rerunStart(record({ auto: ['protocol.heldoutUsers', 'annealSteps'] }));
    assert.equal(start.overrides.annealSteps, 'auto');
    assert.equal((start.overrides.protocol as Record<string, unknown>).heldoutUsers, 'auto');
    assert.equal(start.overrides.epochs, 20);
    assert.deepEqual(start.resolved, ['annealSteps 200', 'heldoutUsers 600']);
  });

  it('raising the epochs of a rerun anneals over the new run, not over the old one', () => {
    const { overrides } = rerunStart(record({ auto: ['annealSteps'] }));
    // What the JSON editor returns when the user types only {"epochs": 60}, layered as the command does.
    const next = makeConfig('mvae', '/data/ml', mergeOverrides(overrides, { epochs: 60 }));
    assert.equal(next.epochs, 60);
    assert.equal(next.annealSteps, 0, "auto: the trainer resolves it to the new run's 10 x 60 steps");
    // The numbers: frozen at the old run's 200 steps, beta reached its cap at step 200 of 600.
    const frozen = makeConfig('mvae', '/data/ml', mergeOverrides({ ...overrides, annealSteps: 200 }, { epochs: 60 }));
    assert.equal(frozen.annealSteps, 200);
  });

  it('keeps a value the user chose, even when it equals what auto would give', () => {
    const start = rerunStart(record({ auto: [] }));
    assert.equal(start.overrides.annealSteps, 200);
    assert.equal((start.overrides.protocol as Record<string, unknown>).heldoutUsers, 600);
    assert.deepEqual(start.resolved, []);
  });

  it('runs recorded before "auto" was kept: a value equal to what auto gives on the run\'s split is taken as auto', () => {
    const legacy = rerunStart(record()); // 600 held-out users of 6,039 and 10 steps x 20 epochs: both auto
    assert.equal(legacy.overrides.annealSteps, 'auto');
    assert.equal((legacy.overrides.protocol as Record<string, unknown>).heldoutUsers, 'auto');
    const chosen = rerunStart(record({}, { annealSteps: 5000, protocol: { heldoutUsers: 300 } }));
    assert.equal(chosen.overrides.annealSteps, 5000);
    assert.equal((chosen.overrides.protocol as Record<string, unknown>).heldoutUsers, 300);
  });
});

describe('the hyperparameter JSON (item 10)', () => {
  it('accepts the natural spelling {"heldoutUsers": 100}, and the other protocol keys, at the top level', () => {
    assert.deepEqual(parseOverridesJson('{"heldoutUsers": 100}', 'mvae', '/data'), { ok: true, overrides: { heldoutUsers: 100 } });
    const c = makeConfig('mvae', '/data', { heldoutUsers: 100, minRating: 4 });
    assert.equal(c.protocol.heldoutUsers, 100);
    assert.equal(c.protocol.minRating, 4);
    assert.ok(!('heldoutUsers' in c), 'it is stored where it belongs: under protocol');
    assert.equal(makeConfig('mvae', '/data', { heldoutUsers: 'auto', annealSteps: 'auto' }).protocol.heldoutUsers, 0);
    assert.match(reason(parseOverridesJson('{"heldoutUsers": 100, "protocol": {"heldoutUsers": 50}}', 'mvae', '/data')), /heldoutUsers is given twice/);
    assert.match(
      reason(parseOverridesJson('{"protocol": {"heldout": 50}}', 'mvae', '/data')),
      /unknown protocol setting "heldout" \(known: minRating, minUserItems, heldoutUsers, targetFraction\)/,
    );
  });

  it("an unknown key lists the keys that mean something for the model, never data, model or another kind's", () => {
    const known = (model: 'mvae' | 'mdae' | 'pop' | 'svae', key: string) => {
      try {
        makeConfig(model, '/data', { [key]: 1 });
      } catch (e) {
        return (e as Error).message;
      }
      return assert.fail('accepted');
    };
    const vae = known('mvae', 'hiden');
    assert.match(vae, /^unknown hyperparameter "hiden": did you mean "hidden"\? known for Mult-VAE: /);
    assert.match(vae, /annealCap/);
    assert.match(vae, /protocol\.heldoutUsers/);
    for (const foreign of [/\bdata\b/, /\bmodel\b/, /maxLength/, /nextK/]) assert.doesNotMatch(vae, foreign);
    assert.doesNotMatch(known('mdae', 'x'), /anneal/, 'Mult-DAE has no KL term');
    assert.equal(
      known('pop', 'x'),
      'unknown hyperparameter "x": known for Popularity: seed, protocol.minRating, protocol.minUserItems, protocol.heldoutUsers, protocol.targetFraction',
    );
    assert.match(known('svae', 'x'), /maxLength/);
    assert.deepEqual(relevantKeys('pop'), ['seed', 'protocol.minRating', 'protocol.minUserItems', 'protocol.heldoutUsers', 'protocol.targetFraction']);
  });
});

describe('errors name what the user changes (item 10)', () => {
  it('a ConfigError carries its field; VS Code names the vaerec.* setting that sets it', () => {
    const fieldOf = (overrides: Record<string, unknown>) => {
      try {
        makeConfig('mvae', '/data', overrides);
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        return e.field;
      }
      return assert.fail('accepted');
    };
    assert.equal(fieldOf({ epochs: 0 }), 'epochs');
    assert.equal(fieldOf({ protocol: { heldoutUsers: -1 } }), 'protocol.heldoutUsers');
    assert.equal(fieldOf({ dropout: 2 }), 'dropout');
    assert.equal(settingFor('protocol.heldoutUsers'), 'the vaerec.heldoutUsers setting');
    assert.equal(settingFor('epochs'), 'the vaerec.epochs setting');
    assert.equal(settingFor('dropout'), '"dropout" in the vaerec.hyperparameters setting');
    assert.equal(settingFor('epochs', { hyperparameters: { epochs: 0 } }), '"epochs" in the vaerec.hyperparameters setting', 'where the value came from');
    assert.equal(
      settingFor('protocol.heldoutUsers', { hyperparameters: { protocol: { heldoutUsers: 9 } } }),
      '"protocol.heldoutUsers" in the vaerec.hyperparameters setting',
    );
    assert.throws(
      () => buildTrainConfig('mvae', '/data', { epochs: 0 }),
      (e: unknown) => e instanceof ConfigError && e.field === 'epochs',
    );
  });
});
