/**
 * Every training-configuration key a user can set, with its `vaerec train` flag: one table from which
 * the CLI's flags, the sweep file's parameter names and its JSON Schema are derived, so a key known to
 * the trainer cannot be missing from one of them (a unit test checks the table against the defaults).
 * Ranges are not repeated here: makeConfig (trainConfig.ts) validates every value.
 */
import { MODEL_INFO, MODEL_KINDS, type ModelKind } from './modelKinds';
import type { TrainConfig } from './runSchema';
import { BACKEND_CHOICES, isRecord } from './runSchema';

/** `numberList`: comma-separated on the command line, a JSON array in a configuration. */
export type ConfigValueType = 'int' | 'number' | 'numberList' | 'choice';

export interface ConfigKey {
  /** The key as in a run's `config`; nested keys dotted (`protocol.heldoutUsers`). */
  key: string;
  /** The `vaerec train` flag without its dashes. */
  flag: string;
  type: ConfigValueType;
  choices?: readonly string[];
  description: string;
  /** The kinds whose own hyperparameter it is (ModelKindInfo.ownKeys); absent: every kind's. */
  models?: readonly ModelKind[];
}

const ROWS: readonly Omit<ConfigKey, 'models'>[] = [
  { key: 'epochs', flag: 'epochs', type: 'int', description: 'training epochs' },
  { key: 'seed', flag: 'seed', type: 'int', description: 'seed of the split, initialisation, dropout and noise' },
  { key: 'batchSize', flag: 'batch-size', type: 'int', description: 'users per mini-batch' },
  { key: 'learningRate', flag: 'lr', type: 'number', description: 'Adam learning rate' },
  { key: 'l2', flag: 'l2', type: 'number', description: 'L2 penalty on weights' },
  { key: 'hidden', flag: 'hidden', type: 'int', description: 'hidden layer width (SVAE: the per-step MLP)' },
  { key: 'latent', flag: 'latent', type: 'int', description: 'latent dimension' },
  { key: 'dropout', flag: 'dropout', type: 'number', description: 'dropout on the input' },
  { key: 'annealCap', flag: 'anneal-cap', type: 'number', description: 'largest beta (Mult-VAE, SVAE)' },
  { key: 'annealSteps', flag: 'anneal-steps', type: 'int', description: 'steps over which beta rises to its cap; 0: the whole run' },
  { key: 'evalEvery', flag: 'eval-every', type: 'int', description: 'validate every n epochs' },
  { key: 'backend', flag: 'backend', type: 'choice', choices: BACKEND_CHOICES, description: 'TensorFlow.js backend' },
  { key: 'protocol.minRating', flag: 'min-rating', type: 'number', description: 'ratings above this are positives' },
  { key: 'protocol.minUserItems', flag: 'min-user-items', type: 'int', description: 'users with fewer positives are dropped' },
  {
    key: 'protocol.heldoutUsers',
    flag: 'heldout',
    type: 'int',
    description: 'validation and test users (each); 0: 10% of users rounded to hundreds (600 on ML-1M)',
  },
  { key: 'protocol.targetFraction', flag: 'target-fraction', type: 'number', description: "share of a held-out user's items used as targets" },
  { key: 'embedding', flag: 'embedding', type: 'int', description: 'item embedding width' },
  { key: 'rnn', flag: 'rnn', type: 'int', description: 'GRU state width' },
  { key: 'nextK', flag: 'next-k', type: 'int', description: 'items predicted at each step (1 = next item)' },
  { key: 'maxLength', flag: 'max-length', type: 'int', description: 'longer histories keep their most recent n items' },
  { key: 'weightDecay', flag: 'weight-decay', type: 'number', description: 'Adam weight decay (PyTorch style)' },
  { key: 'lambda', flag: 'lambda', type: 'number', description: 'the L2 penalty, fixed; 0: chosen on validation NDCG@100 from lambdas' },
  { key: 'lambdas', flag: 'lambdas', type: 'numberList', description: "the candidates for lambda, comma-separated; empty: a list around the data's scale" },
  { key: 'gamma', flag: 'gamma', type: 'number', description: "KL weight per item of the user's history" },
  { key: 'encoderEpochs', flag: 'encoder-epochs', type: 'int', description: 'encoder passes per epoch' },
  { key: 'decoderEpochs', flag: 'decoder-epochs', type: 'int', description: 'decoder passes per epoch' },
];

const owners = (key: string) => MODEL_KINDS.filter((m) => MODEL_INFO[m].ownKeys.some((r) => r.key === key));

export const CONFIG_KEYS: readonly ConfigKey[] = ROWS.map((row) => (owners(row.key).length > 0 ? { ...row, models: owners(row.key) } : row));

const BY_KEY = new Map(CONFIG_KEYS.map((k) => [k.key, k]));

export function configKey(key: string): ConfigKey | undefined {
  return BY_KEY.get(key);
}

/** Commander's camel-cased property for a flag (`batch-size` -> `batchSize`). */
export function flagProperty(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Reads a dotted key from a (partial) configuration. */
export function getConfigValue(config: Partial<TrainConfig> | Record<string, unknown>, key: string): unknown {
  let v: unknown = config;
  for (const part of key.split('.')) v = isRecord(v) ? v[part] : undefined;
  return v;
}

/** Sets a dotted key in a partial configuration, creating the nested objects it needs. */
export function setConfigValue(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let obj = target;
  for (const part of parts.slice(0, -1)) {
    if (!isRecord(obj[part])) obj[part] = {};
    obj = obj[part] as Record<string, unknown>;
  }
  obj[parts[parts.length - 1]] = value;
}

/** Merges partial configurations, later ones winning; nested objects (protocol, data) merge key by key. */
export function mergeConfigs(...parts: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [k, v] of Object.entries(part)) {
      out[k] = isRecord(v) && isRecord(out[k]) ? mergeConfigs(out[k] as Record<string, unknown>, v) : v;
    }
  }
  return out;
}

/** Parses a flag's text as the key's type; returns the value or the reason it is not one. */
export function parseConfigValue(k: ConfigKey, text: string): { value: number | string | number[] } | { reason: string } {
  if (k.type === 'choice') {
    return k.choices?.includes(text) ? { value: text } : { reason: `--${k.flag} must be one of ${(k.choices ?? []).join(', ')}` };
  }
  if (k.type === 'numberList') {
    const parts = text.split(',').map((p) => p.trim());
    if (parts.some((p) => p === '' || !Number.isFinite(Number(p)))) return { reason: `--${k.flag} must be numbers separated by commas` };
    return { value: parts.map(Number) };
  }
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) return { reason: `--${k.flag} must be ${k.type === 'int' ? 'an integer' : 'a number'}` };
  if (k.type === 'int' && !/^\s*-?\d+\s*$/.test(text)) return { reason: `--${k.flag} must be an integer` };
  return { value: n };
}

/**
 * The `vaerec train` arguments that set these configuration values, in table order, so that a
 * configuration can be printed as a command a user can re-type.
 */
export function configArgs(values: Record<string, unknown>): string[] {
  const args: string[] = [];
  for (const k of CONFIG_KEYS) {
    const v = getConfigValue(values, k.key);
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) args.push(`--${k.flag}`, Array.isArray(v) ? v.join(',') : String(v));
  }
  return args;
}
