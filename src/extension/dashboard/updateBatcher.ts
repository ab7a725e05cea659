/**
 * Coalesces run changes into batches for the webview. Training appends a line per step (hundreds a
 * second); the webview needs at most a few updates a second. After a flush that posted k messages,
 * the next flush waits k * 100 ms (about 10 messages a second) but never more than 250 ms, so the
 * charts are never more than ~250 ms behind the trainer.
 */
import type { MetricsLine } from '../../shared/runSchema';

export const MS_PER_MESSAGE = 100;
export const MAX_LAG_MS = 250;

export interface PendingUpdates {
  /** Some run records changed (or the list itself): the table needs a fresh `runs` message. */
  runsChanged: boolean;
  appended: Map<string, MetricsLine[]>;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class UpdateBatcher {
  private pending: PendingUpdates = { runsChanged: false, appended: new Map() };
  private timer: unknown;
  private nextAllowed = 0;
  /** Runs whose full series is being fetched: their lines wait until it has been sent. */
  private readonly held = new Set<string>();

  /** `flush` posts the batch and returns how many messages it posted. */
  constructor(
    private readonly flush: (batch: PendingUpdates) => number,
    private readonly clock: Clock = realClock,
  ) {}

  markRunsChanged(): void {
    this.pending.runsChanged = true;
    this.schedule();
  }

  append(runId: string, lines: readonly MetricsLine[]): void {
    if (lines.length === 0) return;
    const queued = this.pending.appended.get(runId);
    if (queued) queued.push(...lines);
    else this.pending.appended.set(runId, [...lines]);
    this.schedule();
  }

  /** Forgets queued lines of a run whose full series was just taken (they are already in it). */
  forget(runId: string): void {
    this.pending.appended.delete(runId);
  }

  /** Keeps back the lines of these runs: the webview must get their series before any append. */
  hold(runIds: Iterable<string>): void {
    for (const id of runIds) this.held.add(id);
  }

  /** Lets the lines of these runs go out again (their series has been sent). */
  release(runIds: Iterable<string>): void {
    for (const id of runIds) this.held.delete(id);
    if (this.pending.appended.size > 0) this.schedule();
  }

  /** Drops everything queued (the webview is gone or about to get the full state). */
  clear(): void {
    this.pending = { runsChanged: false, appended: new Map() };
    this.held.clear();
    this.cancelTimer();
  }

  dispose(): void {
    this.clear();
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const delay = Math.max(0, this.nextAllowed - this.clock.now());
    this.timer = this.clock.setTimeout(() => this.run(), delay);
  }

  private run(): void {
    this.timer = undefined;
    const batch = this.pending;
    const kept = new Map([...batch.appended].filter(([id]) => this.held.has(id)));
    for (const id of kept.keys()) batch.appended.delete(id);
    this.pending = { runsChanged: false, appended: kept };
    if (!batch.runsChanged && batch.appended.size === 0) return;
    const sent = this.flush(batch);
    this.nextAllowed = this.clock.now() + Math.min(MAX_LAG_MS, MS_PER_MESSAGE * sent);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
