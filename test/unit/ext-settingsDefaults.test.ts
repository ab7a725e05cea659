/**
 * One home for config defaults: package.json's setting defaults only mirror the config's, and the
 * extension passes on only what the user set, so a model's own defaults (SVAE's 25 epochs) apply.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/shared/trainConfig';
import { CONFIG_SETTINGS, buildTrainConfig, type ConfigSetting } from '../../src/extension/trainSettings';
import { serveFakeModules } from '../helpers/fakeVscode';

const ROOT = path.resolve(__dirname, '..', '..');
/** The settings that are not one config field each: where things are, and the free-form object. */
const OTHER_SETTINGS = ['runsDirectory', 'datasetCacheDirectory', 'dataset', 'nodePath', 'hyperparameters'];

type Scopes = { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown };
/** What the user set, per setting and scope. */
let userSettings: Record<string, Scopes> = {};
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};
const contributed = manifest.contributes.configuration.properties;
const fakeVscode = {
  workspace: {
    workspaceFolders: undefined,
    getConfiguration: () => ({
      inspect: (key: string) => ({ key: `vaerec.${key}`, defaultValue: contributed[`vaerec.${key}`]?.default, ...userSettings[key] }),
    }),
  },
};

function configValue(at: readonly string[]): unknown {
  return at.reduce<unknown>((v, key) => (v as Record<string, unknown>)[key], DEFAULT_CONFIG);
}

describe('config defaults', () => {
  let restore: () => void = () => undefined;
  let trainSettings: typeof import('../../src/extension/settings').trainSettings;
  before(async () => {
    restore = serveFakeModules((request) => (request === 'vscode' ? fakeVscode : undefined));
    ({ trainSettings } = await import('../../src/extension/settings'));
  });
  after(() => restore());

  it("package.json's default of every setting that sets a config field is the config's default", () => {
    for (const [name, at] of Object.entries(CONFIG_SETTINGS)) {
      const setting = contributed[`vaerec.${name}`];
      assert.ok(setting, `vaerec.${name} is contributed`);
      assert.deepEqual(setting.default, configValue(at), `vaerec.${name}`);
    }
  });

  it('every contributed setting is either one config field or one of the others', () => {
    const names = Object.keys(contributed).map((k) => k.replace(/^vaerec\./, ''));
    assert.deepEqual(
      names.filter((n) => !(n in CONFIG_SETTINGS) && !OTHER_SETTINGS.includes(n)),
      [],
    );
    assert.deepEqual(contributed['vaerec.hyperparameters'].default, {});
  });

  it('unset settings are undefined, so each model gets its own defaults', () => {
    userSettings = {};
    const settings = trainSettings();
    for (const name of Object.keys(CONFIG_SETTINGS) as ConfigSetting[]) assert.equal(settings[name], undefined, name);
    assert.equal(settings.hyperparameters, undefined);
    assert.deepEqual(buildTrainConfig('mvae', 'ml-1m', settings), { ...DEFAULT_CONFIG, model: 'mvae', data: { source: 'ml-1m' } });
    assert.equal(buildTrainConfig('svae', 'ml-1m', settings).epochs, 25);
  });

  it('a set value wins in every model, the most specific scope first', () => {
    userSettings = {
      epochs: { globalValue: 3, workspaceValue: 7 },
      heldoutUsers: { globalValue: 40, workspaceValue: 50, workspaceFolderValue: 60 },
      backend: { globalValue: 'cpu' },
      hyperparameters: { workspaceValue: { dropout: 0.25 } },
    };
    const settings = trainSettings();
    assert.equal(settings.epochs, 7);
    assert.equal(settings.heldoutUsers, 60);
    assert.equal(settings.seed, undefined);
    for (const model of ['mvae', 'svae'] as const) {
      const config = buildTrainConfig(model, 'ml-1m', settings);
      assert.equal(config.epochs, 7, model);
      assert.equal(config.protocol.heldoutUsers, 60, model);
      assert.equal(config.backend, 'cpu', model);
      assert.equal(config.dropout, 0.25, model);
      assert.equal(config.seed, DEFAULT_CONFIG.seed, model);
    }
  });

  it('a wrongly typed setting reaches the shared validation', () => {
    userSettings = { epochs: { workspaceValue: 'ten' } };
    assert.throws(() => buildTrainConfig('mvae', 'ml-1m', trainSettings()), /epochs must be a number \(got "ten"\)/);
  });
});
