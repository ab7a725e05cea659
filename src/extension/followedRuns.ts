/**
 * Runs trained in this workspace by a process this window did not start: its own trainer from
 * before a window reload, the CLI, another window. Each gets what a run started here gets: a status
 * bar item, a progress notification whose Cancel stops it (vaerec.stopTraining, which signals the
 * trainer after a confirmation), and the message saying how it ended. Everything comes from the run
 * directory (run.json and metrics.jsonl through the RunsSource), which every trainer writes.
 */
import * as vscode from 'vscode';
import { modelLabel } from '../shared/modelKinds';
import type { MetricsLine, RunRecord } from '../shared/runSchema';
import { followedEnding, followedProgress, progressText, runId } from './runPresentation';
import type { RunsChange, RunsSource } from './runsSource';

interface Followed {
  record: RunRecord;
  /** The last line of its metrics.jsonl seen so far. */
  last?: MetricsLine;
  statusBar: vscode.StatusBarItem;
  progress?: vscode.Progress<{ message?: string; increment?: number }>;
  /** Ends the progress notification. */
  end: () => void;
}

export class FollowedRuns implements vscode.Disposable {
  private readonly followed = new Map<string, Followed>();
  private readonly subscription: vscode.Disposable;

  /** `ownRun` says whether a run is the one this window's TrainingSession trains (shown by it). */
  constructor(
    private readonly source: RunsSource,
    private readonly ownRun: (record: RunRecord) => boolean,
  ) {
    this.subscription = source.onDidChange((change) => this.onChange(change));
    this.update();
  }

  /** The ids of the runs followed now. */
  get runIds(): string[] {
    return [...this.followed.keys()];
  }

  dispose(): void {
    this.subscription.dispose();
    for (const f of this.followed.values()) this.release(f);
    this.followed.clear();
  }

  private onChange(change: RunsChange): void {
    for (const [id, lines] of Object.entries(change.appended)) {
      const f = this.followed.get(id);
      if (!f) continue;
      f.last = lines.at(-1) ?? f.last;
      this.show(f);
    }
    if (change.reload || change.runIds.length > 0) this.update();
  }

  /**
   * Follows the running runs not trained by this window; ends the ones that stopped running. A
   * sweep's trials are left out: a sweep runs many, each would bring its own notification, and the
   * sweep's coordinator (`vaerec sweep status`) is what follows them.
   */
  private update(): void {
    const running = new Set<string>();
    for (const entry of this.source.list()) {
      if (!entry.ok || entry.record.status !== 'running' || entry.record.sweep || this.ownRun(entry.record)) continue;
      const id = runId(entry);
      running.add(id);
      const f = this.followed.get(id);
      if (f) {
        f.record = entry.record;
        this.show(f);
      } else this.follow(entry.record);
    }
    for (const [id, f] of [...this.followed]) {
      if (running.has(id)) continue;
      this.followed.delete(id);
      this.release(f);
      const entry = this.source.get(id);
      // A run deleted while it trained says nothing more; one that ended says how.
      if (entry?.ok && !this.ownRun(entry.record)) void this.tell(entry.record);
    }
  }

  private follow(record: RunRecord): void {
    const id = record.id;
    const statusBar = vscode.window.createStatusBarItem(`vaerec.followed.${id}`, vscode.StatusBarAlignment.Left, 49);
    statusBar.name = `VAE Recommender Lab: ${record.name}`;
    statusBar.tooltip = `${record.name} is trained by another process (pid ${record.pid ?? '?'}): click to open the dashboard`;
    statusBar.command = { title: 'Open Dashboard', command: 'vaerec.openDashboard', arguments: [id] };
    let end: () => void = () => undefined;
    const f: Followed = { record, statusBar, end: () => end() };
    this.followed.set(id, f);
    this.show(f);
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Training ${modelLabel(record.model)} (${record.name})`, cancellable: true },
      (progress, token) => {
        f.progress = progress;
        this.show(f);
        token.onCancellationRequested(() => void vscode.commands.executeCommand('vaerec.stopTraining', id));
        return new Promise<void>((resolve) => (end = resolve));
      },
    );
    // The series so far; later lines arrive as `appended` (the source follows the file once asked).
    void this.source.metrics(id).then((series) => {
      if (this.followed.get(id) !== f || f.last) return;
      f.last = series.lines.at(-1);
      this.show(f);
    });
  }

  private show(f: Followed): void {
    const text = progressText(followedProgress(f.record, f.last));
    f.statusBar.text = `$(sync~spin) ${text}`;
    f.statusBar.show();
    f.progress?.report({ message: text });
  }

  private release(f: Followed): void {
    f.end();
    f.statusBar.dispose();
  }

  private async tell(record: RunRecord): Promise<void> {
    const { level, message, offerDashboard } = followedEnding(record);
    const show =
      level === 'info' ? vscode.window.showInformationMessage : level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    const picked = await show(message, ...(offerDashboard ? ['Open Dashboard'] : []));
    if (picked === 'Open Dashboard') await vscode.commands.executeCommand('vaerec.openDashboard', record.id);
  }
}
