/**
 * Turns the `vaerec.*` settings, a preset or hand-edited JSON into the TrainConfig the trainer
 * gets. Free of `vscode` (the caller reads the settings) so the layering rules are unit-tested.
 * Validation and defaults are the shared ones (src/shared/trainConfig.ts): the CLI and the
 * extension reject the same mistakes.
 */
import { MODEL_INFO, type ModelKind } from '../shared/modelKinds';
import type { RunRecord, TrainConfig } from '../shared/runSchema';
import { isRecord } from '../shared/runSchema';
import { AUTO_FIELDS, autoHeldoutUsers, makeConfig, relevantKeys, type AutoField } from '../shared/trainConfig';

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

/**
 * What the user may edit as JSON: the fields that mean something for the model (a kind fitted in
 * one pass has no epochs or learning rate), never the model and the dataset, which are chosen apart.
 */
export function editableHyperparameters(config: TrainConfig): Overrides {
  const relevant = new Set(relevantKeys(config.model).map((k) => k.split('.')[0]));
  return Object.fromEntries(Object.entries(config).filter(([key]) => relevant.has(key)));
}

function fieldValue(config: TrainConfig, field: AutoField): number {
  return field === 'annealSteps' ? config.annealSteps : config.protocol.heldoutUsers;
}

/**
 * The fields a run was started with at "auto". Runs record them (`auto`); for runs recorded before
 * they did, a resolved value equal to what "auto" gives on the run's split is taken as "auto".
 */
export function autoFieldsOf(record: RunRecord): AutoField[] {
  if (record.auto) return AUTO_FIELDS.filter((f) => record.auto?.includes(f));
  const { config, split } = record;
  if (!split) return [];
  const fields: AutoField[] = [];
  const eligible = split.trainUsers + split.validationUsers + split.testUsers;
  if (config.protocol.heldoutUsers === autoHeldoutUsers(eligible, config.model)) fields.push('protocol.heldoutUsers');
  if (config.annealSteps === Math.max(1, Math.ceil(split.trainUsers / config.batchSize) * config.epochs)) fields.push('annealSteps');
  return fields;
}

/** How the hyperparameter JSON names a field. */
const jsonName = (field: AutoField) => field.replace(/^protocol\./, '');

/**
 * Where Rerun with Changes starts: the run's hyperparameters as the user chose them ("auto" where
 * the run was left to resolve a value, so a rerun with more epochs anneals over its own length),
 * and what "auto" gave in that run, as information only.
 */
export function rerunStart(record: RunRecord): { overrides: Overrides; resolved: string[] } {
  const auto = autoFieldsOf(record);
  const overrides = editableHyperparameters(record.config);
  if (auto.includes('annealSteps') && 'annealSteps' in overrides) overrides.annealSteps = 'auto';
  if (auto.includes('protocol.heldoutUsers')) overrides.protocol = { ...record.config.protocol, heldoutUsers: 'auto' };
  const relevant = relevantKeys(record.config.model);
  const resolved = auto.filter((f) => relevant.includes(f)).map((f) => `${jsonName(f)} ${fieldValue(record.config, f)}`);
  return { overrides, resolved };
}

/**
 * Where the user changes a config field in VS Code, for messages about it: its own `vaerec.*`
 * setting, or a key of `vaerec.hyperparameters` (also when that setting is where the value came from).
 */
export function settingFor(field: string | undefined, settings: TrainSettings = {}): string {
  if (field === undefined) return 'the vaerec.* settings';
  const [head, tail] = field.split('.');
  const hp = settings.hyperparameters ?? {};
  const inHyperparameters = head in hp || (tail !== undefined && (tail in hp || (isRecord(hp[head]) && tail in hp[head])));
  const own = (Object.keys(CONFIG_SETTINGS) as ConfigSetting[]).find((name) => CONFIG_SETTINGS[name].join('.') === field);
  if (own && !inHyperparameters) return `the vaerec.${own} setting`;
  return `"${field}" in the vaerec.hyperparameters setting`;
}

/** A one-line summary of what a config trains, with only what applies to its model. */
export function configSummary(config: TrainConfig): string {
  const kind = MODEL_INFO[config.model];
  const heldout = config.protocol.heldoutUsers === 0 ? 'auto' : String(config.protocol.heldoutUsers);
  // A closed-form fit (EASE, popularity) has no epochs, optimiser or architecture: only its own settings.
  if (!kind.epochs)
    return ['fitted in one pass', ...(kind.describe ? [kind.describe.summary(config)] : []), `seed ${config.seed}`, `held-out users ${heldout}`].join(', ');
  const parts = [
    `${config.epochs} epochs`,
    `batch ${config.batchSize}`,
    `lr ${config.learningRate}`,
    `${config.hidden}-${config.latent}`,
    `dropout ${config.dropout}`,
  ];
  if (kind.kl) parts.push(`β cap ${config.annealCap}`);
  if (kind.describe) parts.push(kind.describe.summary(config));
  return parts.join(', ');
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
