/**
 * The sweep view's significance tests: the best configuration's run against the runner-up
 * configuration's run with the same seed (so the same split), and against a popularity run on the
 * same split when the runs directories hold one. Each is `compareRuns` (paired over the test users:
 * mean difference with a bootstrap interval, paired t, Wilcoxon), run on the host after the view has
 * been drawn, one comparison per turn of the event loop.
 */
import { MODEL_INFO, MODEL_KINDS } from '../../shared/modelKinds';
import { listRuns, readRun, runDirFor } from '../../shared/runReader';
import type { RunRecord } from '../../shared/runSchema';
import type { SweepRecord, SweepTrial } from '../../shared/sweepSchema';
import { better } from '../../shared/sweepSchema';
import { bestConfiguration } from '../../shared/sweepSummary';
import type { SignificanceEntry, SignificanceView } from '../../shared/sweepViewMessages';
import { BASELINE_COMMAND } from '../../shared/sweepViewMessages';
import { compareRuns, splitMismatch } from '../../trainer/stats/runComparison';

interface Side {
  runId: string;
  dir: string;
}

export interface SignificancePlan {
  /** Changes whenever a comparison would: the runs compared. */
  key: string;
  best: Side;
  runnerUp: Side | string;
  baseline: Side | string;
}

/** The kinds that command trains: their runs are the baseline. */
const BASELINE_KINDS: ReadonlySet<string> = new Set(MODEL_KINDS.filter((k) => MODEL_INFO[k].trainCommand === BASELINE_COMMAND));

const tested = (t: SweepTrial): t is SweepTrial & { runId: string } => t.state === 'completed' && t.runId !== undefined && t.test !== undefined;

/** The configuration ranked second, by the same rule as the best (whole configurations first, then the mean of the completed repeats). */
export function runnerUpConfiguration(record: SweepRecord, bestConfig: number): SweepTrial[] | undefined {
  const byConfig = new Map<number, SweepTrial[]>();
  for (const t of record.trials) if (t.configIndex !== bestConfig) byConfig.set(t.configIndex, [...(byConfig.get(t.configIndex) ?? []), t]);
  const scored = [...byConfig.values()]
    .map((trials) => ({ trials, done: trials.filter((t) => t.state === 'completed' && t.metric !== undefined) }))
    .filter((c) => c.done.length > 0)
    .map((c) => ({ ...c, whole: c.done.length === c.trials.length, mean: c.done.reduce((s, t) => s + (t.metric as number), 0) / c.done.length }));
  const pool = scored.some((c) => c.whole) ? scored.filter((c) => c.whole) : scored;
  let pick: (typeof pool)[number] | undefined;
  for (const c of pool) if (!pick || better(record.spec.metric.goal, c.mean, pick.mean)) pick = c;
  return pick?.trials;
}

function findBaseline(best: RunRecord, dirs: readonly string[]): Side | string {
  const candidates = [...new Set(dirs)].flatMap((dir) =>
    listRuns(dir).flatMap((e) => (e.ok && BASELINE_KINDS.has(e.record.model) && e.record.status === 'completed' && e.record.test ? [e] : [])),
  );
  const same = candidates.filter((e) => !splitMismatch(best, e.record));
  same.sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt));
  if (same.length > 0) return { runId: same[0].record.id, dir: same[0].dir };
  const split = `seed ${best.config.seed}, the same data and protocol`;
  return candidates.length > 0
    ? `none of the ${candidates.length} popularity run(s) shares the best run’s split (${split})`
    : `no completed popularity run on the best run’s split (${split}) in the runs directory`;
}

/** Which runs to compare, or why nothing can be compared yet. `baselineDirs`: runs directories to look for a popularity run in besides the sweep's. */
export function planSignificance(record: SweepRecord, baselineDirs: readonly string[] = []): SignificancePlan | { waiting: string } {
  const best = record.best ?? bestConfiguration(record);
  if (!best) return { waiting: 'no configuration has completed yet' };
  // The best configuration's repeat to compare: one whose seed (so split) the runner-up also has, the best repeat first.
  const repeats = record.trials
    .filter((t) => t.configIndex === best.configIndex && tested(t))
    .sort((a, b) => Number(b.index === best.index) - Number(a.index === best.index));
  if (repeats.length === 0) return { waiting: 'the best configuration has no tested run yet' };
  const second = runnerUpConfiguration(record, best.configIndex);
  const partnerOf = (t: SweepTrial) => second?.find((s) => tested(s) && s.seedIndex === t.seedIndex);
  const bestTrial = repeats.find((t) => partnerOf(t)) ?? repeats[0];
  if (!bestTrial.runId) return { waiting: 'the best configuration has no tested run yet' };
  const bestSide = { runId: bestTrial.runId, dir: runDirFor(record.runsDir, bestTrial.runId) };
  const bestEntry = readRun(bestSide.dir);
  if (!bestEntry.ok) return { waiting: `the best run cannot be read: ${bestEntry.reason}` };

  let runnerUp: Side | string;
  const partner = partnerOf(bestTrial);
  if (!second) runnerUp = 'no other configuration has completed yet';
  else if (!partner?.runId) runnerUp = `the runner-up configuration has no tested run with seed ${bestTrial.seed} (the best run’s split)`;
  else runnerUp = { runId: partner.runId, dir: runDirFor(record.runsDir, partner.runId) };

  const baseline = findBaseline(bestEntry.record, [record.runsDir, ...baselineDirs]);
  const id = (s: Side | string) => (typeof s === 'string' ? '-' : s.runId);
  return { key: [bestSide.runId, id(runnerUp), id(baseline)].join('|'), best: bestSide, runnerUp, baseline };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function compare(best: Side, other: Side | string, against: SignificanceEntry['against']): SignificanceEntry {
  if (typeof other === 'string') return { against, comparison: null, unavailable: other };
  try {
    return { against, comparison: compareRuns(best.dir, other.dir), unavailable: null };
  } catch (e) {
    return { against, comparison: null, unavailable: e instanceof Error ? e.message : String(e) };
  }
}

export async function computeSignificance(plan: SignificancePlan): Promise<SignificanceView> {
  await nextTurn();
  const runnerUp = compare(plan.best, plan.runnerUp, 'runner-up');
  await nextTurn();
  const popularity = compare(plan.best, plan.baseline, 'popularity');
  return { state: 'done', bestRunId: plan.best.runId, entries: [runnerUp, popularity], canTrainBaseline: typeof plan.baseline === 'string' };
}
