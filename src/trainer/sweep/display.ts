/**
 * What a sweep shows while it runs. On a terminal: a live table (trial, parameters, seed, status,
 * epoch, metric), redrawn in place, under it a progress bar over the epochs with an ETA. Elsewhere:
 * one line per event. Both on stderr; stdout keeps the final summary (or the JSON line).
 */
import type { TrainConfig } from '../../shared/runSchema';
import type { SweepRecord, SweepTrial } from '../../shared/sweepSchema';
import { plannedEpochs, progressOf } from '../../shared/sweepSummary';

export interface SweepDisplay {
  /** Something happened (a trial started, ended, was stopped); `notable`: what resume did, budget notices. */
  event(message: string, notable?: boolean): void;
  /** The record changed; a live display redraws (at most a few times a second). */
  update(record: SweepRecord): void;
  /** The sweep is over: the live part is drawn one last time and left on screen. */
  close(record: SweepRecord): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const fmtMetric = (v: number | undefined) => (v === undefined ? '-' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));

export function formatParams(params: Record<string, number | string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function trialStatus(t: SweepTrial): string {
  if (t.state === 'stopped' && t.stop) return t.stop.rung !== undefined ? `stopped@r${t.stop.rung}` : `stopped@${t.stop.epoch}`;
  if (t.state === 'running' && t.stop) return 'stopping';
  if (t.state === 'running' && !t.runId) return t.jobId ? 'queued' : 'starting';
  return t.state;
}

/** The table's rows as text columns: header first. */
export function tableRows(record: SweepRecord, cache?: Map<number, TrainConfig>): string[][] {
  const names = Object.keys(record.spec.parameters);
  const rows = [['#', ...names, 'seed', 'status', 'epoch', record.spec.metric.name]];
  for (const t of record.trials) {
    rows.push([
      String(t.index),
      ...names.map((n) => String(t.params[n] ?? '')),
      String(t.seed),
      trialStatus(t),
      `${t.epochs}/${plannedEpochs(record, t, cache)}`,
      fmtMetric(t.metric),
    ]);
  }
  return rows;
}

export function formatTable(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd(),
  );
}

export function progressLine(record: SweepRecord, rate: number | undefined, width = 30, cache?: Map<number, TrainConfig>): string {
  const p = progressOf(record, cache);
  const fraction = p.epochsPlanned > 0 ? p.epochsDone / p.epochsPlanned : 0;
  const filled = Math.round(fraction * width);
  const count = (s: SweepTrial['state']) => record.trials.filter((t) => t.state === s).length;
  const parts = [`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0)}%`, `${p.epochsDone}/${p.epochsPlanned} epochs`];
  for (const s of ['running', 'completed', 'stopped', 'failed', 'pending'] as const) if (count(s) > 0) parts.push(`${count(s)} ${s}`);
  parts.push(`ETA ${rate && rate > 0 ? formatDuration((p.epochsPlanned - p.epochsDone) / rate) : '-'}`);
  return parts.join(' | ');
}

/** Epochs per second over this session, for the ETA. */
class Rate {
  private readonly start = Date.now();
  private first?: number;

  rate(epochsDone: number): number | undefined {
    this.first ??= epochsDone;
    const seconds = (Date.now() - this.start) / 1000;
    const done = epochsDone - this.first;
    return done > 0 && seconds > 0 ? done / seconds : undefined;
  }
}

export class LineDisplay implements SweepDisplay {
  constructor(private readonly out: NodeJS.WritableStream = process.stderr) {}

  event(message: string): void {
    this.out.write(message + '\n');
  }

  update(): void {}

  close(): void {}
}

/** Shows only notable events, on `out` when given (with --json); nothing with --quiet. */
export class SilentDisplay implements SweepDisplay {
  constructor(private readonly out?: NodeJS.WritableStream) {}

  event(message: string, notable = false): void {
    if (notable) this.out?.write(message + '\n');
  }

  update(): void {}
  close(): void {}
}

const REDRAW_MS = 250;

export class TtyDisplay implements SweepDisplay {
  private drawn = 0;
  private lastDraw = 0;
  private readonly rate = new Rate();
  private readonly cache = new Map<number, TrainConfig>();
  private pending?: SweepRecord;
  private timer?: NodeJS.Timeout;
  private readonly events: string[] = [];

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  event(message: string): void {
    this.events.push(message);
    if (this.pending) this.draw(this.pending);
  }

  update(record: SweepRecord): void {
    this.pending = record;
    const wait = REDRAW_MS - (Date.now() - this.lastDraw);
    if (wait <= 0) this.draw(record);
    else this.timer ??= setTimeout(() => this.pending && this.draw(this.pending), wait);
  }

  close(record: SweepRecord): void {
    this.draw(record);
    this.drawn = 0;
  }

  private draw(record: SweepRecord): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastDraw = Date.now();
    const height = Math.max(8, (this.out.rows ?? 40) - 2);
    const table = formatTable(tableRows(record, this.cache));
    const rows = this.visibleRows(record, table, height - 3);
    const p = progressOf(record, this.cache);
    const lines = [
      // Events scroll above the live part, which is redrawn in place.
      ...this.events.splice(0),
      `sweep ${record.id} · ${record.trials.length} trials · ${record.executor.type} executor, ${record.executor.concurrency || 'all'} at once`,
      ...rows,
      progressLine(record, this.rate.rate(p.epochsDone), 30, this.cache),
    ];
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[0J` : '';
    this.out.write(up + lines.join('\n') + '\n');
    this.drawn = rows.length + 2;
  }

  /** The header and as many trials as fit: running ones first, then the latest finished, then the next pending. */
  private visibleRows(record: SweepRecord, table: string[], room: number): string[] {
    if (table.length - 1 <= room) return table;
    const order = [
      ...record.trials.filter((t) => t.state === 'running'),
      ...record.trials.filter((t) => t.state !== 'running' && t.state !== 'pending').reverse(),
      ...record.trials.filter((t) => t.state === 'pending'),
    ];
    const shown = new Set(order.slice(0, room - 1).map((t) => t.index));
    return [table[0], ...record.trials.filter((t) => shown.has(t.index)).map((t) => table[t.index + 1]), `... ${record.trials.length - shown.size} more`];
  }
}
