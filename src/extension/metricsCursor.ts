/**
 * Incremental reading of one run's metrics.jsonl: remembers the byte offset after the last complete
 * line, so each change reads only what was appended, and a high-water mark per line kind, so lines
 * that arrived live from the trainer (IPC) are not emitted again when they show up in the file.
 * Free of `vscode`; unit-tested in plain Node.
 */
import * as fs from 'node:fs';
import type { MetricsLine } from '../shared/runSchema';
import { parseMetricsLines } from '../shared/runSchema';

/** Lines are written in step order: a line at or below the marks of its kind was already seen. */
export class MetricsWatermark {
  private maxStep = -Infinity;
  private maxEpoch = -Infinity;

  /** Keeps only the lines beyond the marks, and raises the marks. */
  admit(lines: MetricsLine[]): MetricsLine[] {
    const fresh: MetricsLine[] = [];
    for (const line of lines) {
      if (line.kind === 'step') {
        if (line.step <= this.maxStep) continue;
        this.maxStep = line.step;
      } else {
        if (line.epoch <= this.maxEpoch) continue;
        this.maxEpoch = line.epoch;
      }
      fresh.push(line);
    }
    return fresh;
  }
}

export class MetricsCursor {
  /** Byte offset just past the last newline consumed. */
  private offset = 0;
  private readonly seen = new MetricsWatermark();

  constructor(private readonly file: string) {}

  /**
   * Lines appended since the last call that were not seen yet (from the file or live). A torn last
   * line (no newline yet) is left for the next call. A file that shrank was replaced: start over,
   * the high-water marks still filter what was already emitted.
   */
  readAppended(): MetricsLine[] {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.offset) this.offset = 0;
      if (size === this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      const read = fs.readSync(fd, buf, 0, buf.length, this.offset);
      if (read <= 0) return [];
      const lastNewline = buf.lastIndexOf(0x0a, read - 1);
      if (lastNewline < 0) return [];
      this.offset += lastNewline + 1;
      return this.admit(parseMetricsLines(buf.toString('utf8', 0, lastNewline + 1)).lines);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Starts after the complete lines already in the file without parsing them (only the tail is
   * read, to find the last newline): later calls return only what is appended from now on.
   */
  skipExisting(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      for (let end = size; end > this.offset;) {
        const start = Math.max(this.offset, end - 64 * 1024);
        const buf = Buffer.alloc(end - start);
        const read = fs.readSync(fd, buf, 0, buf.length, start);
        const lastNewline = read > 0 ? buf.lastIndexOf(0x0a, read - 1) : -1;
        if (lastNewline >= 0) {
          this.offset = start + lastNewline + 1;
          return;
        }
        end = start;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Lines that arrived by another way (live from the trainer): kept only if not seen yet. */
  admit(lines: MetricsLine[]): MetricsLine[] {
    return this.seen.admit(lines);
  }
}
