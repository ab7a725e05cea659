/**
 * Two runs compared user by user on their common test set. Pairing is only meaningful when both
 * runs held out the same users with the same targets, so that is checked first, from the records
 * (data fingerprint, data options, protocol, seed, split kind) and then from the split files
 * themselves; anything else is refused with one line saying what differs.
 */
import { modelInfo } from '../../shared/modelKinds';
import { readRun } from '../../shared/runReader';
import type { RunRecord } from '../../shared/runSchema';
import { comparePaired } from '../../shared/stats/paired';
import type { ComparedRun, RunComparison } from '../../shared/statsContracts';
import { ComparisonError, perUserTestMetrics, type HeldOutUser } from './perUserMetrics';

// The extension host may import this module only (eslint): it tells its refusals apart by this class.
export { ComparisonError };

/** The metrics compared, in the trainer's per-user definitions (src/trainer/metrics.ts). */
export const COMPARED_METRICS = ['ndcg@100', 'recall@20'] as const;

interface OpenedRun {
  dir: string;
  record: RunRecord;
}

export function openRun(dir: string): OpenedRun {
  const entry = readRun(dir);
  if (!entry.ok) throw new ComparisonError(`${dir}: ${entry.reason}`, false);
  return { dir, record: entry.record };
}

const splitKind = (r: RunRecord) => (modelInfo(r.model)?.sequential ? 'the time-ordered (sequential) split' : 'the random strong-generalisation split');

/** Why two runs do not share their test users and targets, from their records alone; undefined when they do. */
export function splitMismatch(a: RunRecord, b: RunRecord): string | undefined {
  if (!a.fingerprint || !b.fingerprint) return `${(a.fingerprint ? b : a).id} records no data fingerprint, so its data cannot be matched`;
  // Compared field by field, not as JSON: a record's key order is not part of the data's identity.
  const data = (f: NonNullable<RunRecord['fingerprint']>) => [f.layout, ...f.files.map((x) => `${x.name} ${x.bytes} ${x.sha256}`).sort()].join('\n');
  if (data(a.fingerprint) !== data(b.fingerprint)) return 'they were trained on different data (their data fingerprints differ)';
  const options = (r: RunRecord) => JSON.stringify({ ...r.config.data, source: undefined });
  if (options(a) !== options(b)) return `they read the data with different options (${options(a)} vs ${options(b)})`;
  for (const key of Object.keys({ ...a.config.protocol, ...b.config.protocol }) as (keyof RunRecord['config']['protocol'])[]) {
    if (a.config.protocol?.[key] !== b.config.protocol?.[key])
      return `their protocols differ: ${key} ${String(a.config.protocol?.[key])} vs ${String(b.config.protocol?.[key])}`;
  }
  if (a.config.seed !== b.config.seed) return `their split seeds differ (${a.config.seed} vs ${b.config.seed})`;
  if (splitKind(a) !== splitKind(b)) return `${a.id} uses ${splitKind(a)} and ${b.id} ${splitKind(b)}`;
  return undefined;
}

const sameList = (x: string[], y: string[]) => x.length === y.length && x.every((v, i) => v === y[i]);

/** The split files must agree too: a run directory edited or copied by hand could otherwise pair the wrong users. */
function testUsersMismatch(a: HeldOutUser[], b: HeldOutUser[]): string | undefined {
  if (a.length !== b.length) return `they hold out ${a.length} and ${b.length} test users`;
  const i = a.findIndex((u, k) => u.user !== b[k].user || !sameList(u.targets, b[k].targets) || !sameList(u.foldIn, b[k].foldIn));
  return i < 0 ? undefined : `their split files differ at test user ${a[i].user} (position ${i + 1})`;
}

function side(run: OpenedRun): ComparedRun {
  const test: Record<string, number> = {};
  for (const [k, v] of Object.entries(run.record.test ?? {})) if (typeof v === 'number') test[k] = v;
  return { id: run.record.id, dir: run.dir, name: run.record.name, model: run.record.model, status: run.record.status, test };
}

export interface CompareOptions {
  resamples?: number;
  seed?: number;
}

export function compareRuns(dirA: string, dirB: string, opts: CompareOptions = {}): RunComparison {
  const a = openRun(dirA);
  const b = openRun(dirB);
  const refuse = (why: string) => new ComparisonError(`${a.record.id} and ${b.record.id} cannot be compared user by user: ${why}`, true);
  const why = splitMismatch(a.record, b.record);
  if (why) throw refuse(why);
  const pa = perUserTestMetrics(a.dir, a.record);
  const pb = perUserTestMetrics(b.dir, b.record);
  const differ = testUsersMismatch(pa.users, pb.users);
  if (differ) throw refuse(differ);

  // Users without targets have no metric (NaN) in both runs: the averages leave them out, so does the pairing.
  const kept = pa.metrics.map((_, i) => i).filter((i) => Number.isFinite(pa.metrics[i]['ndcg@100']));
  if (kept.length < 2)
    throw new ComparisonError(`${a.record.id} and ${b.record.id} share ${kept.length} test user(s) with targets; a paired test needs 2`, true);
  const metrics = comparePaired(
    COMPARED_METRICS.map((metric) => ({ metric, a: kept.map((i) => pa.metrics[i][metric]), b: kept.map((i) => pb.metrics[i][metric]) })),
    opts,
  );
  // The users' means are the recorded test metrics by construction; a disagreement means the
  // recommendations were not written by this run's test (edited, or another version's metrics).
  const warnings: string[] = [];
  const check = (run: OpenedRun, mean: 'meanA' | 'meanB') => {
    for (const c of metrics) {
      const recorded = run.record.test?.[c.metric as (typeof COMPARED_METRICS)[number]];
      if (recorded !== undefined && Math.abs(recorded - c[mean]) > 1e-9)
        warnings.push(`${run.record.id}: test ${c.metric} recomputed from its recommendations is ${c[mean].toFixed(6)}, run.json says ${recorded.toFixed(6)}`);
    }
  };
  check(a, 'meanA');
  check(b, 'meanB');
  return { a: side(a), b: side(b), users: kept.length, metrics, warnings };
}
