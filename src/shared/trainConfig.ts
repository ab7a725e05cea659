/**
 * Default hyperparameters and validation of a training configuration, shared by the CLI and the
 * extension so both start the trainer with the same defaults and reject the same mistakes.
 */
import { MODEL_INFO, MODEL_KINDS, isModelKind, type ModelKind } from './modelKinds';
import type { BackendChoice, TrainConfig } from './runSchema';
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

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

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

function checkNumber(name: string, v: unknown, min: number, max: number, integer = false, exclusiveMin = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ConfigError(`${name} must be a number (got ${typeof v === 'string' ? quote(v) : oneLine(String(JSON.stringify(v)), 80)})`);
  if (integer && !Number.isInteger(v)) throw new ConfigError(`${name} must be an integer (got ${v})`);
  if (v < min || v > max || (exclusiveMin && v === min))
    throw new ConfigError(`${name} must be ${exclusiveMin ? 'above' : 'at least'} ${min} and at most ${max} (got ${v})`);
  return v;
}

const ownsKey = (model: ModelKind, key: string) => MODEL_INFO[model].ownKeys.some((r) => r.key === key);
const MODEL_KEYS = [...new Set(MODEL_KINDS.flatMap((m) => MODEL_INFO[m].ownKeys.map((r) => r.key)))];
const KNOWN_KEYS = new Set<string>(['model', 'data', 'protocol', 'backend', ...NUMBER_RULES.map((r) => r.key), ...MODEL_KEYS]);

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
export function makeConfig(model: ModelKind, source: string, overrides: unknown = {}): TrainConfig {
  if (!isModelKind(model)) throw new ConfigError(`unknown model ${quote(model)} (expected ${MODEL_KINDS.join(', ')})`);
  if (!isRecord(overrides)) throw new ConfigError('hyperparameters must be a JSON object');
  for (const key of Object.keys(overrides)) {
    if (!KNOWN_KEYS.has(key)) throw new ConfigError(`unknown hyperparameter ${quote(key)} (known: ${[...KNOWN_KEYS].sort().join(', ')})`);
  }
  const protocolIn = overrides.protocol ?? {};
  if (!isRecord(protocolIn)) throw new ConfigError('protocol must be an object');
  const protocol = { ...DEFAULT_CONFIG.protocol, ...protocolIn };
  checkNumber('protocol.minRating', protocol.minRating, -1e9, 1e9);
  checkNumber('protocol.minUserItems', protocol.minUserItems, 1, 1e9, true);
  checkNumber('protocol.heldoutUsers', protocol.heldoutUsers, 0, 1e9, true);
  checkNumber('protocol.targetFraction', protocol.targetFraction, 0, 1, false, true);
  const dataIn = overrides.data ?? {};
  if (!isRecord(dataIn)) throw new ConfigError('data must be an object');
  const misplaced = misplacedKeys(model, overrides);
  if (misplaced) throw new ConfigError(misplaced);
  const kind = MODEL_INFO[model];
  const config = { ...DEFAULT_CONFIG, ...kind.defaults, ...overrides, model, protocol, data: { ...dataIn, source } } as TrainConfig;
  if (typeof source !== 'string' || source.length === 0) throw new ConfigError('a dataset (ml-1m or a path) is required');
  for (const r of [...NUMBER_RULES, ...kind.ownKeys]) {
    const v = config[r.key];
    if (!r.list) checkNumber(r.key, v, r.min, r.max, r.integer, r.exclusiveMin);
    else if (!Array.isArray(v) || v.length > MAX_LIST)
      throw new ConfigError(`${r.key} must be a list of at most ${MAX_LIST} numbers (got ${JSON.stringify(v)})`);
    else v.forEach((x, i) => checkNumber(`${r.key}[${i}]`, x, r.min, r.max, r.integer, r.exclusiveMin));
  }
  if (!(BACKEND_CHOICES as readonly string[]).includes(config.backend)) {
    throw new ConfigError(`unknown backend ${quote(String(config.backend))} (expected ${BACKEND_CHOICES.join(', ')})`);
  }
  return config;
}

export function isBackendChoice(v: string): v is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(v);
}
