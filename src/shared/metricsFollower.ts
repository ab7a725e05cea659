/**
 * Follows one run's metrics.jsonl as the trainer appends to it: any process can use it (a VS Code
 * window, a sweep watching its trainers for early stopping, a reloaded window re-attaching).
 *
 * - Streamed: each poll reads what was appended since the last one, in chunks of READ_CHUNK_BYTES (1 MiB),
 *   asynchronously, so a 600 MB file is read without blocking the process or holding the file.
 * - Tolerant: a torn last line (no newline yet) waits for the next poll; garbage lines are counted;
 *   a single "line" longer than MAX_LINE_BYTES (a damaged file without newlines) is skipped, counted.
 * - Bounded: beyond `maxSteps` step lines the series is thinned to every 2nd, 4th... step (by step
 *   number, so the same file gives the same series however it was read); epoch and fit lines are all kept,
 *   and `stride` says what was done, so a chart can say so.
 * - A file that shrank or was replaced is read again from the start (`reset`).
 */
import { promises as fsp } from 'node:fs';
import type { MetricsLine } from './runSchema';
import { parseMetricsLines } from './runSchema';

export const READ_CHUNK_BYTES = 1 << 20;
export const MAX_LINE_BYTES = 1 << 20;
/** Step lines charted per run before thinning: far more points than a chart is wide. */
export const MAX_CHARTED_STEPS = 100_000;

export interface MetricsSeries {
  /** Epoch and fit lines and the kept step lines, in file order. */
  lines: MetricsLine[];
  /** 1: every step line; k: the step lines whose step is a multiple of k. */
  stride: number;
  /** Step lines in the file so far (kept or not). */
  stepLines: number;
  /** Lines that were not metrics (garbage, an overlong line). */
  bad: number;
  /** The file ends in a line without its newline yet (being written, or torn by a crash). */
  tornTail: boolean;
}

export interface MetricsPoll {
  /** Lines kept by this poll, in file order (empty after a reset or a resample: take `series` whole). */
  appended: MetricsLine[];
  /** The series was thinned further or the file was replaced: what was taken before is stale. */
  resampled: boolean;
}

const NEWLINE = 0x0a;

export class MetricsFollower {
  private offset = 0;
  private inode = -1;
  private partial: Buffer = Buffer.alloc(0);
  private skippingLongLine = false;
  private lines: MetricsLine[] = [];
  private stride = 1;
  private keptSteps = 0;
  private stepLines = 0;
  private bad = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly maxSteps = MAX_CHARTED_STEPS,
  ) {}

  /** A copy of the series as of the last completed poll. */
  get series(): MetricsSeries {
    return {
      lines: this.lines.slice(),
      stride: this.stride,
      stepLines: this.stepLines,
      bad: this.bad,
      tornTail: this.partial.length > 0 || this.skippingLongLine,
    };
  }

  /** Reads what was appended since the last poll (polls run one at a time, in call order). */
  poll(): Promise<MetricsPoll> {
    const next = this.queue.then(() => this.readAppended());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readAppended(): Promise<MetricsPoll> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(this.file, 'r');
    } catch {
      return { appended: [], resampled: false };
    }
    try {
      const stats = await handle.stat();
      let resampled = false;
      if (stats.size < this.offset || (this.inode !== -1 && stats.ino !== this.inode)) {
        this.restart();
        resampled = true;
      }
      this.inode = stats.ino;
      const appended: MetricsLine[] = [];
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, Math.max(1, stats.size - this.offset)));
      while (this.offset < stats.size) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, stats.size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        if (this.consume(chunk.subarray(0, bytesRead), appended)) resampled = true;
      }
      return { appended: resampled ? [] : appended, resampled };
    } finally {
      await handle.close();
    }
  }

  private restart(): void {
    this.offset = 0;
    this.partial = Buffer.alloc(0);
    this.skippingLongLine = false;
    this.lines = [];
    this.stride = 1;
    this.keptSteps = 0;
    this.stepLines = 0;
    this.bad = 0;
  }

  /** Takes the complete lines of `bytes` (with what was left of the previous chunk); true if it thinned the series. */
  private consume(bytes: Buffer, appended: MetricsLine[]): boolean {
    let start = 0;
    if (this.skippingLongLine) {
      const end = bytes.indexOf(NEWLINE);
      if (end < 0) return false;
      this.skippingLongLine = false;
      start = end + 1;
    }
    const last = bytes.lastIndexOf(NEWLINE);
    let thinned = false;
    if (last >= start) {
      const text = Buffer.concat([this.partial, bytes.subarray(start, last + 1)]).toString('utf8');
      this.partial = Buffer.alloc(0);
      const parsed = parseMetricsLines(text);
      this.bad += parsed.bad;
      for (const line of parsed.lines) if (this.keep(line, appended)) thinned = true;
      start = last + 1;
    }
    const rest = bytes.subarray(start);
    if (this.partial.length + rest.length > MAX_LINE_BYTES) {
      this.partial = Buffer.alloc(0);
      this.skippingLongLine = true;
      this.bad++;
    } else if (rest.length > 0) this.partial = Buffer.concat([this.partial, rest]);
    return thinned;
  }

  private keep(line: MetricsLine, appended: MetricsLine[]): boolean {
    if (line.kind === 'step') {
      this.stepLines++;
      if (line.step % this.stride !== 0) return false;
      this.keptSteps++;
    }
    this.lines.push(line);
    appended.push(line);
    if (this.keptSteps <= this.maxSteps) return false;
    this.stride *= 2;
    this.lines = this.lines.filter((l) => l.kind !== 'step' || l.step % this.stride === 0);
    this.keptSteps = this.lines.reduce((n, l) => n + (l.kind === 'step' ? 1 : 0), 0);
    return true;
  }
}

/** The whole series of a metrics file, streamed (see MetricsFollower). */
export async function readMetricsFile(file: string, maxSteps = MAX_CHARTED_STEPS): Promise<MetricsSeries> {
  const follower = new MetricsFollower(file, maxSteps);
  await follower.poll();
  return follower.series;
}
