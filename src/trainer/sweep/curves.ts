/**
 * Follows a trial's learning curve in its run directory's metrics.jsonl, reading only what was
 * appended since the last call (a torn last line waits for its end). Works on any file system the
 * trials write to, so the early-stopping rules need nothing from the executor.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { METRICS_FILE } from '../../shared/runLayout';
import { parseMetricsLines } from '../../shared/runSchema';
import type { SweepMetricName } from '../../shared/sweepSchema';
import type { Curve } from './earlyStopping';

const CHUNK = 1 << 20;

export class CurveFollower {
  readonly curve: Curve = { points: [], lastEpoch: 0 };
  private offset = 0;
  private partial = '';

  constructor(
    readonly runDir: string,
    private readonly metric: SweepMetricName,
  ) {}

  /** Reads new epoch lines; returns the epochs newly seen, in order. */
  read(): number[] {
    const file = path.join(this.runDir, METRICS_FILE);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return [];
    }
    let text = '';
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.offset) {
        // Replaced or truncated: start again from the top.
        this.offset = 0;
        this.partial = '';
        this.curve.points.length = 0;
        this.curve.lastEpoch = 0;
      }
      const buf = Buffer.alloc(CHUNK);
      while (this.offset < size) {
        const n = fs.readSync(fd, buf, 0, Math.min(CHUNK, size - this.offset), this.offset);
        if (n <= 0) break;
        text += buf.toString('utf8', 0, n);
        this.offset += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (text.length === 0) return [];
    const all = this.partial + text;
    const cut = all.lastIndexOf('\n');
    this.partial = all.slice(cut + 1);
    const complete = all.slice(0, cut + 1);
    const seen: number[] = [];
    for (const line of parseMetricsLines(complete).lines) {
      if (line.kind !== 'epoch' || line.epoch <= this.curve.lastEpoch) continue;
      this.curve.lastEpoch = line.epoch;
      seen.push(line.epoch);
      const value = (line as unknown as Record<string, unknown>)[this.metric];
      if (typeof value === 'number' && Number.isFinite(value)) this.curve.points.push({ epoch: line.epoch, value });
    }
    return seen;
  }
}
