/**
 * The Runs tree's sweeps: which runs are a sweep's trials (and so leave the top level), the order of
 * sweeps among runs, and how a sweep and each of its trials are shown (label, description, tooltip,
 * icon, menus). Pure functions of the run entries and the sweep records, free of `vscode`, so
 * unit-tested in plain Node.
 */
import type { RunEntry, RunRecord, RunStatus } from '../../shared/runSchema';
import type { SweepRecord, SweepStatus, SweepTrial, TrialState } from '../../shared/sweepSchema';
import { bestConfiguration, progressOf } from '../../shared/sweepSummary';
import { escapeMarkdown, runId, STATE_ICONS } from '../runPresentation';

/** A folder of the sweeps directory as a reader sees it: its record, or why that cannot be read. */
export interface SweepListing {
  id: string;
  dir: string;
  record?: SweepRecord;
  /** Why sweep.json cannot be used (damaged). */
  reason?: string;
  /** The record's status, except that a running sweep whose coordinator is gone reads `interrupted`. */
  status: SweepStatus | 'damaged';
  /** When the sweep was created (the folder's time for a damaged one), for its place among the runs. */
  createdAt: string;
}

/**
 * The record's status as a reader should take it: "running" only while its coordinator lives. A
 * coordinator on another host cannot be checked from here and is taken at its word.
 */
export function effectiveSweepStatus(record: SweepRecord, host: string, alive: (pid: number) => boolean): SweepStatus {
  if (record.status !== 'running') return record.status;
  const c = record.coordinator;
  if (!c) return 'interrupted';
  if (c.host !== host) return 'running';
  return alive(c.pid) ? 'running' : 'interrupted';
}

export type TopNode = { kind: 'run'; runId: string } | { kind: 'sweep'; sweepId: string };
/** A trial with a run is shown as that run (so every run menu applies); one without (pending, skipped) as itself. */
export type SweepChild = { kind: 'run'; runId: string; index: number; earlier: boolean } | { kind: 'trial'; index: number };

export interface SweepTreeModel {
  top: TopNode[];
  children: Map<string, SweepChild[]>;
  /** Runs shown under a sweep: which trial they are, and whether they are an earlier attempt of it. */
  trialOfRun: Map<string, { sweepId: string; index: number; earlier: boolean }>;
}

/**
 * Sweeps and runs at the top level, newest first; a sweep's trials under it, in trial order, each as
 * its current run when there is one (by the record's run id, or by the sweep tag in run.json for a
 * run the coordinator has not recorded yet); runs of earlier attempts after the trials. Runs tagged
 * with a sweep that is not listed stay at the top level, so nothing disappears with a deleted sweep.
 */
export function buildSweepTreeModel(runs: readonly RunEntry[], sweeps: readonly SweepListing[]): SweepTreeModel {
  const known = new Set(sweeps.map((s) => s.id));
  const tagged = new Map<string, RunRecord[]>();
  for (const e of runs) {
    const tag = e.ok ? e.record.sweep : undefined;
    if (e.ok && tag && known.has(tag.sweepId)) tagged.set(tag.sweepId, [...(tagged.get(tag.sweepId) ?? []), e.record]);
  }
  const children = new Map<string, SweepChild[]>();
  const trialOfRun = new Map<string, { sweepId: string; index: number; earlier: boolean }>();
  for (const s of sweeps) {
    const mine = tagged.get(s.id) ?? [];
    const ids = new Set(mine.map((r) => r.id));
    const placed = new Set<string>();
    const list: SweepChild[] = [];
    for (const t of s.record?.trials ?? []) {
      const current =
        t.runId && ids.has(t.runId) ? t.runId : mine.find((r) => r.sweep?.trial === t.index && r.sweep.attempt === t.attempt && !placed.has(r.id))?.id;
      if (current) {
        placed.add(current);
        list.push({ kind: 'run', runId: current, index: t.index, earlier: false });
      } else list.push({ kind: 'trial', index: t.index });
    }
    const rest = mine
      .filter((r) => !placed.has(r.id))
      .sort((a, b) => (a.sweep?.trial ?? 0) - (b.sweep?.trial ?? 0) || (a.sweep?.attempt ?? 0) - (b.sweep?.attempt ?? 0));
    // A damaged record lists no trials: its runs are still its children, not lost.
    for (const r of rest) list.push({ kind: 'run', runId: r.id, index: r.sweep?.trial ?? 0, earlier: s.record !== undefined });
    for (const c of list) if (c.kind === 'run') trialOfRun.set(c.runId, { sweepId: s.id, index: c.index, earlier: c.earlier });
    children.set(s.id, list);
  }
  const newestFirst = [...sweeps].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const top: TopNode[] = [];
  let next = 0;
  for (const e of runs) {
    const id = runId(e);
    if (trialOfRun.has(id)) continue;
    // listRuns gives runs newest first; sweeps go in before the first run older than them.
    if (e.ok)
      while (next < newestFirst.length && newestFirst[next].createdAt >= e.record.createdAt) top.push({ kind: 'sweep', sweepId: newestFirst[next++].id });
    top.push({ kind: 'run', runId: id });
  }
  while (next < newestFirst.length) top.push({ kind: 'sweep', sweepId: newestFirst[next++].id });
  return { top, children, trialOfRun };
}

/** How the metric is written: the validation NDCG the way the rest of the tree writes it, the others as named. */
export function metricLabel(name: string): string {
  return name === 'val_ndcg@100' ? 'val NDCG@100' : name;
}

export const formatSweepMetric = (v: number): string => v.toFixed(4);

/** The best so far: the best configuration among completed trials, or else the best figure any trial has reached yet. */
export function bestSoFar(record: SweepRecord): { index: number; configIndex: number; metric: number; final: boolean } | undefined {
  const best = record.best ?? bestConfiguration(record);
  if (best) return { index: best.index, configIndex: best.configIndex, metric: best.metric, final: true };
  const goal = record.spec.metric.goal;
  let top: SweepTrial | undefined;
  for (const t of record.trials) {
    if (t.metric === undefined) continue;
    if (!top || (goal === 'max' ? t.metric > (top.metric as number) : t.metric < (top.metric as number))) top = t;
  }
  return top ? { index: top.index, configIndex: top.configIndex, metric: top.metric as number, final: false } : undefined;
}

export const SWEEP_ICONS: Record<SweepStatus | 'damaged', string> = {
  running: 'sync~spin',
  completed: 'beaker',
  stopped: 'debug-pause',
  failed: 'error',
  interrupted: 'debug-disconnect',
  damaged: 'warning',
};

export function sweepLabel(s: SweepListing): string {
  return s.record?.name ?? s.id;
}

/**
 * Trials over and trials in all. A trial cancelled by a stop is not over (Resume trains it again),
 * unlike in the coordinator's progress, which counts it among the trials no longer running.
 */
export function trialsDone(r: SweepRecord): { done: number; total: number; cancelled: number; running: number } {
  const count = (state: TrialState) => r.trials.filter((t) => t.state === state).length;
  const cancelled = count('cancelled');
  return { done: progressOf(r).trialsDone - cancelled, total: r.trials.length, cancelled, running: count('running') };
}

/** "running · 5/16 trials · best val NDCG@100 0.3049". */
export function sweepDescription(s: SweepListing): string {
  const r = s.record;
  if (!r) return 'damaged';
  const p = trialsDone(r);
  const parts = [s.status, `${p.done}/${p.total} trials`];
  if (p.cancelled > 0) parts.push(`${p.cancelled} cancelled`);
  const best = bestSoFar(r);
  if (best) parts.push(`best ${metricLabel(r.spec.metric.name)} ${formatSweepMetric(best.metric)}${best.final ? '' : ' so far'}`);
  return parts.join(' · ');
}

/**
 * The sweep node's contextValue: "sweep <status>", and " best" once a configuration has completed
 * (Rerun best with N seeds). package.json's menus match it with regular expressions.
 */
export function sweepContextValue(s: SweepListing): string {
  if (!s.record) return 'sweep damaged';
  return `sweep ${s.status}${bestConfiguration(s.record) ? ' best' : ''}`;
}

function row(name: string, value: string): string {
  return `| ${name} | ${value} |`;
}

export function formatParams(params: Record<string, number | string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

export function sweepTooltipMarkdown(s: SweepListing): string {
  const r = s.record;
  if (!r) return [`**${escapeMarkdown(s.id)}** — damaged sweep`, '', escapeMarkdown(s.reason ?? 'sweep.json cannot be read'), '', `\`${s.dir}\``].join('\n');
  const spec = r.spec;
  const counts = new Map<TrialState, number>();
  for (const t of r.trials) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const es = spec.earlyStopping;
  const lines = [`**${escapeMarkdown(r.name)}** — sweep, ${s.status}`, '', '| | |', '|---|---|'];
  lines.push(row('model', spec.model));
  lines.push(row('dataset', escapeMarkdown(r.dataSource)));
  lines.push(row('search', `${spec.method}, ${r.trials.length} trials${spec.repeats > 1 ? ` (${spec.repeats} seeds each)` : ''}`));
  lines.push(row('trials', [...counts].map(([state, n]) => `${n} ${state}`).join(', ') || 'none'));
  lines.push(
    row(
      'early stopping',
      es.type === 'asha'
        ? `ASHA, grace ${es.graceEpochs}, eta ${es.reductionFactor}, ${es.maxEpochs} epochs`
        : es.type === 'median'
          ? `median rule from epoch ${es.afterEpochs}`
          : 'none',
    ),
  );
  lines.push(row('executor', r.executor.type === 'local' ? `local, ${r.executor.concurrency} at once` : 'Slurm'));
  const best = r.best ?? bestConfiguration(r);
  if (best) {
    const m = `${formatSweepMetric(best.metric)}${best.repeats > 1 ? ` ± ${formatSweepMetric(best.metricStd)} over ${best.repeats} seeds` : ''}`;
    lines.push(row('best', `trial ${best.index}: ${escapeMarkdown(formatParams(best.params) || 'base configuration')}`));
    lines.push(row(metricLabel(spec.metric.name), m));
    if (best.test?.mean['ndcg@100'] !== undefined) lines.push(row('its test NDCG@100', formatSweepMetric(best.test.mean['ndcg@100'])));
  }
  if (r.coordinator && s.status === 'running') lines.push(row('coordinator', `pid ${r.coordinator.pid} on ${escapeMarkdown(r.coordinator.host)}`));
  if (s.status === 'interrupted') lines.push('', 'Its coordinator is gone: **Resume** carries on (finished trials are kept, live ones adopted).');
  lines.push('', `\`${escapeMarkdown(s.dir)}\``);
  return lines.join('\n');
}

/** A trial's state, or for a run not (or no longer) in the record, its run's status. */
export type TrialShownState = TrialState | RunStatus | 'damaged';

export const TRIAL_ICONS: Record<TrialShownState, string> = {
  ...STATE_ICONS,
  pending: 'circle-outline',
  skipped: 'debug-step-over',
};

export interface TrialView {
  label: string;
  description: string;
  tooltip: string;
  state: TrialShownState;
  best: boolean;
}

/** How one trial is shown under its sweep; `run` is its run when it has one, `earlier` when that run is an earlier attempt. */
export function trialView(s: SweepListing, index: number, run: RunEntry | undefined, earlier = false): TrialView {
  const r = s.record;
  const t = earlier ? undefined : r?.trials[index];
  const record = run?.ok ? run.record : undefined;
  const attempt = record?.sweep?.attempt;
  const label = earlier ? `trial ${index}, attempt ${attempt ?? '?'}` : `trial ${index}`;
  const params = t?.params ?? record?.sweep?.parameters ?? {};
  const state: TrialShownState = t ? t.state : run && !run.ok ? 'damaged' : (record?.status ?? 'damaged');
  const best = t !== undefined && r !== undefined && t.state === 'completed' && bestConfiguration(r)?.configIndex === t.configIndex;
  const metric = r?.spec.metric ?? { name: 'val_ndcg@100', goal: 'max' };
  const parts: string[] = [];
  if (best) parts.push('★ best');
  const p = formatParams(params);
  if (p) parts.push(p);
  if (r && r.spec.repeats > 1 && t) parts.push(`seed ${t.seed}`);
  const value = t?.metric ?? (metric.name === 'val_ndcg@100' ? record?.best?.['ndcg@100'] : undefined);
  const stop = t?.stop ?? record?.stop;
  switch (state) {
    case 'running':
      parts.push(record ? `epoch ${Math.min(record.epochsCompleted + 1, record.config.epochs)}/${record.config.epochs}` : 'starting');
      break;
    case 'stopped':
      parts.push(
        stop
          ? stop.rule === 'asha'
            ? `stopped at rung ${stop.rung ?? '?'} (epoch ${stop.epoch})`
            : `stopped by the median rule (epoch ${stop.epoch})`
          : 'stopped early',
      );
      break;
    case 'skipped':
      parts.push('skipped (budget)');
      break;
    case 'completed':
      break;
    default:
      parts.push(earlier ? `earlier attempt, ${state}` : state);
  }
  if (value !== undefined && state !== 'pending') parts.push(`${metricLabel(metric.name)} ${formatSweepMetric(value)}`);
  const lines = [`**${escapeMarkdown(label)}** of ${escapeMarkdown(sweepLabel(s))} — ${state}`, '', '| | |', '|---|---|'];
  for (const [k, v] of Object.entries(params)) lines.push(row(escapeMarkdown(k), escapeMarkdown(String(v))));
  if (t) lines.push(row('seed', String(t.seed)));
  if (t && t.epochs > 0) lines.push(row('epochs', String(t.epochs)));
  if (value !== undefined)
    lines.push(row(metricLabel(metric.name), `${formatSweepMetric(value)}${t?.metricEpoch !== undefined ? ` (epoch ${t.metricEpoch})` : ''}`));
  if (record?.test) lines.push(row('test NDCG@100', formatSweepMetric(record.test['ndcg@100'])));
  if (record) lines.push(row('run', escapeMarkdown(record.id)));
  if (t && t.attempt > 1) lines.push(row('attempt', String(t.attempt)));
  if (stop) lines.push('', `stopped early: ${escapeMarkdown(stop.reason)}`);
  const error = t?.error ?? record?.error;
  if (error && (state === 'failed' || state === 'cancelled' || state === 'damaged' || earlier)) lines.push('', `⚠ ${escapeMarkdown(error)}`);
  if (run && !run.ok) lines.push('', `⚠ ${escapeMarkdown(run.reason)}`);
  return { label, description: parts.join(' · '), tooltip: lines.join('\n'), state, best };
}
