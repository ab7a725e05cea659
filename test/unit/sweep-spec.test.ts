/**
 * Sweep files: every mistake of issue 15 (and a few more) is one SweepSpecError naming its key;
 * defaults are filled; the JSON Schema shipped for the editor is current, accepts the example sweep
 * files and refuses what the validator refuses where a schema can tell. The configuration-key
 * table has a `vaerec train` flag for every key the trainer knows.
 */
import Ajv from 'ajv';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CONFIG_KEYS, configArgs, configKey } from '../../src/shared/configKeys';
import { sweepJsonSchema } from '../../src/shared/sweepJsonSchema';
import { SweepSpecError, parseSweepSpec, validateSweepRecord } from '../../src/shared/sweepSchema';
import { MODEL_INFO, MODEL_KINDS } from '../../src/shared/modelKinds';
import { DEFAULT_CONFIG } from '../../src/shared/trainConfig';

const root = path.resolve(__dirname, '../..');
const valid = {
  name: 'mvae-grid',
  model: 'mvae',
  dataset: 'ml-1m',
  base: { epochs: 100 },
  parameters: { annealCap: { values: [0.1, 0.2, 0.3, 0.5] }, dropout: { values: [0.2, 0.5] }, hidden: { values: [300, 600] } },
  method: 'grid',
  earlyStopping: { type: 'asha', graceEpochs: 10, reductionFactor: 3, maxEpochs: 100 },
  executor: { type: 'local', concurrency: 'auto' },
};

/** The spec with `patch` applied (undefined deletes a key). */
function spec(patch: Record<string, unknown>): Record<string, unknown> {
  const s: Record<string, unknown> = structuredClone(valid);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete s[k];
    else s[k] = v;
  }
  return s;
}

function rejects(input: unknown, key: string, reason: RegExp): void {
  assert.throws(
    () => parseSweepSpec(input),
    (err: unknown) => {
      assert.ok(err instanceof SweepSpecError, `expected a SweepSpecError, got ${String(err)}`);
      assert.equal(err.key, key, err.message);
      assert.match(err.message, reason);
      assert.ok(err.message.startsWith(`${key}: `), err.message);
      assert.ok(!err.message.includes('\n'));
      return true;
    },
  );
}

describe('sweep file validation', () => {
  it("accepts the issue's example and fills in the defaults", () => {
    const s = parseSweepSpec(valid);
    assert.equal(s.repeats, 1);
    assert.deepEqual(s.metric, { name: 'val_ndcg@100', goal: 'max' });
    assert.deepEqual(s.earlyStopping, { type: 'asha', graceEpochs: 10, reductionFactor: 3, maxEpochs: 100 });
    assert.deepEqual(s.executor, { type: 'local', concurrency: 'auto' });
    assert.deepEqual(s.budget, {});
    const minimal = parseSweepSpec({ name: 'm', model: 'mdae', dataset: 'data/ml-1m', parameters: { dropout: { values: [0.1] } } });
    assert.equal(minimal.method, 'grid');
    assert.deepEqual(minimal.earlyStopping, { type: 'none' });
    assert.deepEqual(parseSweepSpec(spec({ metric: 'negElbo' })).metric, { name: 'negElbo', goal: 'min' });
    assert.deepEqual(parseSweepSpec(spec({ earlyStopping: { type: 'median', afterEpochs: 5 } })).earlyStopping, {
      type: 'median',
      afterEpochs: 5,
      minTrials: 1,
    });
  });

  it('a validated spec validates again to itself (sweep.json keeps it and re-checks it on every read)', () => {
    for (const input of [
      valid,
      spec({ method: 'random', trials: 3, seed: 4, earlyStopping: { type: 'median', afterEpochs: 2 }, parameters: { dropout: { min: 0.1, max: 0.5 } } }),
      spec({ executor: { type: 'slurm', gpus: 1 }, metric: 'loss', budget: { maxHours: 2 }, repeats: 3 }),
      { name: 'm', model: 'svae', dataset: 'x', parameters: { nextK: { values: [1, 4] } } },
    ]) {
      const once = parseSweepSpec(input);
      assert.deepEqual(parseSweepSpec(structuredClone(once)), once);
    }
  });

  it('unknown keys, at every level, are named', () => {
    rejects(spec({ paramters: {} }), 'paramters', /unknown key/);
    rejects(spec({ earlyStopping: { type: 'asha', graceEpochs: 1, reduction: 3 } }), 'earlyStopping.reduction', /unknown key/);
    rejects(spec({ executor: { type: 'local', concurency: 2 } }), 'executor.concurency', /unknown key/);
    rejects(spec({ executor: { type: 'slurm', partitions: 'gpu' } }), 'executor.partitions', /unknown key/);
    rejects(spec({ parameters: { dropout: { values: [0.1], step: 2 } } }), 'parameters.dropout.step', /unknown key/);
    rejects(spec({ budget: { maxTrial: 3 } }), 'budget.maxTrial', /unknown key/);
    rejects(spec({ base: { epochs: 100, hiden: 3 } }), 'base.hiden', /no such configuration key/);
    rejects(spec({ base: { epochs: 100, protocol: { heldout: 3 } } }), 'base.protocol.heldout', /unknown configuration key/);
    rejects(spec({ metric: { name: 'val_ndcg@100', mode: 'max' } }), 'metric.mode', /unknown key/);
  });

  it('empty value lists, min > max, a log scale with min <= 0', () => {
    rejects(spec({ parameters: { dropout: { values: [] } } }), 'parameters.dropout.values', /empty list/);
    const random = { method: 'random', trials: 4, earlyStopping: 'none' };
    rejects(spec({ ...random, parameters: { dropout: { min: 0.6, max: 0.2 } } }), 'parameters.dropout', /min \(0\.6\) is greater than max \(0\.2\)/);
    rejects(spec({ ...random, parameters: { learningRate: { min: 0, max: 0.01, scale: 'log' } } }), 'parameters.learningRate.min', /log scale needs min > 0/);
    rejects(spec({ ...random, parameters: { l2: { min: -1, max: 1, scale: 'log' } } }), 'parameters.l2.min', /log scale needs min > 0/);
    rejects(spec({ ...random, parameters: { dropout: { min: 0.1, max: 0.2, scale: 'cubic' } } }), 'parameters.dropout.scale', /linear" or "log/);
    rejects(spec({ ...random, parameters: { hidden: { min: 10.2, max: 10.8 } } }), 'parameters.hidden', /holds no integer/);
  });

  it('a parameter train does not know, or not for this model, or not to be swept', () => {
    rejects(spec({ parameters: { hiden: { values: [300] } } }), 'parameters.hiden', /vaerec train has no such configuration key/);
    rejects(spec({ parameters: { 'protocol.heldout': { values: [300] } } }), 'parameters.protocol.heldout', /no such configuration key/);
    rejects(spec({ parameters: { nextK: { values: [1, 4] } } }), 'parameters.nextK', /applies to svae only, not mvae/);
    rejects(spec({ parameters: { seed: { values: [1, 2] } } }), 'parameters.seed', /repeats/);
    rejects(spec({ parameters: { data: { values: ['x'] } } }), 'parameters.data', /dataset/);
    rejects(spec({ parameters: { epochs: { values: [10, 20] } } }), 'parameters.epochs', /ASHA/);
  });

  it('values train would refuse, named by their position', () => {
    rejects(spec({ parameters: { dropout: { values: [0.2, 1.5] } } }), 'parameters.dropout.values[1]', /dropout must be at least 0 and at most 0\.99/);
    rejects(spec({ parameters: { hidden: { values: [300, 'wide'] } } }), 'parameters.hidden.values[1]', /must be a number/);
    rejects(spec({ parameters: { hidden: { values: [300.5] } } }), 'parameters.hidden.values[0]', /hidden must be an integer/);
    rejects(spec({ parameters: { backend: { values: ['gpu'] } } }), 'parameters.backend.values[0]', /unknown backend/);
    rejects(spec({ parameters: { 'protocol.targetFraction': { values: [0] } } }), 'parameters.protocol.targetFraction.values[0]', /targetFraction/);
    rejects(
      spec({ method: 'random', trials: 2, earlyStopping: 'none', parameters: { learningRate: { min: 1e-4, max: 20, scale: 'log' } } }),
      'parameters.learningRate.max',
      /learningRate must be above 0 and at most 10/,
    );
    rejects(spec({ base: { epochs: 0 } }), 'base', /epochs must be at least 1/);
  });

  it('method, trials, seed and repeats', () => {
    rejects(spec({ method: 'bayes' }), 'method', /"grid" or "random"/);
    rejects(spec({ method: 'random', earlyStopping: 'none' }), 'trials', /integer from 1/);
    rejects(spec({ trials: 5 }), 'trials', /applies to "method": "random"/);
    rejects(spec({ seed: 5 }), 'seed', /base\.seed/);
    rejects(spec({ parameters: { dropout: { min: 0.1, max: 0.5 } } }), 'parameters.dropout', /needs "method": "random"/);
    rejects(spec({ repeats: 0 }), 'repeats', /integer from 1/);
    rejects(spec({ repeats: 1.5 }), 'repeats', /integer/);
  });

  it('name, model, dataset and metric', () => {
    rejects(spec({ name: undefined }), 'name', /non-empty string/);
    rejects(spec({ name: '../evil' }), 'name', /letters, digits/);
    rejects(spec({ model: 'svd' }), 'model', /one of mvae, mdae, pop, svae/);
    rejects(spec({ dataset: '' }), 'dataset', /non-empty string/);
    rejects(spec({ metric: 'auc' }), 'metric.name', /one of val_ndcg@100/);
    rejects(spec({ metric: { name: 'loss', goal: 'lowest' } }), 'metric.goal', /"max" or "min"/);
    rejects(spec({ base: { epochs: 100, model: 'mdae' } }), 'base.model', /sweep's "model"/);
    rejects(spec({ base: { epochs: 100, data: { source: '/x' } } }), 'base.data.source', /sweep's "dataset"/);
    rejects([], '(the sweep file)', /must be an object/);
  });

  it('early stopping', () => {
    rejects(spec({ earlyStopping: { type: 'hyperband' } }), 'earlyStopping.type', /"none", "asha" or "median"/);
    rejects(spec({ earlyStopping: { type: 'asha', graceEpochs: 0 } }), 'earlyStopping.graceEpochs', /integer from 1/);
    rejects(spec({ earlyStopping: { type: 'asha', graceEpochs: 10, reductionFactor: 1 } }), 'earlyStopping.reductionFactor', /greater than 1/);
    rejects(spec({ earlyStopping: { type: 'asha', graceEpochs: 10, maxEpochs: 50 } }), 'earlyStopping.maxEpochs', /differs from base\.epochs \(100\)/);
    rejects(spec({ earlyStopping: { type: 'asha', graceEpochs: 200 } }), 'earlyStopping.maxEpochs', /below graceEpochs/);
    rejects(spec({ earlyStopping: { type: 'median' } }), 'earlyStopping.afterEpochs', /integer from 1/);
    rejects(spec({ base: { epochs: 100, evalEvery: 5 } }), 'base.evalEvery', /validation every epoch/);
  });

  it('executors and budget', () => {
    rejects(spec({ executor: { type: 'ray' } }), 'executor.type', /"local" or "slurm"/);
    rejects(spec({ executor: { type: 'local', concurrency: 0 } }), 'executor.concurrency', /integer from 1/);
    rejects(spec({ executor: { type: 'local', threadsPerTrial: 4 } }), 'executor.threadsPerTrial', /from 1 to 2/);
    rejects(spec({ executor: { type: 'slurm', cpusPerTask: 0 } }), 'executor.cpusPerTask', /integer from 1/);
    rejects(spec({ executor: { type: 'slurm', partition: 'gpu\n#SBATCH --uid=0' } }), 'executor.partition', /one line/);
    rejects(spec({ executor: { type: 'slurm', sbatchArgs: ['account=lab'] } }), 'executor.sbatchArgs[0]', /an option such as/);
    rejects(spec({ executor: { type: 'slurm', gpus: 0 } }), 'executor.gpus', /integer from 1/);
    rejects(spec({ budget: { maxTrials: 0 } }), 'budget.maxTrials', /integer from 1/);
    rejects(spec({ budget: { maxHours: -1 } }), 'budget.maxHours', /above 0/);
    assert.deepEqual(parseSweepSpec(spec({ executor: { type: 'slurm', gpus: 'a100:1', sbatchArgs: ['--account=lab'] } })).executor, {
      type: 'slurm',
      cpusPerTask: 1,
      gpus: 'a100:1',
      sbatchArgs: ['--account=lab'],
    });
  });
});

describe('configuration keys and flags', () => {
  it('every configuration key the trainer knows has a flag, and no two keys share one', () => {
    const keys = new Set<string>();
    for (const [k, v] of Object.entries(DEFAULT_CONFIG)) {
      if (k === 'protocol') for (const p of Object.keys(v as object)) keys.add(`protocol.${p}`);
      else keys.add(k);
    }
    for (const m of MODEL_KINDS) for (const k of [...Object.keys(MODEL_INFO[m].defaults), ...MODEL_INFO[m].ownKeys.map((r) => r.key)]) keys.add(k);
    for (const k of keys) assert.ok(configKey(k), `no flag for ${k}`);
    // A kind's own hyperparameters are marked as its, from the registry.
    for (const m of MODEL_KINDS) for (const r of MODEL_INFO[m].ownKeys) assert.ok(configKey(r.key)?.models?.includes(m), `${r.key} of ${m}`);
    assert.equal(new Set(CONFIG_KEYS.map((k) => k.flag)).size, CONFIG_KEYS.length);
    assert.deepEqual(configArgs({ hidden: 300, protocol: { heldoutUsers: 20 }, learningRate: 0.001 }), ['--lr', '0.001', '--hidden', '300', '--heldout', '20']);
  });
});

describe('the JSON Schema for *.sweep.json', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const file = path.join(root, 'resources', 'sweep.schema.json');
  const validate = ajv.compile(JSON.parse(fs.readFileSync(file, 'utf8')));

  it('is current (scripts/gen-sweep-schema.ts writes it) and registered for *.sweep.json', () => {
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), sweepJsonSchema());
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: '*.sweep.json', url: './resources/sweep.schema.json' }]);
    assert.match(fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8'), /^!resources\/sweep\.schema\.json$/m);
  });

  it('accepts the example sweep files, which the validator accepts too', () => {
    const dir = path.join(root, 'docs', 'sweeps');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sweep.json'));
    assert.ok(files.length >= 2);
    for (const f of files) {
      const s = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      assert.ok(validate(s), `${f}: ${ajv.errorsText(validate.errors)}`);
      parseSweepSpec(s);
    }
    assert.ok(validate(valid), ajv.errorsText(validate.errors));
  });

  it('refuses unknown keys, unknown parameters, empty lists and wrong types', () => {
    for (const bad of [
      spec({ paramters: {} }),
      spec({ parameters: { hiden: { values: [300] } } }),
      spec({ parameters: { dropout: { values: [] } } }),
      spec({ parameters: { dropout: { values: ['high'] } } }),
      spec({ executor: { type: 'local', concurency: 2 } }),
      spec({ earlyStopping: { type: 'asha' } }),
      spec({ model: 'svd' }),
    ]) {
      assert.equal(validate(bad), false, JSON.stringify(bad));
    }
  });
});

describe('the sweep record reader', () => {
  const spec = parseSweepSpec(valid);
  const trial = {
    index: 0,
    configIndex: 0,
    seedIndex: 0,
    params: { dropout: 0.2 },
    seed: 98765,
    state: 'completed',
    command: [],
    attempt: 1,
    epochs: 3,
    rungs: [],
    previousAttempts: [],
  };
  const record = {
    schemaVersion: 1,
    id: 'mvae-grid-20261130-010203',
    name: 'mvae-grid',
    status: 'completed',
    specFile: '/x/s.sweep.json',
    spec,
    dataSource: 'ml-1m',
    runsDir: '/x/runs',
    cacheDir: '/x/cache',
    createdAt: '2026-11-30T01:02:03.000Z',
    updatedAt: '2026-11-30T01:02:03.000Z',
    elapsedSeconds: 3,
    executor: { type: 'local', concurrency: 2, threadsPerTrial: 1 },
    trials: [trial],
    log: [],
  };

  it('reads a record back as written', () => {
    const v = validateSweepRecord(structuredClone(record));
    assert.ok('record' in v, JSON.stringify(v));
    assert.deepEqual(v.record, record);
  });

  it('gives a reason, never an exception, for damaged records; drops ids and pids that could point elsewhere', () => {
    const damaged: unknown[] = [
      null,
      [],
      'x',
      { ...record, id: '../other' },
      { ...record, status: 'paused' },
      { ...record, schemaVersion: 99 },
      { ...record, spec: { ...spec, parameters: { hiden: { values: [1] } } } },
      { ...record, trials: [{ ...trial, index: 5 }] },
      { ...record, trials: [{ ...trial, state: 'weird' }] },
      { ...record, trials: 'none' },
      { ...record, runsDir: 7 },
    ];
    for (const d of damaged) {
      const v = validateSweepRecord(d);
      assert.ok('reason' in v, JSON.stringify(d)?.slice(0, 80));
    }
    const v = validateSweepRecord({
      ...record,
      trials: [{ ...trial, runId: '../../etc', pid: -1, jobId: '1; rm -rf /' }],
      coordinator: { pid: 0, host: 'h', startedAt: 'x' },
    });
    assert.ok('record' in v);
    assert.equal(v.record.trials[0].runId, undefined);
    assert.equal(v.record.trials[0].pid, undefined);
    assert.equal(v.record.trials[0].jobId, undefined);
    assert.equal(v.record.coordinator, undefined);
  });
});
