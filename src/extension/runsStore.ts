/**
 * The RunsSource of a window: lists runs with the shared tolerant reader, watches the runs
 * directory for runs written by this window, the CLI or another window, and follows the
 * metrics.jsonl of every run a consumer asked about (MetricsFollower: streamed, from the last
 * offset), turning appended lines into change events. The trainer's IPC carries no metrics: the
 * file is the one channel, whoever started the run.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MetricsFollower, type MetricsSeries } from '../shared/metricsFollower';
import { METRICS_FILE, RUN_FILE } from '../shared/runLayout';
import { listRuns, runDirFor } from '../shared/runReader';
import type { RunEntry } from '../shared/runSchema';
import { isValidRunId } from '../shared/runSchema';
import { watchFolder, type FolderWatcher } from './folderWatcher';
import { runId } from './runPresentation';
import type { RunsChange, RunsSource } from './runsSource';

/** Record events come in bursts (run.json is rewritten via a temp file + rename): coalesce them. */
const DEBOUNCE_MS = 150;
/** Appends are read at once: a step line should reach the chart well within a quarter second. */
const METRICS_DELAY_MS = 10;
/** Running runs are polled too, in case no file event reaches us (a network file system). */
const POLL_MS = 2000;
/** Followed runs kept in memory beyond the running ones (each holds its charted series). */
const MAX_IDLE_FOLLOWERS = 24;

const EMPTY_SERIES: MetricsSeries = { lines: [], stride: 1, stepLines: 0, bad: 0, tornTail: false };

interface Followed {
  follower: MetricsFollower;
  /** The first read of the file; its lines are the series, not events. */
  loaded: Promise<void>;
}

export class RunsStore implements RunsSource, vscode.Disposable {
  private entries: RunEntry[] = [];
  private readonly byId = new Map<string, RunEntry>();
  private readonly signatures = new Map<string, string>();
  /** In least-recently-asked order (a Map keeps insertion order; an asked run is moved to the end). */
  private readonly followed = new Map<string, Followed>();
  private readonly emitter = new vscode.EventEmitter<RunsChange>();
  readonly onDidChange = this.emitter.event;
  private watchers: vscode.Disposable[] = [];
  private nodeWatcher: FolderWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private metricsTimer: NodeJS.Timeout | undefined;
  private readonly metricsDue = new Set<string>();
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
    this.followed.clear();
    this.metricsDue.clear();
    this.refresh();
    this.watch();
    this.fire({ reload: true });
  }

  list(): RunEntry[] {
    return this.entries;
  }

  get(id: string): RunEntry | undefined {
    return this.byId.get(id);
  }

  async metrics(id: string): Promise<MetricsSeries> {
    if (!isValidRunId(id)) return EMPTY_SERIES;
    // A run started a moment ago may not be listed yet (file events are coalesced).
    if (!this.byId.has(id)) this.refresh();
    if (!this.byId.get(id)?.ok) return EMPTY_SERIES;
    let entry = this.followed.get(id);
    if (entry) this.followed.delete(id);
    else {
      const follower = new MetricsFollower(path.join(runDirFor(this.dir, id), METRICS_FILE));
      // An unreadable file is an empty series (the run is listed with its problem); later polls retry.
      entry = {
        follower,
        loaded: follower.poll().then(
          () => undefined,
          () => undefined,
        ),
      };
    }
    this.followed.set(id, entry);
    this.evictIdleFollowers();
    await entry.loaded;
    return entry.follower.series;
  }

  /** Re-reads the runs directory now and fires one event describing what changed. */
  refresh(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = undefined;
    const next = listRuns(this.dir);
    const nextIds = new Set(next.map(runId));
    let reload = next.length !== this.entries.length || this.entries.some((e) => !nextIds.has(runId(e)));
    const changed: string[] = [];
    for (const entry of next) {
      const id = runId(entry);
      const signature = JSON.stringify(entry);
      const before = this.signatures.get(id);
      if (before === undefined) reload = true;
      else if (before !== signature) changed.push(id);
      this.signatures.set(id, signature);
    }
    for (const id of [...this.signatures.keys()]) {
      if (nextIds.has(id)) continue;
      this.signatures.delete(id);
      this.followed.delete(id);
    }
    this.entries = next;
    this.byId.clear();
    for (const entry of next) this.byId.set(runId(entry), entry);
    this.updatePolling();
    this.ensureNodeWatcher();
    if (reload || changed.length) this.fire({ reload, runIds: changed });
  }

  dispose(): void {
    if (this.debounce) clearTimeout(this.debounce);
    if (this.metricsTimer) clearTimeout(this.metricsTimer);
    if (this.poll) clearInterval(this.poll);
    this.unwatch();
    this.emitter.dispose();
  }

  private fire(change: Partial<RunsChange>): void {
    this.emitter.fire({ reload: false, runIds: [], appended: {}, resampled: [], ...change });
  }

  /** Reads what was appended to the followed runs' files; each run's lines go out in one event. */
  private readMetrics(ids: Iterable<string>): void {
    for (const id of ids) {
      const entry = this.followed.get(id);
      if (!entry) continue;
      void entry.loaded
        .then(() => entry.follower.poll())
        .then(
          ({ appended, resampled }) => {
            // A run forgotten (deleted, or the runs directory changed) while its file was read says nothing.
            if (this.followed.get(id) !== entry) return;
            if (resampled) this.fire({ resampled: [id] });
            else if (appended.length) this.fire({ appended: { [id]: appended } });
          },
          () => undefined, // the file vanished mid-read: the next refresh drops the run
        );
    }
  }

  private evictIdleFollowers(): void {
    let idle = [...this.followed.keys()].filter((id) => !this.isRunning(id));
    while (idle.length > MAX_IDLE_FOLLOWERS) {
      this.followed.delete(idle[0]);
      idle = idle.slice(1);
    }
  }

  private isRunning(id: string): boolean {
    const entry = this.byId.get(id);
    return entry?.ok === true && entry.record.status === 'running';
  }

  private scheduleRefresh = (): void => {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.refresh(), DEBOUNCE_MS);
  };

  private scheduleMetrics(id: string): void {
    this.metricsDue.add(id);
    this.metricsTimer ??= setTimeout(() => {
      this.metricsTimer = undefined;
      const due = [...this.metricsDue];
      this.metricsDue.clear();
      this.readMetrics(due);
    }, METRICS_DELAY_MS);
  }

  /** A change under the runs directory: an append to a metrics file is read at once, anything else relists. */
  private onFileEvent(file: string | undefined): void {
    const parts = file === undefined ? [] : path.relative(this.dir, path.resolve(this.dir, file)).split(path.sep);
    if (parts.length === 2 && parts[1] === METRICS_FILE) this.scheduleMetrics(parts[0]);
    else this.scheduleRefresh();
  }

  private watch(): void {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(this.dir), `**/{${RUN_FILE},${METRICS_FILE}}`));
    const onUri = (uri: vscode.Uri) => this.onFileEvent(uri.fsPath);
    this.watchers = [watcher, watcher.onDidCreate(onUri), watcher.onDidChange(onUri), watcher.onDidDelete(onUri)];
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
    this.nodeWatcher = watchFolder(
      this.dir,
      (name) => this.onFileEvent(name),
      () => (this.nodeWatcher = undefined),
    );
  }

  private updatePolling(): void {
    const running = this.entries.some((e) => e.ok && e.record.status === 'running');
    if (running && !this.poll)
      this.poll = setInterval(() => {
        this.refresh();
        this.readMetrics([...this.followed.keys()].filter((id) => this.isRunning(id)));
      }, POLL_MS);
    if (!running && this.poll) {
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
