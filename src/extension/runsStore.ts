/**
 * The RunsSource of a window: lists runs with the shared tolerant reader, watches the runs
 * directory for runs written by this window, the CLI or another window, and turns appended
 * metrics.jsonl lines (and live lines from this window's trainer) into change events.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { METRICS_FILE, RUN_FILE } from '../shared/runLayout';
import { listRuns, readMetrics, runDirFor } from '../shared/runReader';
import type { MetricsLine, RunEntry } from '../shared/runSchema';
import { isValidRunId } from '../shared/runSchema';
import { MetricsCursor, MetricsWatermark } from './metricsCursor';
import { runId } from './runPresentation';
import type { RunsChange, RunsSource } from './runsSource';

/** File events come in bursts (run.json is rewritten via a temp file + rename): coalesce them. */
const DEBOUNCE_MS = 150;
/** Runs trained by other processes are polled while they run, in case no file event reaches us. */
const POLL_MS = 2000;

export class RunsStore implements RunsSource, vscode.Disposable {
  private entries: RunEntry[] = [];
  private readonly byId = new Map<string, RunEntry>();
  private readonly signatures = new Map<string, string>();
  private readonly cursors = new Map<string, MetricsCursor>();
  /** Lines received over IPC for runs this window trains; the file may lag behind them. */
  private readonly live = new Map<string, MetricsLine[]>();
  private readonly emitter = new vscode.EventEmitter<RunsChange>();
  readonly onDidChange = this.emitter.event;
  private watchers: vscode.Disposable[] = [];
  private nodeWatcher: fs.FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private dir: string;

  constructor(runsDir: string) {
    this.dir = path.resolve(runsDir);
    this.refresh();
    this.watch();
  }

  get runsDir(): string {
    return this.dir;
  }

  /** Follows a change of the `vaerec.runsDirectory` setting; consumers reload everything. */
  setRunsDir(runsDir: string): void {
    const dir = path.resolve(runsDir);
    if (dir === this.dir) return;
    this.dir = dir;
    this.unwatch();
    this.entries = [];
    this.byId.clear();
    this.signatures.clear();
    this.cursors.clear();
    this.refresh();
    this.watch();
    this.emitter.fire({ runIds: [], appended: {} });
  }

  list(): RunEntry[] {
    return this.entries;
  }

  get(id: string): RunEntry | undefined {
    return this.byId.get(id);
  }

  metrics(id: string): MetricsLine[] {
    if (!isValidRunId(id)) return [];
    const fileLines = readMetrics(runDirFor(this.dir, id)).lines;
    const liveLines = this.live.get(id);
    if (!liveLines?.length) return fileLines;
    // The live lines the trainer has not flushed to the file yet complete the series.
    const seen = new MetricsWatermark();
    seen.admit(fileLines);
    return fileLines.concat(seen.admit(liveLines));
  }

  /** The training session announces the run it trains, so its live lines can be forwarded. */
  trackLive(id: string): void {
    this.live.set(id, []);
    this.refresh();
  }

  pushLive(id: string, line: MetricsLine): void {
    const lines = this.live.get(id);
    if (!lines) return;
    lines.push(line);
    const fresh = this.cursorFor(id).admit([line]);
    if (fresh.length) this.emitter.fire({ runIds: [id], appended: { [id]: fresh } });
  }

  untrackLive(id: string): void {
    this.live.delete(id);
    this.refresh();
  }

  /** Re-reads the runs directory now and fires one event describing what changed. */
  refresh(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = undefined;
    const next = listRuns(this.dir);
    const nextIds = new Set(next.map(runId));
    let structural = next.length !== this.entries.length || this.entries.some((e) => !nextIds.has(runId(e)));
    const changed: string[] = [];
    const appended: Record<string, MetricsLine[]> = {};
    for (const entry of next) {
      const id = runId(entry);
      const signature = JSON.stringify(entry);
      const before = this.signatures.get(id);
      if (before === undefined) structural = true;
      else if (before !== signature) changed.push(id);
      this.signatures.set(id, signature);
      if (!entry.ok) continue;
      const known = this.cursors.has(id);
      // A run first seen finished is not parsed here: its series is read when asked for
      // (metrics()), so activation does not parse the history of every run on disk.
      if (!known && entry.record.status !== 'running') {
        this.cursorFor(id).skipExisting();
        continue;
      }
      const lines = this.cursorFor(id).readAppended();
      if (known && lines.length) appended[id] = lines;
    }
    for (const id of [...this.signatures.keys()]) {
      if (!nextIds.has(id)) {
        this.signatures.delete(id);
        this.cursors.delete(id);
      }
    }
    this.entries = next;
    this.byId.clear();
    for (const entry of next) this.byId.set(runId(entry), entry);
    this.updatePolling();
    this.ensureNodeWatcher();
    // Appends to known runs go out first, then the reload (if runs came or went): a consumer that
    // re-reads every series on a reload and one that only re-reads the list both stay exact.
    // A run seen for the first time never has appended lines: its series is read via metrics().
    if (changed.length || Object.keys(appended).length) {
      this.emitter.fire({ runIds: [...new Set([...changed, ...Object.keys(appended)])], appended });
    }
    if (structural) this.emitter.fire({ runIds: [], appended: {} });
  }

  dispose(): void {
    if (this.debounce) clearTimeout(this.debounce);
    if (this.poll) clearInterval(this.poll);
    this.unwatch();
    this.emitter.dispose();
  }

  /** A run seen for the first time starts at the end of its file: its past is read via metrics(). */
  private cursorFor(id: string): MetricsCursor {
    let cursor = this.cursors.get(id);
    if (!cursor) {
      cursor = new MetricsCursor(path.join(runDirFor(this.dir, id), METRICS_FILE));
      cursor.readAppended();
      this.cursors.set(id, cursor);
    }
    return cursor;
  }

  private scheduleRefresh = (): void => {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.refresh(), DEBOUNCE_MS);
  };

  private watch(): void {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(this.dir), `**/{${RUN_FILE},${METRICS_FILE}}`));
    this.watchers = [watcher, watcher.onDidCreate(this.scheduleRefresh), watcher.onDidChange(this.scheduleRefresh), watcher.onDidDelete(this.scheduleRefresh)];
    this.ensureNodeWatcher();
  }

  /**
   * VS Code's watcher is set up asynchronously through the workbench (in a browser-based or remote
   * window, a round trip through the client), so a run written right after activation can be
   * missed; it also may not reach a runs directory outside the workspace. Node's watcher, in this
   * process, is active as soon as it returns. The directory may not exist yet: retried at every
   * refresh.
   */
  private ensureNodeWatcher(): void {
    if (this.nodeWatcher) return;
    try {
      this.nodeWatcher = fs.watch(this.dir, { recursive: true }, this.scheduleRefresh);
      this.nodeWatcher.on('error', () => {
        this.nodeWatcher?.close();
        this.nodeWatcher = undefined;
      });
    } catch {
      this.nodeWatcher = undefined;
    }
  }

  private updatePolling(): void {
    const othersRunning = this.entries.some((e) => e.ok && e.record.status === 'running' && !this.live.has(e.record.id));
    if (othersRunning && !this.poll) this.poll = setInterval(this.scheduleRefresh, POLL_MS);
    if (!othersRunning && this.poll) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
  }

  private unwatch(): void {
    for (const d of this.watchers) d.dispose();
    this.watchers = [];
    this.nodeWatcher?.close();
    this.nodeWatcher = undefined;
  }
}
