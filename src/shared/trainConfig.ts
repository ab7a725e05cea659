/**
 * Default hyperparameters and validation of a training configuration, shared by the CLI and the
 * extension so both start the trainer with the same defaults and reject the same mistakes.
 */
import { MODEL_INFO, MODEL_KINDS, isModelKind, type ModelKind } from './modelKinds';
import type { BackendChoice, ProtocolConfig, TrainConfig } from './runSchema';
import { BACKEND_CHOICES, isRecord } from './runSchema';
import { oneLine, quote } from './text';

/**
 * heldoutUsers = 0 and annealSteps = 0 mean "auto", resolved by the trainer once the data is known:
 * - held-out users: 10% of eligible users rounded to hundreds, at most 10,000 (600 on ML-1M, 10,000
 *   on ML-20M as in the paper); 10% (at least 1) below 1,000 users;
 * - anneal steps: the run's total number of steps, so beta reaches its cap at the last epoch.
 *   (The paper's 200,000 steps assume ML-20M; on ML-1M, ~10 steps per epoch, beta would stay ~0.01.)
 */
export const DEFAULT_CONFIG: Omit<TrainConfig, 'model' | 'data'> = {
  protocol: { minRating: 3.5, minUserItems: 5, heldoutUsers: 0, targetFraction: 0.2 },
  seed: 98765,
  epochs: 100,
  batchSize: 500,
  learningRate: 1e-3,
  l2: 0,
  hidden: 600,
  latent: 200,
  dropout: 0.5,
  annealCap: 0.2,
  annealSteps: 0,
  backend: 'auto',
  evalEvery: 1,
};

/** The common rule; a kind may have its own (ModelKindInfo.autoHeldoutUsers). */
export function autoHeldoutUsers(eligibleUsers: number, model?: ModelKind): number {
  const own = model === undefined ? undefined : MODEL_INFO[model].autoHeldoutUsers;
  if (own) return own(eligibleUsers);
  if (eligibleUsers >= 1000) return Math.min(10_000, Math.round(eligibleUsers / 10 / 100) * 100);
  return Math.max(1, Math.round(eligibleUsers / 10));
}

/**
 * A mistake in a configuration. `field` is the config path it is about ("epochs",
 * "protocol.heldoutUsers"), so each front end can name its own way of setting it: a CLI flag in the
 * terminal, a `vaerec.*` setting in VS Code.
 */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The fields where 0 (or "auto") means "resolved by the trainer once the data is known" (see DEFAULT_CONFIG). */
export const AUTO_FIELDS = ['annealSteps', 'protocol.heldoutUsers'] as const;
export type AutoField = (typeof AUTO_FIELDS)[number];

/** Protocol keys, also accepted at the top level of the overrides (`{"heldoutUsers": 100}`). */
export const PROTOCOL_KEYS = ['minRating', 'minUserItems', 'heldoutUsers', 'targetFraction'] as const satisfies readonly (keyof ProtocolConfig)[];

export type NumberRule = {
  key: keyof TrainConfig;
  min: number;
  max: number;
  integer?: boolean;
  exclusiveMin?: boolean;
  /** The value is a list (possibly empty, at most MAX_LIST long) of such numbers. */
  list?: boolean;
};
const MAX_LIST = 100;
const NUMBER_RULES: NumberRule[] = [
  { key: 'seed', min: 0, max: 0xffffffff, integer: true },
  { key: 'epochs', min: 1, max: 100_000, integer: true },
  { key: 'batchSize', min: 1, max: 1_000_000, integer: true },
  { key: 'learningRate', min: 0, max: 10, exclusiveMin: true },
  { key: 'l2', min: 0, max: 1e6 },
  { key: 'hidden', min: 1, max: 100_000, integer: true },
  { key: 'latent', min: 1, max: 100_000, integer: true },
  { key: 'dropout', min: 0, max: 0.99 },
  { key: 'annealCap', min: 0, max: 1e6 },
  { key: 'annealSteps', min: 0, max: 1e12, integer: true },
  { key: 'evalEvery', min: 1, max: 100_000, integer: true },
];

/** The range a top-level number key must lie in (the first kind that owns a model-specific key), for messages that state it up front. */
export function numberRule(key: string): NumberRule | undefined {
  return NUMBER_RULES.find((r) => r.key === key) ?? MODEL_KINDS.flatMap((m) => MODEL_INFO[m].ownKeys).find((r) => r.key === key);
}

function checkNumber(name: string, v: unknown, min: number, max: number, integer = false, exclusiveMin = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ConfigError(`${name} must be a number (got ${typeof v === 'string' ? quote(v) : oneLine(String(JSON.stringify(v)), 80)})`, name);
  if (integer && !Number.isInteger(v)) throw new ConfigError(`${name} must be an integer (got ${v})`, name);
  if (v < min || v > max || (exclusiveMin && v === min))
    throw new ConfigError(`${name} must be ${exclusiveMin ? 'above' : 'at least'} ${min} and at most ${max} (got ${v})`, name);
  return v;
}

const ownsKey = (model: ModelKind, key: string) => MODEL_INFO[model].ownKeys.some((r) => r.key === key);
const MODEL_KEYS = [...new Set(MODEL_KINDS.flatMap((m) => MODEL_INFO[m].ownKeys.map((r) => r.key)))];
const KNOWN_KEYS = new Set<string>(['model', 'data', 'protocol', 'backend', ...NUMBER_RULES.map((r) => r.key), ...MODEL_KEYS, ...PROTOCOL_KEYS]);

/** Keys that shape a run trained in epochs; a kind fitted in one pass ignores them. */
const EPOCH_KEYS: readonly string[] = ['epochs', 'batchSize', 'learningRate', 'l2', 'hidden', 'latent', 'dropout', 'evalEvery', 'backend'];
const KL_KEYS: readonly string[] = ['annealCap', 'annealSteps'];

/**
 * The hyperparameters that mean something for a kind, as a user would write them: what an error
 * lists as "known", and what the hyperparameter editor offers.
 */
export function relevantKeys(model: ModelKind): string[] {
  const kind = MODEL_INFO[model];
  return [
    'seed',
    ...(kind.epochs ? EPOCH_KEYS : []),
    ...(kind.kl ? KL_KEYS : []),
    ...kind.ownKeys.map((r) => r.key),
    ...PROTOCOL_KEYS.map((k) => `protocol.${k}`),
  ];
}

/** Levenshtein distance, for "did you mean" on a misspelt key. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function unknownKey(model: ModelKind, key: string): ConfigError {
  const known = relevantKeys(model);
  const bare = known.map((k) => k.replace(/^protocol\./, ''));
  const close = bare.find((k) => k.toLowerCase() === key.toLowerCase()) ?? bare.find((k) => distance(k.toLowerCase(), key.toLowerCase()) <= 2);
  const hint = close ? `did you mean "${close}"? ` : '';
  return new ConfigError(`unknown hyperparameter ${quote(key)}: ${hint}known for ${MODEL_INFO[model].label}: ${known.join(', ')}`, key);
}

/** "auto" is the spelling of 0 for the fields the trainer resolves. */
function autoAsZero(v: unknown): unknown {
  return v === 'auto' ? 0 : v;
}

/**
 * The overrides as makeConfig reads them: protocol keys written at the top level (the natural
 * spelling, `{"heldoutUsers": 100}`) moved under `protocol`, and "auto" turned into 0.
 */
function normalizeOverrides(overrides: Record<string, unknown>): Record<string, unknown> {
  const protocolIn = overrides.protocol ?? {};
  if (!isRecord(protocolIn)) throw new ConfigError('protocol must be an object', 'protocol');
  const out: Record<string, unknown> = { ...overrides };
  const protocol: Record<string, unknown> = { ...protocolIn };
  for (const key of PROTOCOL_KEYS) {
    if (!(key in out)) continue;
    if (key in protocol && protocol[key] !== out[key])
      throw new ConfigError(
        `${key} is given twice, at the top level (${oneLine(String(JSON.stringify(out[key])), 80)}) and under protocol (${oneLine(String(JSON.stringify(protocol[key])), 80)})`,
        key,
      );
    protocol[key] = out[key];
    delete out[key];
  }
  if ('heldoutUsers' in protocol) protocol.heldoutUsers = autoAsZero(protocol.heldoutUsers);
  if ('annealSteps' in out) out.annealSteps = autoAsZero(out.annealSteps);
  if ('protocol' in overrides || Object.keys(protocol).length > 0) out.protocol = protocol;
  return out;
}

/** Hyperparameters of other kinds among the overrides, e.g. "maxLength applies to svae only". */
function misplacedKeys(model: ModelKind, overrides: Record<string, unknown>): string | undefined {
  const byOwners = new Map<string, string[]>();
  for (const key of MODEL_KEYS) {
    if (!(key in overrides) || ownsKey(model, key)) continue;
    const owners = MODEL_KINDS.filter((m) => ownsKey(m, key)).join(', ');
    byOwners.set(owners, [...(byOwners.get(owners) ?? []), key]);
  }
  const parts = [...byOwners].map(([owners, keys]) => `${keys.join(', ')} ${keys.length > 1 ? 'apply' : 'applies'} to ${owners} only`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** Builds a full, validated config from partial user input (CLI flags, settings, edited JSON). */
export function makeConfig(model: ModelKind, source: string, input: unknown = {}): TrainConfig {
  if (!isModelKind(model)) throw new ConfigError(`unknown model ${quote(model)} (expected ${MODEL_KINDS.join(', ')})`, 'model');
  if (!isRecord(input)) throw new ConfigError('hyperparameters must be a JSON object');
  for (const key of Object.keys(input)) if (!KNOWN_KEYS.has(key)) throw unknownKey(model, key);
  const overrides = normalizeOverrides(input);
  const protocolIn = overrides.protocol ?? {};
  if (!isRecord(protocolIn)) throw new ConfigError('protocol must be an object', 'protocol');
  for (const key of Object.keys(protocolIn)) {
    if (!(PROTOCOL_KEYS as readonly string[]).includes(key))
      throw new ConfigError(`unknown protocol setting ${quote(key)} (known: ${PROTOCOL_KEYS.join(', ')})`, `protocol.${key}`);
  }
  const protocol = { ...DEFAULT_CONFIG.protocol, ...protocolIn };
  checkNumber('protocol.minRating', protocol.minRating, -1e9, 1e9);
  checkNumber('protocol.minUserItems', protocol.minUserItems, 1, 1e9, true);
  checkNumber('protocol.heldoutUsers', protocol.heldoutUsers, 0, 1e9, true);
  checkNumber('protocol.targetFraction', protocol.targetFraction, 0, 1, false, true);
  const dataIn = overrides.data ?? {};
  if (!isRecord(dataIn)) throw new ConfigError('data must be an object', 'data');
  const misplaced = misplacedKeys(model, overrides);
  if (misplaced) throw new ConfigError(misplaced);
  const kind = MODEL_INFO[model];
  const config = { ...DEFAULT_CONFIG, ...kind.defaults, ...overrides, model, protocol, data: { ...dataIn, source } } as TrainConfig;
  if (typeof source !== 'string' || source.length === 0) throw new ConfigError('a dataset (ml-1m or a path) is required', 'data.source');
  for (const r of [...NUMBER_RULES, ...kind.ownKeys]) {
    const v = config[r.key];
    if (!r.list) checkNumber(r.key, v, r.min, r.max, r.integer, r.exclusiveMin);
    else if (!Array.isArray(v) || v.length > MAX_LIST)
      throw new ConfigError(`${r.key} must be a list of at most ${MAX_LIST} numbers (got ${JSON.stringify(v)})`, r.key);
    else v.forEach((x, i) => checkNumber(`${r.key}[${i}]`, x, r.min, r.max, r.integer, r.exclusiveMin));
  }
  if (!(BACKEND_CHOICES as readonly string[]).includes(config.backend)) {
    throw new ConfigError(`unknown backend ${quote(String(config.backend))} (expected ${BACKEND_CHOICES.join(', ')})`, 'backend');
  }
  return config;
}

export function isBackendChoice(v: string): v is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(v);
}
