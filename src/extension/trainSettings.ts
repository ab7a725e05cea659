/**
 * Turns the `vaerec.*` settings, a preset or hand-edited JSON into the TrainConfig the trainer
 * gets. Free of `vscode` (the caller reads the settings) so the layering rules are unit-tested.
 * Validation and defaults are the shared ones (src/shared/trainConfig.ts): the CLI and the
 * extension reject the same mistakes.
 */
import type { ModelKind } from '../shared/modelKinds';
import type { TrainConfig } from '../shared/runSchema';
import { isRecord } from '../shared/runSchema';
import { makeConfig } from '../shared/trainConfig';

/**
 * The `vaerec.*` settings that each set one config field, with the field's path in the config.
 * Their defaults are the config's (DEFAULT_CONFIG and each model's own): package.json repeats them
 * for the Settings editor only, and a unit test keeps the two equal.
 */
export const CONFIG_SETTINGS = {
  epochs: ['epochs'],
  heldoutUsers: ['protocol', 'heldoutUsers'],
  seed: ['seed'],
  annealSteps: ['annealSteps'],
  backend: ['backend'],
} as const satisfies Record<string, readonly string[]>;

export type ConfigSetting = keyof typeof CONFIG_SETTINGS;

/**
 * The settings that shape a run, as the user set them: an unset one is undefined, so the config's
 * default applies (a model's own included, e.g. SVAE's 25 epochs). Values are as typed in the
 * settings file; makeConfig validates them.
 */
export type TrainSettings = { readonly [K in ConfigSetting]?: unknown } & {
  /** Any TrainConfig fields; wins over the individual settings above. */
  readonly hyperparameters?: Record<string, unknown>;
};

export type Overrides = Record<string, unknown>;

export interface Preset {
  id: string;
  label: string;
  detail: string;
  overrides: Overrides;
}

export const PRESETS: readonly Preset[] = [
  { id: 'quick', label: 'Quick', detail: '20 epochs: a first look in a few minutes', overrides: { epochs: 20 } },
  { id: 'paper', label: 'Paper', detail: '200 epochs, as in Liang et al. (2018)', overrides: { epochs: 200 } },
];

/** Layers overrides left to right; `protocol` and `data` are merged key by key, not replaced. */
export function mergeOverrides(...layers: Overrides[]): Overrides {
  const out: Overrides = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const prev = out[key];
      out[key] = (key === 'protocol' || key === 'data') && isRecord(prev) && isRecord(value) ? { ...prev, ...value } : value;
    }
  }
  return out;
}

export function settingsOverrides(s: TrainSettings): Overrides {
  const set = (Object.keys(CONFIG_SETTINGS) as ConfigSetting[]).filter((name) => s[name] !== undefined);
  // ['protocol', 'heldoutUsers'] and 30 give { protocol: { heldoutUsers: 30 } }.
  const nested = set.map((name) => CONFIG_SETTINGS[name].reduceRight<unknown>((inner, key) => ({ [key]: inner }), s[name]) as Overrides);
  return mergeOverrides(...nested, s.hyperparameters ?? {});
}

/** The full config for a run; throws ConfigError (with a message meant for the user) when invalid. */
export function buildTrainConfig(model: ModelKind, source: string, settings: TrainSettings, ...extra: Overrides[]): TrainConfig {
  return makeConfig(model, source, mergeOverrides(settingsOverrides(settings), ...extra));
}

/** What the user may edit as JSON: everything but the model and the dataset, which are chosen apart. */
export function editableHyperparameters(config: TrainConfig): Overrides {
  const editable: Overrides = { ...config };
  delete editable.model;
  delete editable.data;
  return editable;
}

/**
 * Validates hand-edited JSON against a full config build, so the input box can show the exact
 * problem ("dropout must be at least 0 ...") before the run starts.
 */
export function parseOverridesJson(text: string, model: ModelKind, source: string): { ok: true; overrides: Overrides } | { ok: false; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not valid JSON: ${(err as Error).message}` };
  }
  if (!isRecord(parsed)) return { ok: false, reason: 'expected a JSON object such as {"epochs": 50}' };
  for (const key of ['model', 'data']) {
    if (key in parsed) return { ok: false, reason: `"${key}" is chosen separately and cannot be edited here` };
  }
  try {
    makeConfig(model, source, parsed);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  return { ok: true, overrides: parsed };
}
