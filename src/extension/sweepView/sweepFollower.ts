/**
 * Follows one sweep while a view shows it: sweep.json (re-read when its size or modification time
 * changes; the coordinator rewrites it atomically) and each trial's validation curve from its run's
 * metrics.jsonl (streamed by MetricsFollower, which keeps few step lines: only epoch lines are used).
 * One tick a second gathers everything that changed into one change, so a sweep of hundreds of
 * trials costs the view one update a second at most. Plain Node: no vscode.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MetricsFollower } from '../../shared/metricsFollower';
import { METRICS_FILE } from '../../shared/runLayout';
import { runDirFor } from '../../shared/runReader';
import { readSweep } from '../../shared/sweepReader';
import type { SweepRecord } from '../../shared/sweepSchema';
import { SWEEP_FILE } from '../../shared/sweepSchema';
import type { TrialCurve } from '../../shared/sweepViewMessages';

export const TICK_MS = 1000;
/** Step lines kept per trial: the curves need only the epoch lines. */
const STEP_LINES_KEPT = 16;

export interface SweepChange {
  /** Set when sweep.json was (re)read: the record, or why it cannot be used. */
  record?: { record: SweepRecord } | { reason: string };
  /** Curves that changed since the last change. */
  curves: TrialCurve[];
}

interface FollowedCurve {
  runId: string;
  follower: MetricsFollower;
  points: [number, number][];
  /** A final trial's file is read once more after the trial ended, then left alone. */
  settled: boolean;
}

const ENDED = new Set(['completed', 'stopped', 'failed', 'cancelled', 'skipped']);

export class SweepFollower {
  private stamp = '';
  private record: SweepRecord | undefined;
  private readonly curves = new Map<number, FollowedCurve>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private disposed = false;

  constructor(
    readonly sweepDir: string,
    private readonly onChange: (change: SweepChange) => void,
    private readonly tickMs = TICK_MS,
  ) {}

  /** Every curve read so far. */
  allCurves(): TrialCurve[] {
    return [...this.curves].map(([index, c]) => ({ index, points: c.points }));
  }

  start(): void {
    void this.tick();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** One look at the files; reports a change when something changed. Exposed for tests. */
  async tick(): Promise<void> {
    if (this.running || this.disposed) return;
    this.running = true;
    try {
      const change: SweepChange = { curves: [] };
      const stamp = await fsp
        .stat(path.join(this.sweepDir, SWEEP_FILE))
        .then((s) => `${s.size}:${s.mtimeMs}`)
        .catch((e: NodeJS.ErrnoException) => `missing:${e.code}`);
      if (stamp !== this.stamp) {
        this.stamp = stamp;
        change.record = readSweep(this.sweepDir);
        this.record = 'record' in change.record ? change.record.record : undefined;
      }
      if (this.record) change.curves = await this.pollCurves(this.record);
      if (!this.disposed && (change.record || change.curves.length > 0)) this.onChange(change);
    } finally {
      this.running = false;
      // A tick called from outside (a test) replaces the pending one instead of adding a second.
      if (this.timer) clearTimeout(this.timer);
      if (!this.disposed) this.timer = setTimeout(() => void this.tick(), this.tickMs);
    }
  }

  private async pollCurves(record: SweepRecord): Promise<TrialCurve[]> {
    const changed: TrialCurve[] = [];
    const metric = record.spec.metric.name;
    for (const t of record.trials) {
      if (!t.runId) continue;
      let c = this.curves.get(t.index);
      if (!c || c.runId !== t.runId) {
        // A restarted trial has a new run: its curve starts again.
        const file = path.join(runDirFor(record.runsDir, t.runId), METRICS_FILE);
        c = { runId: t.runId, follower: new MetricsFollower(file, STEP_LINES_KEPT), points: [], settled: false };
        this.curves.set(t.index, c);
      } else if (c.settled) continue;
      const ended = ENDED.has(t.state);
      await c.follower.poll();
      const points: [number, number][] = [];
      for (const line of c.follower.series.lines) {
        const v = line.kind === 'epoch' ? line[metric] : undefined;
        if (typeof v === 'number' && Number.isFinite(v)) points.push([line.epoch, v]);
      }
      if (ended) c.settled = true;
      if (points.length !== c.points.length || points.some((p, i) => p[1] !== c.points[i][1])) {
        c.points = points;
        changed.push({ index: t.index, points });
      }
    }
    return changed;
  }
}
