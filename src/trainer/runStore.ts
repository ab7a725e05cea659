/**
 * The trainer's side of the run store: creates a run directory, rewrites run.json atomically
 * (temp file + rename, so a reader never sees half a record), appends metrics lines in single
 * writes (a crash can tear only the last line, which readers tolerate) and swaps checkpoint
 * directories so the best weights on disk are always complete.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { METRICS_FILE, RUN_FILE, previousCheckpointDir } from '../shared/runLayout';
import type { MetricsLine, RunRecord, TrainConfig } from '../shared/runSchema';
import { RUN_SCHEMA_VERSION } from '../shared/runSchema';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function timestampId(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export class RunWriter {
  readonly dir: string;
  private record: RunRecord;
  private readonly metricsFd: number;

  private constructor(dir: string, record: RunRecord) {
    this.dir = dir;
    this.record = record;
    this.metricsFd = fs.openSync(path.join(dir, METRICS_FILE), 'a');
  }

  /** Creates a fresh run directory (never reuses one) and writes its first run.json. */
  static create(runsDir: string, config: TrainConfig, name?: string): RunWriter {
    try {
      fs.mkdirSync(runsDir, { recursive: true });
    } catch (err) {
      throw new Error(`cannot create the runs directory ${runsDir}: ${(err as Error).message}`);
    }
    const now = new Date();
    const base = `${config.model}-${timestampId(now)}`;
    let id = base;
    let dir = path.join(runsDir, id);
    for (let n = 2; ; n++) {
      try {
        fs.mkdirSync(dir);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') throw new Error(`cannot create a run directory in ${runsDir}: ${(err as Error).message}`);
        id = `${base}-${n}`;
        dir = path.join(runsDir, id);
      }
    }
    const iso = now.toISOString();
    const record: RunRecord = {
      schemaVersion: RUN_SCHEMA_VERSION,
      id,
      name: name ?? `${config.model} ${iso.slice(0, 19).replace('T', ' ')}`,
      model: config.model,
      status: 'running',
      config,
      pid: process.pid,
      host: os.hostname(),
      createdAt: iso,
      updatedAt: iso,
      epochsCompleted: 0,
      steps: 0,
      epochSeconds: [],
      artifacts: {},
    };
    const writer = new RunWriter(dir, record);
    writer.flush();
    return writer;
  }

  get id(): string {
    return this.record.id;
  }

  get current(): Readonly<RunRecord> {
    return this.record;
  }

  update(patch: Partial<RunRecord>): void {
    this.record = { ...this.record, ...patch, updatedAt: new Date().toISOString() };
    this.flush();
  }

  private flush(): void {
    writeFileAtomic(path.join(this.dir, RUN_FILE), JSON.stringify(this.record, null, 2) + '\n');
  }

  appendMetrics(lines: MetricsLine[]): void {
    if (lines.length === 0) return;
    fs.writeSync(this.metricsFd, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }

  /** Makes appended metrics durable (once per epoch; per step would cost a disk sync each batch). */
  syncMetrics(): void {
    fs.fsyncSync(this.metricsFd);
  }

  writeArtifact(name: string, data: string | Uint8Array): void {
    writeFileAtomic(path.join(this.dir, name), data);
  }

  /**
   * Saves a checkpoint through `save(tmpDir)` and swaps it in as `name/`: the previous checkpoint
   * stays complete until the new one is fully written.
   */
  async saveCheckpoint(name: string, save: (dir: string) => Promise<void>): Promise<string> {
    const final = path.join(this.dir, name);
    const next = path.join(this.dir, `.${name}.next`);
    const prev = path.join(this.dir, previousCheckpointDir(name));
    fs.rmSync(next, { recursive: true, force: true });
    fs.mkdirSync(next);
    try {
      await save(next);
    } catch (err) {
      fs.rmSync(next, { recursive: true, force: true });
      throw err;
    }
    fs.rmSync(prev, { recursive: true, force: true });
    if (fs.existsSync(final)) fs.renameSync(final, prev);
    fs.renameSync(next, final);
    fs.rmSync(prev, { recursive: true, force: true });
    return final;
  }

  close(): void {
    try {
      fs.fsyncSync(this.metricsFd);
    } finally {
      fs.closeSync(this.metricsFd);
    }
  }
}
