/**
 * The trainer's side of the run store: creates a run directory with its run.json already inside
 * (built under a hidden name and renamed into place, so no reader ever sees a run without its
 * record), rewrites run.json atomically (temp file + rename) at each change and at every heartbeat,
 * appends each metrics line as it is computed in single writes (a crash can tear only the last
 * line, which readers tolerate) and swaps checkpoint directories so the best weights on disk are
 * always complete.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { METRICS_FILE, RUN_FILE, previousCheckpointDir } from '../shared/runLayout';
import { HEARTBEAT_MS, localProbe } from '../shared/runLiveness';
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

/**
 * mkdir -p that reports the real reason: Node's recursive mkdir says ENOENT where a read-only mount
 * (EROFS) or a missing permission is the cause. On failure the path is created one level at a time,
 * so the error is the one of the level that cannot be made.
 */
export function makeDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d) && path.dirname(d) !== d; d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) fs.mkdirSync(d);
}

function timestampId(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A run directory is staged under this hidden prefix (readers skip names starting with a dot). */
const STAGING_PREFIX = '.new-run-';

/** Metrics lines as appended to metrics.jsonl: one JSON object a line. */
export function metricsText(lines: MetricsLine[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

function recordText(record: RunRecord): string {
  return JSON.stringify(record, null, 2) + '\n';
}

export class RunWriter {
  private record: RunRecord;
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    readonly dir: string,
    record: RunRecord,
    private readonly metricsFd: number,
  ) {
    this.record = record;
    // While the run is running, run.json is rewritten at least this often, so that any reader (on any
    // host) can tell a live trainer from a dead one. A failed beat is not fatal: the next update
    // reports a disk problem, and a trainer that cannot write reads as stale, which is true.
    this.heartbeat = setInterval(() => {
      try {
        this.update({});
      } catch {
        // see above
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Creates a fresh run directory (never reuses one) that already holds its first run.json. */
  static create(runsDir: string, config: TrainConfig, name?: string, extra: Pick<RunRecord, 'sweep'> = {}): RunWriter {
    try {
      makeDirectory(runsDir);
    } catch (err) {
      throw new Error(`cannot create the runs directory ${runsDir}: ${(err as Error).message}`);
    }
    let staging: string;
    try {
      staging = fs.mkdtempSync(path.join(runsDir, STAGING_PREFIX));
    } catch (err) {
      throw new Error(`cannot create a run directory in ${runsDir}: ${(err as Error).message}`);
    }
    const now = new Date();
    const iso = now.toISOString();
    const base = `${config.model}-${timestampId(now)}`;
    let record: RunRecord = {
      schemaVersion: RUN_SCHEMA_VERSION,
      id: base,
      name: name ?? `${config.model} ${iso.slice(0, 19).replace('T', ' ')}`,
      model: config.model,
      status: 'running',
      config,
      pid: process.pid,
      pidStart: localProbe.startToken(process.pid),
      host: os.hostname(),
      createdAt: iso,
      updatedAt: iso,
      epochsCompleted: 0,
      steps: 0,
      epochSeconds: [],
      artifacts: {},
      ...(extra.sweep ? { sweep: extra.sweep } : {}),
    };
    let metricsFd: number | undefined;
    try {
      metricsFd = fs.openSync(path.join(staging, METRICS_FILE), 'a');
      for (let n = 2; ; n++) {
        writeFileAtomic(path.join(staging, RUN_FILE), recordText(record));
        const dir = path.join(runsDir, record.id);
        try {
          // A directory is renamed only onto a missing or empty one, and a run's never is empty.
          fs.renameSync(staging, dir);
          return new RunWriter(dir, record, metricsFd);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
          record = { ...record, id: `${base}-${n}` };
        }
      }
    } catch (err) {
      if (metricsFd !== undefined) fs.closeSync(metricsFd);
      fs.rmSync(staging, { recursive: true, force: true });
      throw new Error(`cannot create a run directory in ${runsDir}: ${(err as Error).message}`);
    }
  }

  /**
   * Takes an existing run back (`vaerec train --resume`): metrics.jsonl is cut back to where its
   * training state was saved (`metrics.bytes`: the last saved epoch's step lines) and that epoch's
   * line is written after them (whether or not it had reached the file; a partial epoch beyond it
   * goes), and run.json says running again, with this process as its trainer and `patch` applied.
   */
  static reopen(dir: string, record: RunRecord, metrics: { bytes: number; epochLine: string }, patch: Partial<RunRecord>): RunWriter {
    const file = path.join(dir, METRICS_FILE);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || metrics.bytes > 0) throw new Error(`${file}: ${(err as Error).message}`);
      size = 0;
    }
    if (size < metrics.bytes) throw new Error(`${file}: ${size} bytes, shorter than the ${metrics.bytes} its training state was saved with`);
    const metricsFd = fs.openSync(file, 'a');
    try {
      fs.ftruncateSync(metricsFd, metrics.bytes);
      if (metrics.epochLine) fs.writeSync(metricsFd, metrics.epochLine);
      fs.fsyncSync(metricsFd);
      const reopened: RunRecord = {
        ...record,
        ...patch,
        status: 'running',
        pid: process.pid,
        pidStart: localProbe.startToken(process.pid),
        host: os.hostname(),
        updatedAt: new Date().toISOString(),
      };
      // What the previous session ended with no longer holds.
      for (const key of ['finishedAt', 'test', 'error', 'stop'] as const) delete reopened[key];
      writeFileAtomic(path.join(dir, RUN_FILE), recordText(reopened));
      return new RunWriter(dir, reopened, metricsFd);
    } catch (err) {
      fs.closeSync(metricsFd);
      throw err;
    }
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
    writeFileAtomic(path.join(this.dir, RUN_FILE), recordText(this.record));
  }

  appendMetrics(lines: MetricsLine[]): void {
    if (lines.length === 0) return;
    fs.writeSync(this.metricsFd, metricsText(lines));
  }

  /** Makes appended metrics durable (once per epoch; per step would cost a disk sync each batch). */
  syncMetrics(): void {
    fs.fsyncSync(this.metricsFd);
  }

  /** The length of metrics.jsonl as written so far (after syncMetrics: as on the disk). */
  metricsLength(): number {
    return fs.fstatSync(this.metricsFd).size;
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
    clearInterval(this.heartbeat);
    try {
      fs.fsyncSync(this.metricsFd);
    } finally {
      fs.closeSync(this.metricsFd);
    }
  }
}
