/**
 * Sweeps this window starts: each is the bundled CLI (`vaerec sweep run FILE --json`, or `sweep
 * resume`) as a child process, the sweep's coordinator, so the extension host never loads
 * TensorFlow.js and a sweep goes on through a window reload (detached, its output in files, not
 * pipes that would break). Progress comes from the sweep record the coordinator keeps
 * (SweepsStore): a notification per sweep (trials done / total, best so far) whose Cancel stops it
 * the way `vaerec sweep stop` does, a status bar item while any sweep runs (this window's or not),
 * and a message saying how it ended.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SweepRecord } from '../../shared/sweepSchema';
import { bestConfiguration } from '../../shared/sweepSummary';
import { oneLine } from '../../shared/text';
import { trainerRuntime } from '../trainerRuntime';
import type { SweepsChange, SweepsStore } from './sweepsStore';
import { bestSoFar, formatParams, formatSweepMetric, metricLabel, trialsDone, type SweepListing } from './sweepTreeModel';

export const CLI_BUNDLE = 'dist/cli.js';
/** While a sweep of this window has no record yet, the sweeps folder is looked at this often. */
const FIND_MS = 1000;

interface ActiveSweep {
  child: ChildProcess;
  label: string;
  outFile: string;
  errFile: string;
  sweepDir?: string;
  stopRequested?: boolean;
  progress?: vscode.Progress<{ message?: string; increment?: number }>;
  trialsDone: number;
  shown?: string;
  /** Ends the progress notification. */
  end: () => void;
}

/** How a sweep of this window ended, as the user was told (what the tests check). */
export interface SweepOutcome {
  sweepDir?: string;
  /** The CLI's exit code: 0 completed, 1 every trial failed, 2 bad input, 130 stopped. */
  code: number | null;
  message: string;
}

export class SweepSession implements vscode.Disposable {
  private readonly active = new Set<ActiveSweep>();
  private readonly statusBar: vscode.StatusBarItem;
  private readonly ended = new vscode.EventEmitter<SweepOutcome>();
  readonly onDidEnd = this.ended.event;
  private readonly subscription: vscode.Disposable;
  private finder: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly sweeps: SweepsStore,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.statusBar = vscode.window.createStatusBarItem('vaerec.sweeps', vscode.StatusBarAlignment.Left, 48);
    this.statusBar.name = 'VAE Recommender Lab sweeps';
    this.subscription = sweeps.onDidChange((change) => this.onSweepsChange(change));
    this.updateStatusBar();
  }

  /** Sweep folders whose coordinator this window started and still follows. */
  get sweepDirs(): string[] {
    return [...this.active].flatMap((a) => (a.sweepDir ? [a.sweepDir] : []));
  }

  isOwn(sweepDir: string): boolean {
    return [...this.active].some((a) => a.sweepDir === path.resolve(sweepDir));
  }

  /** `vaerec sweep run FILE`: returns once the CLI has started; its end is reported by a message. */
  run(specFile: string, runsDir: string, cacheDir: string, yes: boolean): boolean {
    const name = path.basename(specFile);
    return this.launch(['sweep', 'run', specFile, '--runs-dir', runsDir, '--cache-dir', cacheDir, '--json', ...(yes ? ['--yes'] : [])], `Sweep ${name}`);
  }

  /** `vaerec sweep resume DIR`: carries on a stopped or interrupted sweep. */
  resume(listing: SweepListing, runsDir: string): boolean {
    if (this.isOwn(listing.dir)) {
      void vscode.window.showInformationMessage(`Sweep ${listing.record?.name ?? listing.id} is running in this window.`);
      return false;
    }
    return this.launch(
      ['sweep', 'resume', listing.dir, '--runs-dir', listing.record?.runsDir ?? runsDir, '--json'],
      `Sweep ${listing.record?.name ?? listing.id}`,
      listing.dir,
    );
  }

  /**
   * `vaerec sweep stop`: the coordinator cancels the running trials (their runs are kept, recorded
   * cancelled) and leaves the pending ones for Resume; with no coordinator alive, the CLI cancels
   * the trials it left. Resolves with what the CLI said.
   */
  async stop(listing: SweepListing, runsDir: string): Promise<string> {
    const own = [...this.active].find((a) => a.sweepDir === listing.dir);
    if (own) own.stopRequested = true;
    this.output.info(`Stopping sweep ${listing.id}: vaerec sweep stop ${listing.dir}`);
    const { code, stdout, stderr } = await this.cli(['sweep', 'stop', listing.dir, '--runs-dir', listing.record?.runsDir ?? runsDir]);
    const said = oneLine(stdout.trim().split('\n').at(-1) ?? '') || oneLine(stderr.trim().split('\n').at(-1) ?? '');
    if (code !== 0) throw new Error(said.replace(/^vaerec: error: /, '') || `vaerec sweep stop exited with code ${code}`);
    this.sweeps.refresh();
    return said;
  }

  /** `vaerec sweep replay DIR ...args`: what early stopping would have done with a sweep run in full (the CLI's table). */
  replay(listing: SweepListing, runsDir: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return this.cli(['sweep', 'replay', listing.dir, '--runs-dir', listing.record?.runsDir ?? runsDir, ...args]);
  }

  dispose(): void {
    // A window reload leaves the coordinators running (detached): the next window follows their record.
    if (this.finder) clearInterval(this.finder);
    this.subscription.dispose();
    this.statusBar.dispose();
    this.ended.dispose();
  }

  private cliScript(): string | undefined {
    const script = this.context.asAbsolutePath(CLI_BUNDLE);
    if (fs.existsSync(script)) return script;
    void vscode.window.showErrorMessage(`The CLI bundle ${CLI_BUNDLE} is missing from the extension; run "npm run build".`);
    return undefined;
  }

  private launch(args: string[], label: string, sweepDir?: string): boolean {
    const script = this.cliScript();
    if (!script) return false;
    const { nodePath, env } = trainerRuntime();
    const logs = path.join(this.context.logUri.fsPath, 'sweeps');
    fs.mkdirSync(logs, { recursive: true });
    const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const outFile = path.join(logs, `${stamp}.out`);
    const errFile = path.join(logs, `${stamp}.err`);
    const out = fs.openSync(outFile, 'w');
    const err = fs.openSync(errFile, 'w');
    this.output.info(`Starting ${nodePath} ${script} ${args.join(' ')}`);
    let child: ChildProcess;
    try {
      // Its own process group, like the trainers: closing the window does not signal it.
      child = spawn(nodePath, [script, ...args], { detached: true, stdio: ['ignore', out, err], env: { ...process.env, ...env } });
    } finally {
      fs.closeSync(out);
      fs.closeSync(err);
    }
    let end: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const a: ActiveSweep = { child, label, outFile, errFile, sweepDir, trialsDone: 0, end: () => end() };
    this.active.add(a);
    // A Node that cannot be started (a wrong vaerec.nodePath) reports an error and no exit.
    child.on('error', (e) => {
      this.output.error(`${label}: ${e.message}`);
      this.finish(a, null, e.message);
    });
    child.on('exit', (code, signal) => this.finish(a, signal ? null : code));
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: label, cancellable: true }, (progress, token) => {
      a.progress = progress;
      progress.report({ message: 'starting…' });
      token.onCancellationRequested(() => void this.cancel(a));
      return ended;
    });
    this.findRecords();
    this.updateStatusBar();
    return true;
  }

  private async cancel(a: ActiveSweep): Promise<void> {
    if (!a.sweepDir) {
      // Still checking its file: nothing was started, the CLI only has to end.
      a.stopRequested = true;
      a.child.kill('SIGTERM');
      return;
    }
    const listing = this.sweeps.byDir(a.sweepDir);
    if (!listing) return;
    try {
      await this.stop(listing, listing.record?.runsDir ?? '');
    } catch (err) {
      void vscode.window.showErrorMessage(`Cannot stop sweep ${listing.id}: ${(err as Error).message}`);
    }
  }

  /** Runs the CLI to its end (sweep stop), collecting its output. */
  private cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const script = this.cliScript();
    if (!script) return Promise.resolve({ code: 1, stdout: '', stderr: `${CLI_BUNDLE} is missing` });
    const { nodePath, env } = trainerRuntime();
    return new Promise((resolve) => {
      execFile(nodePath, [script, ...args], { env: { ...process.env, ...env }, timeout: 240_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** A sweep this window started is found by its coordinator's pid in the record. */
  private findRecords(): void {
    const waiting = [...this.active].filter((a) => !a.sweepDir);
    if (waiting.length > 0) {
      this.sweeps.refresh();
      for (const a of waiting) {
        const found = this.sweeps.list().find((s) => s.record?.coordinator?.pid === a.child.pid);
        if (found) a.sweepDir = found.dir;
      }
    }
    const still = [...this.active].some((a) => !a.sweepDir);
    if (still && !this.finder) this.finder = setInterval(() => this.findRecords(), FIND_MS);
    if (!still && this.finder) {
      clearInterval(this.finder);
      this.finder = undefined;
    }
    for (const a of this.active) this.showProgress(a);
  }

  private onSweepsChange(_change: SweepsChange): void {
    this.findRecords();
    this.updateStatusBar();
  }

  private showProgress(a: ActiveSweep): void {
    const listing = a.sweepDir ? this.sweeps.byDir(a.sweepDir) : undefined;
    const r = listing?.record;
    if (!r || !a.progress) return;
    const text = progressLine(r);
    if (text === a.shown) return;
    const done = trialsDone(r).done;
    a.progress.report({ message: text, increment: r.trials.length > 0 ? (100 * Math.max(0, done - a.trialsDone)) / r.trials.length : 0 });
    a.trialsDone = done;
    a.shown = text;
  }

  private updateStatusBar(): void {
    const running = this.sweeps.list().filter((s) => s.status === 'running' && s.record);
    const starting = [...this.active].filter((a) => !a.sweepDir).length;
    if (running.length === 0 && starting === 0) {
      this.statusBar.hide();
      return;
    }
    if (running.length === 1 && starting === 0) {
      const s = running[0];
      this.statusBar.text = `$(sync~spin) Sweep ${s.record?.name}: ${progressLine(s.record as SweepRecord)}`;
      this.statusBar.tooltip = `Sweep ${s.id} is running: click to open its sweep view`;
      this.statusBar.command = { title: 'Open Sweep View', command: 'vaerec.showSweep', arguments: [{ sweepDir: s.dir }] };
    } else {
      const trials = running.reduce((n, s) => n + (s.record?.trials.length ?? 0), 0);
      const done = running.reduce((n, s) => n + (s.record ? trialsDone(s.record).done : 0), 0);
      const count = running.length + starting;
      this.statusBar.text = `$(sync~spin) ${count} sweep${count > 1 ? 's' : ''}: ${done}/${trials} trials`;
      this.statusBar.tooltip = 'Sweeps running: click to show them in the Runs view';
      this.statusBar.command = { title: 'Show Runs', command: 'vaerec.runs.focus' };
    }
    this.statusBar.show();
  }

  private finish(a: ActiveSweep, code: number | null, spawnError?: string): void {
    if (!this.active.delete(a)) return;
    a.end();
    this.sweeps.refresh();
    this.updateStatusBar();
    const stderr = readQuietly(a.errFile) + (spawnError ? `\n${spawnError}` : '');
    const stdout = readQuietly(a.outFile);
    for (const f of [a.outFile, a.errFile]) fs.rmSync(f, { force: true });
    for (const line of stderr.trim().split('\n').filter(Boolean)) this.output.info(`${a.label}: ${line}`);
    const record = a.sweepDir ? this.sweeps.byDir(a.sweepDir)?.record : undefined;
    const { level, message, actions } = endingMessage(a, code, record, stdout, stderr);
    this.output[level === 'error' ? 'error' : 'info'](message);
    this.ended.fire({ sweepDir: a.sweepDir, code, message });
    const show =
      level === 'error' ? vscode.window.showErrorMessage : level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(message, ...actions).then((picked) => {
      if (!picked || !a.sweepDir) return picked === 'Show Log' ? this.output.show(true) : undefined;
      if (picked === 'Open Sweep View') void vscode.commands.executeCommand('vaerec.showSweep', { sweepDir: a.sweepDir });
      else if (picked === 'Open Best in Dashboard' && record) {
        const best = bestConfiguration(record);
        if (best?.runId) void vscode.commands.executeCommand('vaerec.openDashboard', best.runId);
      } else if (picked === 'Resume') void vscode.commands.executeCommand('vaerec.resumeSweep', { sweepDir: a.sweepDir });
      else if (picked === 'Show Log') this.output.show(true);
    });
  }
}

function readQuietly(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** "5/16 trials · best val NDCG@100 0.3049 (trial 3)". */
export function progressLine(r: SweepRecord): string {
  const p = trialsDone(r);
  const best = bestSoFar(r);
  const parts = [`${p.done}/${p.total} trials`];
  if (p.running > 0) parts.push(`${p.running} running`);
  if (best) parts.push(`best ${metricLabel(r.spec.metric.name)} ${formatSweepMetric(best.metric)} (trial ${best.index}${best.final ? '' : ', so far'})`);
  return parts.join(' · ');
}

/** What the end of a sweep of this window says, from its exit code and its record. */
export function endingMessage(
  a: { label: string; stopRequested?: boolean },
  code: number | null,
  record: SweepRecord | undefined,
  stdout: string,
  stderr: string,
): { level: 'info' | 'warning' | 'error'; message: string; actions: string[] } {
  const name = record ? `Sweep ${record.name}` : a.label;
  const errorLine = stderr
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('vaerec: error: '));
  if (code === 2 || (!record && errorLine)) {
    const reason = (errorLine ?? stderr.trim().split('\n').at(-1) ?? '').replace(/^vaerec: error: /, '');
    return { level: 'error', message: oneLine(`${name} did not start: ${reason || `the CLI exited with code ${code}`}`), actions: ['Show Log'] };
  }
  if (!record) {
    if (a.stopRequested) return { level: 'info', message: `${name} was stopped before it started.`, actions: [] };
    const tail = stderr.trim().split('\n').at(-1) ?? '';
    return {
      level: 'error',
      message: oneLine(`${name} ended unexpectedly (exit code ${code ?? 'signal'}): ${tail || stdout.trim() || 'no output'}`),
      actions: ['Show Log'],
    };
  }
  const count = (state: string) => record.trials.filter((t) => t.state === state).length;
  if (code === 130 || record.status === 'stopped') {
    const cancelled = count('cancelled');
    const pending = count('pending');
    return {
      level: 'info',
      message: `${name} stopped: ${cancelled} running trial${cancelled === 1 ? ' was' : 's were'} cancelled (their runs are kept, recorded as cancelled) and ${pending} pending trial${pending === 1 ? ' was' : 's were'} not started; Resume trains them.`,
      actions: ['Resume'],
    };
  }
  const best = bestConfiguration(record);
  if (code === 0 && best) {
    const test = best.test?.mean['ndcg@100'];
    const parts = [
      `${name} completed: ${record.trials.length} trials (${count('completed')} completed, ${count('stopped')} stopped early, ${count('failed')} failed)`,
      `best trial ${best.index} (${formatParams(best.params) || 'base configuration'}): ${metricLabel(record.spec.metric.name)} ${formatSweepMetric(best.metric)}${test !== undefined ? `, test NDCG@100 ${formatSweepMetric(test)}` : ''}`,
    ];
    return { level: 'info', message: oneLine(`${parts.join('; ')}.`), actions: ['Open Sweep View', ...(best.runId ? ['Open Best in Dashboard'] : [])] };
  }
  const firstError = record.trials.find((t) => t.error)?.error;
  return {
    level: 'error',
    message: oneLine(
      `${name} ${record.status}: no trial completed${firstError ? ` (trial ${record.trials.find((t) => t.error)?.index}: ${firstError})` : ''}.`,
    ),
    actions: ['Open Sweep View', 'Show Log'],
  };
}
