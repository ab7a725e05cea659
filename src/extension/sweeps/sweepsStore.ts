/**
 * The sweeps of a window's runs directory (`sweeps/` beside it, as `vaerec sweep` writes them),
 * followed the way RunsStore follows runs: every folder's sweep.json read with the shared tolerant
 * reader, the folder watched (VS Code's watcher and Node's), and polled while a sweep runs, so a
 * sweep started from the CLI or another window appears and updates live, and a coordinator that
 * died is seen as such. A damaged sweep.json is listed with its reason.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isProcessAlive } from '../../shared/runLiveness';
import { isValidRunId } from '../../shared/runSchema';
import { readSweep, sweepsDirFor } from '../../shared/sweepReader';
import { SWEEP_FILE } from '../../shared/sweepSchema';
import { watchFolder, type FolderWatcher } from '../folderWatcher';
import { effectiveSweepStatus, type SweepListing } from './sweepTreeModel';

const DEBOUNCE_MS = 150;
/** Running sweeps are polled too: the coordinator's death changes no file. */
const POLL_MS = 2000;

export interface SweepsChange {
  /** Sweeps came or went: reload everything. */
  reload: boolean;
  sweepIds: string[];
}

export interface SweepsSource {
  readonly sweepsDir: string;
  /** Every sweep, newest first; damaged ones with their reason. */
  list(): SweepListing[];
  get(id: string): SweepListing | undefined;
  readonly onDidChange: vscode.Event<SweepsChange>;
}

export class SweepsStore implements SweepsSource, vscode.Disposable {
  private entries: SweepListing[] = [];
  private readonly byId = new Map<string, SweepListing>();
  /** What each listing was built from (file time and size, status): a change of either is an event. */
  private readonly signatures = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<SweepsChange>();
  readonly onDidChange = this.emitter.event;
  private watchers: vscode.Disposable[] = [];
  private nodeWatcher: FolderWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private dir: string;

  constructor(runsDir: string) {
    this.dir = sweepsDirFor(runsDir);
    this.refresh();
    this.watch();
  }

  get sweepsDir(): string {
    return this.dir;
  }

  setRunsDir(runsDir: string): void {
    const dir = sweepsDirFor(runsDir);
    if (dir === this.dir) return;
    this.dir = dir;
    this.unwatch();
    this.entries = [];
    this.byId.clear();
    this.signatures.clear();
    this.refresh();
    this.watch();
    this.emitter.fire({ reload: true, sweepIds: [] });
  }

  list(): SweepListing[] {
    return this.entries;
  }

  get(id: string): SweepListing | undefined {
    return this.byId.get(id);
  }

  /** The listing of a sweep folder given by path (a sweep view or a command argument). */
  byDir(dir: string): SweepListing | undefined {
    const resolved = path.resolve(dir);
    return this.entries.find((e) => e.dir === resolved);
  }

  /** Re-reads the sweeps directory now; one event says what changed. */
  refresh(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = undefined;
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter(isValidRunId);
    } catch {
      names = [];
    }
    const next: SweepListing[] = [];
    const changed: string[] = [];
    let reload = false;
    for (const name of names) {
      const dir = path.join(this.dir, name);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(path.join(dir, SWEEP_FILE));
      } catch {
        continue; // a folder being created (sweep.json comes a moment later), or not a sweep
      }
      const fileSignature = `${stat.mtimeMs}:${stat.size}`;
      const before = this.byId.get(name);
      let listing: SweepListing;
      if (before && this.signatures.get(name)?.startsWith(`${fileSignature}|`)) listing = before;
      else {
        const read = readSweep(dir);
        listing =
          'record' in read
            ? { id: name, dir, record: read.record, status: read.record.status, createdAt: read.record.createdAt }
            : { id: name, dir, reason: read.reason, status: 'damaged', createdAt: stat.birthtime.toISOString() };
      }
      if (listing.record) listing = { ...listing, status: effectiveSweepStatus(listing.record, os.hostname(), (pid) => isProcessAlive(pid)) };
      const signature = `${fileSignature}|${listing.status}`;
      const old = this.signatures.get(name);
      if (old === undefined) reload = true;
      else if (old !== signature) changed.push(name);
      this.signatures.set(name, signature);
      next.push(old === signature && before ? before : listing);
    }
    const nextIds = new Set(next.map((e) => e.id));
    for (const id of [...this.signatures.keys()])
      if (!nextIds.has(id)) {
        this.signatures.delete(id);
        reload = true;
      }
    next.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    this.entries = next;
    this.byId.clear();
    for (const e of next) this.byId.set(e.id, e);
    this.ensureNodeWatcher();
    this.updatePolling();
    if (reload || changed.length > 0) this.emitter.fire({ reload, sweepIds: changed });
  }

  dispose(): void {
    if (this.debounce) clearTimeout(this.debounce);
    if (this.poll) clearInterval(this.poll);
    this.unwatch();
    this.emitter.dispose();
  }

  private scheduleRefresh = (): void => {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.refresh(), DEBOUNCE_MS);
  };

  private watch(): void {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(this.dir), `*/${SWEEP_FILE}`));
    this.watchers = [watcher, watcher.onDidCreate(this.scheduleRefresh), watcher.onDidChange(this.scheduleRefresh), watcher.onDidDelete(this.scheduleRefresh)];
    this.ensureNodeWatcher();
  }

  /** As in RunsStore: Node's watcher works at once and outside the workspace; the folder may not exist yet (retried at each refresh). */
  private ensureNodeWatcher(): void {
    if (this.nodeWatcher) return;
    // Trial logs and Slurm job files change all the time; only sweep.json (and folders coming or going) matter.
    this.nodeWatcher = watchFolder(
      this.dir,
      (name) => (name === undefined || path.basename(name) === SWEEP_FILE || !name.includes(path.sep)) && this.scheduleRefresh(),
      () => (this.nodeWatcher = undefined),
    );
  }

  /**
   * Polled while a sweep runs: its coordinator may die without a file event. A sweeps folder that
   * does not exist yet is not polled: VS Code's watcher, the runs directory's events (a sweep's
   * first trial is a new run) and this window's own sweeps bring a refresh.
   */
  private updatePolling(): void {
    const needed = this.entries.some((e) => e.status === 'running');
    if (needed && !this.poll) this.poll = setInterval(() => this.refresh(), POLL_MS);
    if (!needed && this.poll) {
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
