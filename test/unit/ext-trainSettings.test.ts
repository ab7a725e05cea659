import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/shared/trainConfig';
import type { TrainSettings } from '../../src/extension/trainSettings';
import { PRESETS, buildTrainConfig, editableHyperparameters, mergeOverrides, parseOverridesJson } from '../../src/extension/trainSettings';

const settings: TrainSettings = { epochs: 100, heldoutUsers: 0, seed: 98765, annealSteps: 0, backend: 'auto', hyperparameters: {} };

describe('train settings', () => {
  it('builds the shared defaults from default settings', () => {
    const config = buildTrainConfig('mvae', 'ml-1m', settings);
    assert.deepEqual(config, { ...DEFAULT_CONFIG, model: 'mvae', data: { source: 'ml-1m' } });
  });

  it('layers individual settings, then the hyperparameters object, then per-run overrides', () => {
    const s = { ...settings, epochs: 5, heldoutUsers: 30, hyperparameters: { dropout: 0.3, epochs: 7, protocol: { minRating: 4 } } };
    const config = buildTrainConfig('mdae', '/data', s, { epochs: 9 });
    assert.equal(config.epochs, 9);
    assert.equal(config.dropout, 0.3);
    assert.deepEqual(config.protocol, { ...DEFAULT_CONFIG.protocol, heldoutUsers: 30, minRating: 4 });
  });

  it('merges protocol and data key by key', () => {
    assert.deepEqual(mergeOverrides({ protocol: { a: 1 }, x: 1 }, { protocol: { b: 2 }, x: 2 }), { protocol: { a: 1, b: 2 }, x: 2 });
  });

  it('has quick (20 epochs) and paper (200 epochs) presets', () => {
    assert.deepEqual(
      PRESETS.map((p) => [p.id, buildTrainConfig('mvae', 'ml-1m', settings, p.overrides).epochs]),
      [
        ['quick', 20],
        ['paper', 200],
      ],
    );
  });

  it('rejects invalid settings with the shared message', () => {
    assert.throws(() => buildTrainConfig('mvae', 'ml-1m', { ...settings, backend: 'gpu' }), /unknown backend "gpu"/);
  });

  it('validates hand-edited JSON', () => {
    assert.deepEqual(parseOverridesJson('{"epochs": 50}', 'mvae', 'ml-1m'), { ok: true, overrides: { epochs: 50 } });
    assert.match(String((parseOverridesJson('{"epochs": ', 'mvae', 'ml-1m') as { reason: string }).reason), /not valid JSON/);
    assert.match(String((parseOverridesJson('[1]', 'mvae', 'ml-1m') as { reason: string }).reason), /JSON object/);
    assert.match(String((parseOverridesJson('{"dropout": 2}', 'mvae', 'ml-1m') as { reason: string }).reason), /dropout/);
    assert.match(String((parseOverridesJson('{"model": "pop"}', 'mvae', 'ml-1m') as { reason: string }).reason), /chosen separately/);
    assert.match(String((parseOverridesJson('{"epoch": 3}', 'mvae', 'ml-1m') as { reason: string }).reason), /unknown hyperparameter "epoch"/);
  });

  it('offers every field but model and data for editing, and the edit round-trips', () => {
    const config = buildTrainConfig('mvae', 'ml-1m', settings, { latent: 64 });
    const editable = editableHyperparameters(config);
    assert.ok(!('model' in editable) && !('data' in editable));
    const parsed = parseOverridesJson(JSON.stringify(editable), 'mvae', 'ml-1m');
    assert.ok(parsed.ok);
    assert.deepEqual(buildTrainConfig('mvae', 'ml-1m', settings, parsed.overrides), config);
  });
});
