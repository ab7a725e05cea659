/**
 * The dashboard's "vs baseline" column on the host: the baseline run (kept in workspaceState, so it
 * survives a reload) and, for every other ticked run, its paired comparison with it over the test
 * users (src/trainer/stats/runComparison.ts: the same figures as `vaerec compare`), or why there is
 * none. Comparisons are computed one at a time in a worker thread (comparisonWorkerClient.ts,
 * started on the first), never on the message path, and cached by run pair and both run.json
 * modification times, so a run that finishes or is retrained is compared afresh.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { ComparisonsUpdate, DashboardComparison } from '../../shared/dashboardComparisons';
import { RUN_FILE } from '../../shared/runLayout';
import { isValidRunId, type RunEntry } from '../../shared/runSchema';
import { ComparisonWorkerClient } from './comparisonWorkerClient';

/** Compares a run with the baseline (pairComparison.ts), wherever that runs. */
export type Comparer = { compare(runDir: string, baselineDir: string): Promise<DashboardComparison>; dispose(): void };

const BASELINE_KEY = 'vaerec.dashboard.baseline';
/** What a page that has just loaded shows: no baseline. */
const EMPTY = JSON.stringify({ type: 'comparisons', baseline: null, comparisons: {} } satisfies ComparisonsUpdate);
/** Comparisons remembered (a few baselines' worth of ticked runs); the oldest go first. */
export const MAX_CACHED_COMPARISONS = 200;

type Unavailable = Extract<DashboardComparison, { state: 'unavailable' }>;

const unavailable = (short: string, reason: string): Unavailable => ({ state: 'unavailable', short, reason });

/** Why a run cannot be paired with the baseline, from the statuses alone; undefined when the comparison is worth trying (it checks the split). */
export function unavailableReason(run: RunEntry | undefined, baseline: RunEntry | undefined): Unavailable | undefined {
  if (!baseline?.ok) return unavailable('no baseline', 'The baseline run is gone or damaged.');
  if (!run?.ok) return unavailable('damaged', run ? `${run.id}: ${run.reason}` : 'The run is gone.');
  for (const [side, r] of [
    ['', run.record],
    ['baseline ', baseline.record],
  ] as const) {
    if (r.status === 'running') return unavailable(`${side}not finished`, `${r.id} is still training: it has no test results yet.`);
    if (!r.artifacts.recommendations || !r.artifacts.split)
      return unavailable(`${side}no test results`, `${r.id} (${r.status}) stored no per-user test results: only runs that reached testing have them.`);
  }
  return undefined;
}

function modified(entry: RunEntry): number {
  try {
    return fs.statSync(path.join(entry.dir, RUN_FILE)).mtimeMs;
  } catch {
    return -1;
  }
}

export interface ComparisonsHost {
  get(runId: string): RunEntry | undefined;
  /** Posts to the page (dropped while it is not there: `update(..., true)` when it is back sends what it lacks). */
  post(update: ComparisonsUpdate): void;
  warn(message: string): void;
}

export class BaselineComparisons implements vscode.Disposable {
  private baselineId: string | null;
  private selected: readonly string[] = [];
  /** By `${run}\n${baseline}`: the result and the run.json times it was computed at. */
  private readonly cache = new Map<string, { version: string; result: DashboardComparison }>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private computing = false;
  private disposed = false;
  /** What the page shows, as far as the host knows. */
  private lastPosted = EMPTY;

  constructor(
    private readonly host: ComparisonsHost,
    private readonly state: vscode.Memento,
    private readonly comparer: Comparer = new ComparisonWorkerClient(),
  ) {
    const saved = state.get<unknown>(BASELINE_KEY);
    this.baselineId = isValidRunId(saved) ? saved : null;
  }

  get baseline(): string | null {
    return this.baselineId;
  }

  /** Chooses the baseline (a readable run) or clears it (null), and updates the column. */
  setBaseline(runId: string | null): void {
    if (runId !== null && !this.host.get(runId)?.ok) return this.host.warn(`setBaseline: no readable run ${runId}`);
    this.remember(runId);
    this.refresh();
  }

  /** The ticked runs, or their records, changed; `pageLoaded`: the page starts afresh, without a baseline. */
  update(selected: readonly string[], pageLoaded = false): void {
    this.selected = [...selected];
    if (pageLoaded) this.lastPosted = EMPTY;
    this.refresh();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.comparer.dispose();
  }

  private remember(runId: string | null): void {
    this.baselineId = runId;
    this.state.update(BASELINE_KEY, runId ?? undefined).then(undefined, (e: unknown) => this.host.warn(`could not save the baseline: ${String(e)}`));
  }

  /** Posts the column when it differs from what the page shows, and computes what is pending in the background. */
  private refresh(): void {
    if (this.baselineId !== null && !this.host.get(this.baselineId)) this.remember(null); // deleted
    const update = this.snapshot();
    const text = JSON.stringify(update);
    if (text !== this.lastPosted) {
      this.lastPosted = text;
      this.host.post(update);
    }
    if (this.timer === undefined && !this.computing && !this.disposed && Object.values(update.comparisons).some((c) => c.state === 'pending'))
      this.timer = setTimeout(() => void this.computeNext(), 0);
  }

  /** What the column shows now: cached results, reasons, and `pending` for what is still to compute. */
  private snapshot(): ComparisonsUpdate {
    const comparisons: Record<string, DashboardComparison> = {};
    const baselineId = this.baselineId;
    if (baselineId !== null) {
      for (const id of this.selected) if (id !== baselineId) comparisons[id] = this.cell(id, baselineId).result;
    }
    return { type: 'comparisons', baseline: baselineId, comparisons };
  }

  private cell(id: string, baselineId: string): { result: DashboardComparison; key: string; version: string } {
    const run = this.host.get(id);
    const baseline = this.host.get(baselineId);
    const key = `${id}\n${baselineId}`;
    const why = unavailableReason(run, baseline);
    if (why || !run || !baseline) return { result: why ?? unavailable('damaged', 'The run is gone.'), key, version: '' };
    const version = `${modified(run)} ${modified(baseline)}`;
    const cached = this.cache.get(key);
    return { result: cached?.version === version ? cached.result : { state: 'pending' }, key, version };
  }

  /** Computes the first pending comparison; the next waits for it, so messages are handled in between. */
  private async computeNext(): Promise<void> {
    this.timer = undefined;
    const baselineId = this.baselineId;
    const id = baselineId === null ? undefined : this.selected.find((r) => r !== baselineId && this.cell(r, baselineId).result.state === 'pending');
    const run = id === undefined ? undefined : this.host.get(id);
    const baseline = baselineId === null ? undefined : this.host.get(baselineId);
    if (id === undefined || baselineId === null || !run || !baseline) return;
    const { key, version } = this.cell(id, baselineId);
    this.computing = true;
    try {
      const result = await this.comparer.compare(run.dir, baseline.dir);
      this.cache.delete(key);
      this.cache.set(key, { version, result });
      if (this.cache.size > MAX_CACHED_COMPARISONS) this.cache.delete(this.cache.keys().next().value as string);
    } finally {
      this.computing = false;
    }
    if (!this.disposed) this.refresh();
  }
}
