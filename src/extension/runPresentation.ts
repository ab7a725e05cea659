/**
 * How a run is shown in the Runs tree and the status bar: labels, descriptions, icons, context
 * values and tooltip text. Pure functions of a RunEntry, free of `vscode`, so they are unit-tested
 * in plain Node.
 */
import { MODEL_INFO, modelLabel, type ModelKind } from '../shared/modelKinds';
import type { MetricsLine, RunEntry, RunRecord, RunStatus } from '../shared/runSchema';
import { formatDuration, isInspectableRecord, runDurationSeconds } from '../shared/runFormat';
import { oneLine } from '../shared/text';

export type RunState = RunStatus | 'damaged';

/** Codicon ids (ThemeIcon) per state; `~spin` animates the running one. */
export const STATE_ICONS: Record<RunState, string> = {
  running: 'sync~spin',
  completed: 'pass',
  failed: 'error',
  cancelled: 'circle-slash',
  interrupted: 'debug-disconnect',
  stopped: 'stop-circle',
  damaged: 'warning',
};

/**
 * The states the Runs tree offers Resume for (package.json's menu matches them on the contextValue):
 * runs that ended before their last epoch without a decision to end them. `vaerec train --resume`
 * also takes stopped and failed runs; the tree leaves those to it, since a rule or an error ended them.
 */
export const TREE_RESUMABLE: readonly RunStatus[] = ['interrupted', 'cancelled'];

export function runState(entry: RunEntry): RunState {
  return entry.ok ? entry.record.status : 'damaged';
}

export function runId(entry: RunEntry): string {
  return entry.ok ? entry.record.id : entry.id;
}

export function runLabel(entry: RunEntry): string {
  return entry.ok ? entry.record.name : entry.id;
}

/**
 * The tree item's contextValue: the state, and " inspectable" when the inspector can open the run
 * (a cancelled run with saved weights as well as a completed one). The menus in package.json match
 * on it with regular expressions (`viewItem =~ /^running\b/`, `viewItem =~ /\binspectable\b/`).
 */
export function runContextValue(entry: RunEntry): string {
  const state = runState(entry);
  return entry.ok && isInspectableRecord(entry.record) ? `${state} inspectable` : state;
}

export function formatMetric(v: number): string {
  return v.toFixed(3);
}

export function runDescription(entry: RunEntry): string {
  if (!entry.ok) return 'damaged';
  const r = entry.record;
  const parts = [modelLabel(r.model)];
  const trained = MODEL_INFO[r.model].epochs;
  // While it trains: the epoch in progress (as the status bar counts it), never "epoch 0/N".
  if (r.status === 'running') parts.push(trained ? `epoch ${Math.min(r.epochsCompleted + 1, r.config.epochs)}/${r.config.epochs}` : 'fitting');
  // The best validation score is what the saved model achieved; the last epoch may be worse. A
  // kind fitted in one pass has one validation, not a best one.
  if (r.best) parts.push(`${trained ? 'best' : 'val'} NDCG@100 ${formatMetric(r.best['ndcg@100'])}`);
  else if (r.status !== 'running') parts.push(r.status);
  if (entry.warning) parts.push(`⚠ ${entry.warning}`);
  return parts.join(' · ');
}

/** Markdown text is escaped so names and error messages from disk cannot inject links or HTML. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

function row(name: string, value: string): string {
  return `| ${name} | ${value} |`;
}

export function runTooltipMarkdown(entry: RunEntry): string {
  if (!entry.ok) {
    return [`**${escapeMarkdown(entry.id)}** — damaged`, '', escapeMarkdown(entry.reason), '', `\`${entry.dir}\``].join('\n');
  }
  const r = entry.record;
  const c = r.config;
  const lines = [`**${escapeMarkdown(r.name)}** — ${modelLabel(r.model)}, ${r.status}`, ''];
  lines.push('| | |', '|---|---|');
  // config is checked only to be an object (validateRunRecord): text from it is coerced, never assumed.
  lines.push(row('dataset', escapeMarkdown(String(c.data?.source ?? '?'))));
  const kind = MODEL_INFO[r.model];
  if (kind.epochs) lines.push(row('epochs', `${r.epochsCompleted} / ${c.epochs}`));
  else if (r.timings?.fitSeconds !== undefined) lines.push(row('fitted in', formatDuration(r.timings.fitSeconds) || '< 1 s'));
  else lines.push(row('training', 'fitted in one pass over the training users'));
  if (!kind.epochs && kind.describe) lines.push(row(kind.describe.row, escapeMarkdown(kind.describe.detail(c))));
  if (kind.epochs) {
    lines.push(row('architecture', `${c.hidden}-${c.latent}, dropout ${c.dropout}`));
    lines.push(row('optimiser', `lr ${c.learningRate}, batch ${c.batchSize}, L2 ${c.l2}`));
    if (kind.describe) lines.push(row(kind.describe.row, kind.describe.detail(c)));
    if (kind.kl) lines.push(row('annealing', `cap ${c.annealCap}, steps ${c.annealSteps || 'auto'}`));
  }
  lines.push(row('seed', String(c.seed)));
  if (r.best && kind.epochs) lines.push(row('best val NDCG@100', `${formatMetric(r.best['ndcg@100'])} (epoch ${r.best.epoch})`));
  else if (r.best) lines.push(row('val NDCG@100', `${formatMetric(r.best['ndcg@100'])}${r.best.lambda !== undefined ? ` (lambda ${r.best.lambda})` : ''}`));
  if (r.test) {
    lines.push(row('test NDCG@100', formatMetric(r.test['ndcg@100'])));
    lines.push(row('test Recall@20 / @50', `${formatMetric(r.test['recall@20'])} / ${formatMetric(r.test['recall@50'])}`));
  }
  if (kind.epochs) lines.push(row('backend', escapeMarkdown(String(r.backend ?? c.backend ?? '?'))));
  const duration = runDurationSeconds(r);
  if (duration !== undefined) lines.push(row('duration', formatDuration(duration) || '-'));
  if (r.sweep) lines.push(row('sweep', `${escapeMarkdown(r.sweep.sweepId)}, trial ${r.sweep.trial}`));
  if (r.stop) lines.push('', `stopped early: ${escapeMarkdown(r.stop.reason)}`);
  if (r.error) lines.push('', `⚠ ${escapeMarkdown(r.error)}`);
  if (entry.warning) lines.push('', `⚠ ${escapeMarkdown(entry.warning)}`);
  return lines.join('\n');
}

export interface TrainingProgress {
  model: ModelKind;
  epoch: number;
  epochs: number;
  loss?: number;
  etaSeconds?: number;
  /** What the trainer does before the first epoch (downloading, loading, splitting...). */
  phase?: string;
}

/**
 * The progress of a run this window follows but did not start (a reloaded window, the CLI, another
 * window), from what the trainer writes: the epoch in progress and the loss of its last metrics line,
 * the ETA from the mean of the epochs done so far.
 */
export function followedProgress(record: RunRecord, last: MetricsLine | undefined): TrainingProgress {
  if (MODEL_INFO[record.model]?.epochs === false) return { model: record.model, epoch: 0, epochs: 0, phase: 'fitting' };
  const done = record.epochSeconds;
  const remaining = record.config.epochs - record.epochsCompleted;
  const etaSeconds = done.length > 0 && remaining > 0 ? (remaining * done.reduce((a, b) => a + b, 0)) / done.length : undefined;
  const epoch = last ? (last.kind === 'step' ? last.epoch : Math.min(last.epoch + 1, record.config.epochs)) : record.epochsCompleted;
  return {
    model: record.model,
    epoch,
    epochs: record.config.epochs,
    ...(last?.kind === 'step' ? { loss: last.loss } : {}),
    ...(etaSeconds !== undefined ? { etaSeconds } : {}),
    ...(last ? {} : { phase: 'preparing the data' }),
  };
}

/** What a followed run's end says, as the window that started it would have said it (one bounded line: run.json is untrusted). */
export function followedEnding(record: RunRecord): { level: 'info' | 'warning' | 'error'; message: string; offerDashboard: boolean } {
  const name = `${modelLabel(record.model)} run ${record.name}`;
  switch (record.status) {
    case 'completed': {
      const test = record.test ? `: test NDCG@100 ${formatMetric(record.test['ndcg@100'])}` : '';
      return { level: 'info', message: `${name} completed${test}.`, offerDashboard: true };
    }
    case 'cancelled':
      return { level: 'info', message: `${name} was cancelled; its metrics so far are kept.`, offerDashboard: false };
    case 'stopped':
      return {
        level: 'info',
        message: oneLine(`${name} was stopped early by its sweep${record.stop ? `: ${record.stop.reason}` : ''}.`),
        offerDashboard: false,
      };
    case 'interrupted':
      return { level: 'warning', message: oneLine(`${name} was interrupted${record.error ? `: ${record.error}` : ''}.`), offerDashboard: false };
    default:
      return { level: 'error', message: oneLine(`${name} ${record.status}${record.error ? `: ${record.error}` : ''}`), offerDashboard: false };
  }
}

/** Status bar text while a run trains, e.g. "Mult-VAE epoch 3/100 · loss 512.3 · ETA 2m 10s". */
export function progressText(p: TrainingProgress): string {
  if (p.epoch === 0 && p.loss === undefined && p.phase) return `${modelLabel(p.model)} · ${p.phase}`;
  const parts = [`${modelLabel(p.model)} epoch ${p.epoch}/${p.epochs}`];
  if (p.loss !== undefined && Number.isFinite(p.loss)) parts.push(`loss ${p.loss.toFixed(1)}`);
  if (p.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  return parts.join(' · ');
}
