/**
 * Issue 16, item 1: sweep files as the editor handles them. The starter file "New Sweep" writes
 * parses with the CLI's validator for every model kind and says how many trials it makes; a file
 * is checked the way `vaerec sweep run` checks it (the message names the key); "$comment" carries
 * the explanations JSON cannot; "Rerun best with N seeds" derives a valid file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MODEL_INFO, MODEL_KINDS } from '../../src/shared/modelKinds';
import type { SweepRecord, SweepTrial } from '../../src/shared/sweepSchema';
import { parseSweepSpec } from '../../src/shared/sweepSchema';
import { bestConfiguration } from '../../src/shared/sweepSummary';
import {
  bestRepeatsSweep,
  checkSweepText,
  locateKey,
  replayRuleArgs,
  starterSweep,
  sweepFileText,
  sweepFileToOpen,
  trialCount,
} from '../../src/extension/sweeps/sweepFile';
import { allTrials, expandTrials } from '../../src/trainer/sweep/trials';
import { sweepTrial } from '../helpers/sweepTrial';

describe('the starter sweep of New Sweep', () => {
  for (const model of MODEL_KINDS) {
    it(`parses with parseSweepSpec for ${model}, and its trial count is the coordinator's`, () => {
      const text = sweepFileText(starterSweep(model, 'ml-1m'));
      const check = checkSweepText(text);
      assert.ok('spec' in check, 'error' in check ? check.error : '');
      assert.equal(check.spec.model, model);
      assert.ok(check.trials >= 2, 'a search, not a single run');
      assert.equal(check.trials, expandTrials(check.spec).length);
      // Explained for the reader in "$comment", which the validator ignores.
      const raw = JSON.parse(text) as { $comment: string[] };
      assert.ok(Array.isArray(raw.$comment) && raw.$comment.length >= 3);
      assert.match(raw.$comment.join(' '), /docs\/SWEEPS\.md/);
      // Early stopping only where there are epochs to stop at.
      assert.equal(check.spec.earlyStopping.type, MODEL_INFO[model].epochs ? 'asha' : 'none');
    });
  }

  it('keeps the dataset it is given (a folder from the settings)', () => {
    const check = checkSweepText(sweepFileText(starterSweep('mvae', '/data/ml-fixture')));
    assert.ok('spec' in check);
    assert.equal(check.spec.dataset, '/data/ml-fixture');
  });
});

describe('checking a sweep file before it starts', () => {
  const valid = { name: 'g', model: 'mvae', dataset: 'ml-1m', parameters: { dropout: { values: [0.2, 0.5] }, hidden: { values: [100, 200, 300] } } };

  it('counts the trials: grid combinations x repeats, random draws x repeats, cut by the budget', () => {
    const count = (spec: object) => {
      const c = checkSweepText(JSON.stringify(spec));
      assert.ok('spec' in c, 'error' in c ? c.error : '');
      assert.equal(c.trials, expandTrials(c.spec).length, 'as the coordinator expands it');
      return c.trials;
    };
    assert.equal(count(valid), 6);
    assert.equal(count({ ...valid, repeats: 3 }), 18);
    assert.equal(count({ ...valid, budget: { maxTrials: 4 } }), 4);
    assert.equal(count({ ...valid, method: 'random', trials: 5, parameters: { dropout: { min: 0, max: 0.5 } }, repeats: 2 }), 10);
    assert.equal(count({ name: 'one', model: 'pop', dataset: 'ml-1m' }), 1);
    assert.equal(trialCount(parseSweepSpec({ ...valid, repeats: 2 })), allTrials(parseSweepSpec({ ...valid, repeats: 2 })).length);
  });

  it('refuses what the CLI refuses, naming the key', () => {
    const bad = checkSweepText(JSON.stringify({ ...valid, parameters: { dropout: { values: [0.2, 1.5] } } }));
    assert.ok('error' in bad);
    assert.equal(bad.key, 'parameters.dropout.values[1]');
    assert.match(bad.error, /^parameters\.dropout\.values\[1\]: dropout must be at least 0 and at most 0\.99/);
    const unknown = checkSweepText(JSON.stringify({ ...valid, extra: 1 }));
    assert.ok('error' in unknown);
    assert.equal(unknown.key, 'extra');
  });

  it('says when the text is not JSON at all (comments included: the CLI reads plain JSON)', () => {
    const c = checkSweepText('{ // a comment\n "name": "x" }');
    assert.ok('error' in c);
    assert.match(c.error, /^not valid JSON/);
    assert.equal(c.key, undefined);
  });

  it('takes "$comment" as one string or a list of lines, and nothing else', () => {
    assert.ok('spec' in checkSweepText(JSON.stringify({ ...valid, $comment: 'why this grid' })));
    assert.ok('spec' in checkSweepText(JSON.stringify({ ...valid, $comment: ['line 1', 'line 2'] })));
    const bad = checkSweepText(JSON.stringify({ ...valid, $comment: 3 }));
    assert.ok('error' in bad);
    assert.equal(bad.key, '$comment');
  });
});

describe("where the validator's key is in the file (the diagnostic's place)", () => {
  const text = JSON.stringify(
    {
      name: 'g',
      model: 'mvae',
      dataset: 'ml-1m',
      base: { protocol: { heldoutUsers: 30 } },
      parameters: { 'protocol.heldoutUsers': { values: [10, -5] }, dropout: { values: [0.2, 1.5] } },
      extra: true,
    },
    null,
    2,
  );
  const at = (key: string) => {
    const where = locateKey(text, key);
    assert.ok(where, key);
    return text.slice(where.offset, where.offset + where.length);
  };

  it('points at a list element, through dotted parameter names', () => {
    assert.equal(at('parameters.dropout.values[1]'), '1.5');
    assert.equal(at('parameters.protocol.heldoutUsers.values[1]'), '-5');
  });

  it("points at a property's name: an unknown key, a nested key", () => {
    assert.equal(at('extra'), '"extra"');
    assert.equal(at('base.protocol.heldoutUsers'), '"heldoutUsers"');
    assert.equal(at('parameters.dropout'), '"dropout"');
  });

  it('points at the deepest part that exists: a missing key at the object that lacks it, the file itself at its start', () => {
    assert.equal(at('earlyStopping.graceEpochs'), '{');
    assert.equal(at('base.protocol.minRating'), '"protocol"');
    assert.equal(at('(the sweep file)'), '{');
    assert.equal(locateKey('[1, 2]', 'name'), undefined, 'not an object: nothing to point at');
    assert.equal(locateKey('{ "name": ', 'name')?.offset, 2, 'a property cut before its value: its name');
  });

  it('points at the mistake the validator reports, by its key', () => {
    const check = checkSweepText(text);
    assert.ok('error' in check && check.key);
    assert.equal(at(check.key), '"extra"');
    const next = text.replace(',\n  "extra": true', '');
    const second = checkSweepText(next);
    assert.ok('error' in second && second.key);
    const where = locateKey(next, second.key);
    assert.equal(where && next.slice(where.offset, where.offset + where.length), '-5');
  });
});

function trial(index: number, over: Partial<SweepTrial>): SweepTrial {
  return sweepTrial(index, {}, over);
}

function record(spec: object, trials: SweepTrial[]): SweepRecord {
  return {
    schemaVersion: 1,
    id: 'grid-20260101-120000',
    name: 'grid',
    status: 'completed',
    specFile: '/ws/grid.sweep.json',
    spec: parseSweepSpec(spec),
    dataSource: '/ws/data/ml-fixture',
    runsDir: '/ws/.vaerec/runs',
    cacheDir: '/cache',
    createdAt: '2026-01-01T12:00:00.000Z',
    updatedAt: '2026-01-01T12:00:00.000Z',
    elapsedSeconds: 10,
    executor: { type: 'local', concurrency: 2, threadsPerTrial: 1 },
    trials,
    log: [],
  };
}

describe('Rerun best with N seeds', () => {
  const spec = {
    name: 'grid',
    model: 'mvae',
    dataset: 'data/ml-fixture',
    base: { epochs: 9, protocol: { heldoutUsers: 30 } },
    parameters: { annealCap: { values: [0.1, 0.3] }, 'protocol.targetFraction': { values: [0.2, 0.3] } },
    earlyStopping: { type: 'asha', graceEpochs: 1 },
    executor: { type: 'local', concurrency: 2 },
  };
  const r = record(spec, [
    trial(0, { params: { annealCap: 0.1, 'protocol.targetFraction': 0.2 }, state: 'stopped', metric: 0.1 }),
    trial(1, { params: { annealCap: 0.1, 'protocol.targetFraction': 0.3 }, state: 'completed', metric: 0.3, runId: 'run-1' }),
    trial(2, { params: { annealCap: 0.3, 'protocol.targetFraction': 0.2 }, state: 'completed', metric: 0.2 }),
    trial(3, { params: { annealCap: 0.3, 'protocol.targetFraction': 0.3 }, state: 'failed', error: 'NaN loss' }),
  ]);

  it('fixes the best parameters in base (nested keys too), searches nothing, repeats N seeds, stops nothing early', () => {
    const best = bestConfiguration(r);
    assert.equal(best?.index, 1);
    const derived = bestRepeatsSweep(r, best!, 5);
    const parsed = parseSweepSpec(derived);
    assert.deepEqual(parsed.parameters, {});
    assert.equal(parsed.repeats, 5);
    assert.equal(parsed.earlyStopping.type, 'none');
    assert.equal(parsed.base.annealCap, 0.1);
    assert.deepEqual(parsed.base.protocol, { heldoutUsers: 30, targetFraction: 0.3 });
    assert.equal(parsed.base.epochs, 9, "ASHA's maxEpochs: every repeat trains the full budget");
    assert.equal(parsed.dataset, '/ws/data/ml-fixture', 'the dataset as the sweep resolved it, whatever folder the new file is in');
    assert.equal(parsed.name, 'grid-best-x5');
    assert.equal(expandTrials(parsed).length, 5);
    assert.deepEqual(
      expandTrials(parsed).map((t) => t.seed),
      [98765, 98766, 98767, 98768, 98769],
    );
    assert.match(String((derived.$comment as string[])[0]), /trial 1: annealCap 0\.1, protocol\.targetFraction 0\.3/);
  });

  it('keeps a long name within the 64 characters a sweep name may have', () => {
    const long = record({ ...spec, name: 'x'.repeat(64) }, r.trials);
    const derived = bestRepeatsSweep(long, bestConfiguration(long)!, 12);
    assert.equal(String(derived.name).length, 64);
    assert.match(String(derived.name), /-best-x12$/);
  });
});

describe('Open Sweep File', () => {
  const text = sweepFileText(starterSweep('mvae', 'ml-1m'));
  const check = checkSweepText(text);
  assert.ok('spec' in check);
  const record = { specFile: '/data/sweeps/mvae.sweep.json', spec: check.spec };

  it('opens the file the sweep was started from while it describes the same search', () => {
    assert.deepEqual(
      sweepFileToOpen(record, () => text),
      { file: '/data/sweeps/mvae.sweep.json' },
    );
  });

  it('shows the spec the sweep ran, and says why, when the file is gone or was edited since', () => {
    const gone = sweepFileToOpen(record, () => undefined);
    assert.ok('content' in gone);
    assert.deepEqual(parseSweepSpec(JSON.parse(gone.content)), check.spec);
    assert.match(gone.note, /^\/data\/sweeps\/mvae\.sweep\.json is gone: /);
    const edited = sweepFileToOpen(record, () => text.replace('"name": "mvae', '"name": "edited'));
    assert.ok('content' in edited);
    assert.match(edited.note, /has changed since the sweep started/);
    const broken = sweepFileToOpen(record, () => '{');
    assert.ok('content' in broken, 'a file that no longer parses is not what ran either');
  });
});

describe('Replay Early Stopping: the rules typed', () => {
  it('passes --asha and --median pairs through, and nothing else', () => {
    assert.deepEqual(replayRuleArgs(' --asha 1,4  --median 5 --asha 10,2.5 --median 3,2 '), [
      '--asha',
      '1,4',
      '--median',
      '5',
      '--asha',
      '10,2.5',
      '--median',
      '3,2',
    ]);
    for (const bad of ['', '--asha', '--asha 1', '--asha 1,4 --json x', '--scan 1', '--median 5;rm', '--asha 1,4 --runs-dir /tmp', 'asha 1,4'])
      assert.equal(replayRuleArgs(bad), undefined, bad);
  });
});
