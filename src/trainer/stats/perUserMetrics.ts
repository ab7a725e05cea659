/**
 * Per-user test metrics of a finished run, recomputed from what every run already stores: the top
 * 100 of each test user (recommendations.json) and the held-out users' fold-in and target items
 * (split.json). The metric functions are the trainer's own (../metrics), so the users' mean is the
 * run's recorded test metric. Recomputing takes milliseconds (docs/STATISTICS.md), so runs store no
 * second copy of these numbers. Nothing here loads TensorFlow.js: the extension host may call it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isRecord, type RunRecord } from '../../shared/runSchema';
import { userMetrics, type UserMetrics } from '../metrics';

/** A run that cannot answer: `badInput` when the question was wrong (no recommendations yet, other split); otherwise its files are damaged. */
export class ComparisonError extends Error {
  constructor(
    message: string,
    readonly badInput: boolean,
  ) {
    super(message);
    this.name = 'ComparisonError';
  }
}

export interface HeldOutUser {
  user: string;
  foldIn: string[];
  targets: string[];
}

export interface PerUserTest {
  /** Test users in split.json's order. */
  users: HeldOutUser[];
  /** One UserMetrics per test user (NaN metrics for a user without targets). */
  metrics: UserMetrics[];
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ComparisonError(`${file}: ${code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? String(err)})`}`, false);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ComparisonError(`${file}: truncated or not valid JSON`, false);
  }
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function isHeldOutUser(v: unknown): v is HeldOutUser {
  return isRecord(v) && typeof v.user === 'string' && isStringArray(v.foldIn) && isStringArray(v.targets);
}

export function readTestSplit(runDir: string, record: RunRecord): { file: string; items: string[]; test: HeldOutUser[] } {
  if (!record.artifacts.split) throw new ComparisonError(`${runDir}: the run records no split (status ${record.status})`, true);
  const file = path.join(runDir, record.artifacts.split);
  const v = readJson(file);
  if (!isRecord(v) || !isStringArray(v.items) || !Array.isArray(v.test)) throw new ComparisonError(`${file}: not a split file (items and test users)`, false);
  const bad = v.test.findIndex((u) => !isHeldOutUser(u));
  if (bad >= 0) throw new ComparisonError(`${file}: test user ${bad + 1} has no user id, fold-in or target list`, false);
  return { file, items: v.items, test: v.test as HeldOutUser[] };
}

function readRecommendations(file: string): Map<string, unknown[]> {
  const v = readJson(file);
  if (!isRecord(v) || !Array.isArray(v.users)) throw new ComparisonError(`${file}: not a recommendations file (k and users)`, false);
  if (typeof v.k !== 'number' || v.k < 100) throw new ComparisonError(`${file}: holds the top ${String(v.k)} per user; NDCG@100 needs the top 100`, false);
  const byUser = new Map<string, unknown[]>();
  v.users.forEach((u, i) => {
    if (!isRecord(u) || typeof u.user !== 'string' || !Array.isArray(u.items))
      throw new ComparisonError(`${file}: entry ${i + 1} has no user id or item list`, false);
    byUser.set(u.user, u.items);
  });
  return byUser;
}

export function perUserTestMetrics(runDir: string, record: RunRecord): PerUserTest {
  if (!record.artifacts.recommendations)
    throw new ComparisonError(`${runDir}: the run has no test recommendations (status ${record.status}; only runs that reached testing have them)`, true);
  const { file: splitFile, items, test } = readTestSplit(runDir, record);
  const recFile = path.join(runDir, record.artifacts.recommendations);
  const recommended = readRecommendations(recFile);
  const itemIndex = new Map(items.map((id, i) => [id, i]));
  const indexOf = (id: unknown, user: string, what: string): number => {
    const i = typeof id === 'string' ? itemIndex.get(id) : undefined;
    if (i === undefined) throw new ComparisonError(`${what}: item ${JSON.stringify(id)} of user ${user} is not in the run's catalogue (split.json)`, false);
    return i;
  };
  const metrics = test.map((u) => {
    const list = recommended.get(u.user);
    if (!list) throw new ComparisonError(`${recFile}: test user ${u.user} has no recommendations`, false);
    const ranked = Int32Array.from(list, (id) => indexOf(id, u.user, recFile));
    const targets = new Set(u.targets.map((id) => indexOf(id, u.user, splitFile)));
    return userMetrics(ranked, targets);
  });
  return { users: test, metrics };
}
