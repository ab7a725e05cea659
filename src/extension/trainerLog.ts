/**
 * The trainer's messages as lines of the "VAE Recommender Lab" log: phases, the backend, one line
 * per epoch with its metrics, warnings and the outcome, instead of the raw IPC messages. Per-step
 * messages (progress, step metrics) are left out: the status bar and the dashboard show those.
 * Free of `vscode`, so the wording is unit-tested.
 */
import { modelInfo, modelLabel } from '../shared/modelKinds';
import type { TrainerToParent } from '../shared/trainerMessages';
import { formatDuration } from '../shared/runFormat';

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogLine {
  level: LogLevel;
  text: string;
}

const metric = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(3));

/** The log line of one trainer message, or undefined for the messages the log leaves out. */
export function trainerLogLine(m: TrainerToParent, model: string): LogLine | undefined {
  const info = (text: string): LogLine => ({ level: 'info', text });
  switch (m.type) {
    case 'started':
      return info(`Run ${m.runId} started in ${m.runDir} (trainer pid ${m.pid})`);
    case 'phase':
      // Validation is reported with its epoch; a download reports its fraction many times.
      if (m.phase === 'evaluate' || (m.phase === 'download' && m.fraction !== undefined && m.fraction > 0 && m.fraction < 1)) return undefined;
      return info(capitalise(m.message));
    case 'backend':
      return info(`Backend: ${m.backend}${m.note ? ` (${m.note})` : ''}`);
    case 'epoch': {
      const parts = [`Epoch ${m.epoch}/${m.epochs}`, `loss ${Number.isFinite(m.loss) ? m.loss.toFixed(2) : String(m.loss)}`];
      if (m['val_ndcg@100'] !== undefined) {
        const isBest = m.best?.epoch === m.epoch;
        parts.push(`val NDCG@100 ${metric(m['val_ndcg@100'])}${isBest ? ' (best so far)' : ''}`);
      }
      parts.push(formatDuration(m.seconds) || `${m.seconds.toFixed(1)} s`);
      return info(parts.join(' · '));
    }
    case 'log':
      return { level: m.level === 'warn' ? 'warn' : 'info', text: capitalise(m.message) };
    case 'done':
      return doneLine(m, model);
    case 'error':
      return { level: 'error', text: `Error: ${m.message}` };
    case 'progress':
    case 'checkpoint':
      return undefined;
  }
}

function doneLine(m: Extract<TrainerToParent, { type: 'done' }>, model: string): LogLine {
  const name = `${modelLabel(model)} run${m.runId ? ` ${m.runId}` : ''}`;
  const parts: string[] = [];
  if (m.test) parts.push(`test NDCG@100 ${metric(m.test['ndcg@100'])}, Recall@20 ${metric(m.test['recall@20'])}, Recall@50 ${metric(m.test['recall@50'])}`);
  const trained = modelInfo(model)?.epochs ?? true;
  if (m.best) parts.push(trained ? `best val NDCG@100 ${metric(m.best['ndcg@100'])} (epoch ${m.best.epoch})` : `val NDCG@100 ${metric(m.best['ndcg@100'])}`);
  if (trained && m.epochs > 0) parts.push(`${m.epochs} epoch${m.epochs === 1 ? '' : 's'}${m.backend ? ` on ${m.backend}` : ''}`);
  const level: LogLevel = m.status === 'failed' ? 'error' : m.status === 'completed' ? 'info' : 'warn';
  return { level, text: `${name} ${m.status}${parts.length ? `: ${parts.join(' · ')}` : ''}` };
}

function capitalise(s: string): string {
  return s.length > 0 ? s[0].toUpperCase() + s.slice(1) : s;
}
