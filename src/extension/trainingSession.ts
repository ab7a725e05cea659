/**
 * The one training run a window may have at a time: starts the trainer child process, shows its
 * progress (notification, status bar, output channel) and reports how it ended. Its metrics reach
 * the dashboard through the run's metrics.jsonl, like any other run's. TensorFlow.js is loaded only
 * in the child.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { modelLabel } from '../shared/modelKinds';
import type { RunStatus, TrainConfig } from '../shared/runSchema';
import { oneLine } from '../shared/text';
import type { TrainerToParent } from '../shared/trainerMessages';
import type { TrainerExit, TrainerHandle } from '../trainer/process/client';
import { startTrainer } from '../trainer/process/client';
import { formatMetric, progressText, type TrainingProgress } from './runPresentation';
import type { RunsStore } from './runsStore';
import { trainerLogLine } from './trainerLog';
import { trainerRuntime } from './trainerRuntime';

export const TRAINER_BUNDLE = 'dist/trainer.js';
/** Lines of the trainer's stderr quoted in a crash message (the output channel has them all). */
const CRASH_TAIL_LINES = 4;

interface ActiveRun {
  handle: TrainerHandle;
  config: TrainConfig;
  runId?: string;
  done?: Extract<TrainerToParent, { type: 'done' }>;
  error?: string;
  /** The config field the error is about, if it is a configuration mistake. */
  errorField?: string;
  whereToChange?: (field: string) => string;
  /** The user asked to stop: an exit without a `done` message is then no crash. */
  stopRequested?: boolean;
  progress?: vscode.Progress<{ message?: string; increment?: number }>;
  shown: TrainingProgress;
}

/** How a run this window started ended, as the user was told: what the integration tests check. */
export interface TrainingOutcome {
  runId?: string;
  /** The recorded status, or undefined when the trainer ended without reporting one. */
  status?: RunStatus;
  /** The notification shown. */
  message: string;
}

export interface TrainStart {
  /** The new run's configuration, or the resumed run's own (for what the window shows). */
  config: TrainConfig;
  cacheDir: string;
  name?: string;
  /** Continue this run from its last saved epoch instead of starting one (the trainer's resume request). */
  resumeRunDir?: string;
  /** Where the user changes a config field the trainer's error names (a setting, Rerun with Changes). */
  whereToChange?: (field: string) => string;
}

export class TrainingSession implements vscode.Disposable {
  private current: ActiveRun | undefined;
  private readonly statusBar: vscode.StatusBarItem;
  private readonly ended = new vscode.EventEmitter<TrainingOutcome>();
  readonly onDidEnd = this.ended.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: RunsStore,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.statusBar = vscode.window.createStatusBarItem('vaerec.training', vscode.StatusBarAlignment.Left, 50);
    this.statusBar.name = 'VAE Recommender Lab training';
  }

  /** The id of the run this window trains, once the trainer has announced it. */
  get activeRunId(): string | undefined {
    return this.current?.runId;
  }

  /** The pid of this window's trainer process (run.json records it before the trainer announces the run). */
  get activePid(): number | undefined {
    return this.current?.handle.pid;
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /**
   * One run at a time per window: while one trains, refuses at once and offers to stop it (the
   * answer is handled whenever the user gives it; the caller does not wait for it). A modal
   * question, not a notification: a notification with a Stop button would stay on screen after the
   * run has ended; the answer only stops the run it was asked about.
   */
  ensureIdle(): boolean {
    const run = this.current;
    if (!run) return true;
    const name = run.runId ?? modelLabel(run.config.model);
    void vscode.window
      .showWarningMessage(
        `A training run (${name}) is already in progress in this window; runs are trained one at a time.`,
        { modal: true, detail: `${progressText(run.shown)}. Stopping it records it as cancelled; its metrics so far are kept.` },
        'Stop Current Run',
      )
      .then((choice) => choice === 'Stop Current Run' && this.current === run && this.stop());
    return false;
  }

  /**
   * Starts the trainer and returns as soon as it runs; the promise resolves with the run id when the
   * trainer announces it (undefined if it could not start). The run's end is reported by messages.
   */
  async start(request: TrainStart): Promise<string | undefined> {
    if (!this.ensureIdle()) return undefined;
    const trainerScript = this.context.asAbsolutePath(TRAINER_BUNDLE);
    if (!fs.existsSync(trainerScript)) {
      void vscode.window.showErrorMessage(`The trainer bundle ${TRAINER_BUNDLE} is missing from the extension; run "npm run build".`);
      return undefined;
    }
    const { nodePath, env } = trainerRuntime();
    const { config } = request;
    this.output.info(
      request.resumeRunDir
        ? `Resuming ${modelLabel(config.model)} run ${request.resumeRunDir} (${nodePath} ${trainerScript})`
        : `Starting ${modelLabel(config.model)} on ${config.data.source} (${nodePath} ${trainerScript}); runs in ${this.store.runsDir}`,
    );
    let announce: (runId: string | undefined) => void = () => undefined;
    const runId = new Promise<string | undefined>((resolve) => (announce = resolve));
    const handle = startTrainer({
      trainerScript,
      nodePath,
      env,
      request: request.resumeRunDir
        ? { type: 'resume', runDir: request.resumeRunDir, cacheDir: request.cacheDir }
        : { type: 'start', config, runsDir: this.store.runsDir, cacheDir: request.cacheDir, name: request.name },
      onMessage: (m) => {
        if (m.type === 'started') announce(m.runId);
        this.onMessage(run, m);
      },
      onStderr: (line) => this.output.warn(`Trainer stderr: ${line}`),
      detached: true,
    });
    const run: ActiveRun = { handle, config, whereToChange: request.whereToChange, shown: { model: config.model, epoch: 0, epochs: config.epochs } };
    this.current = run;
    this.showStatus(run);
    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `${request.resumeRunDir ? 'Resuming' : 'Training'} ${modelLabel(config.model)}`,
        cancellable: true,
      },
      (progress, token) => {
        run.progress = progress;
        token.onCancellationRequested(() => this.stop());
        return handle.exited;
      },
    );
    void handle.exited.then((exit) => {
      announce(undefined);
      this.finish(run, exit);
    });
    return runId;
  }

  /**
   * Asks the trainer to stop at the next batch (it then tests the best weights and records the run
   * as cancelled, however long that takes); asked again, it is killed at once.
   */
  stop(): void {
    const run = this.current;
    if (!run) return;
    if (run.stopRequested) {
      this.output.warn('Stop requested again: the trainer is killed; the run will read as interrupted.');
      run.handle.kill();
      return;
    }
    this.output.info('Stop requested: the trainer finishes its current batch and records the run as cancelled (Stop again to kill it).');
    run.stopRequested = true;
    run.handle.cancel();
  }

  dispose(): void {
    // A window reload leaves the trainer running: it keeps writing its run directory, which the
    // next window lists. Only an explicit stop cancels a run.
    this.statusBar.dispose();
    this.ended.dispose();
  }

  private onMessage(run: ActiveRun, m: TrainerToParent): void {
    const line = trainerLogLine(m, run.config.model);
    if (line) this.output[line.level](line.text);
    switch (m.type) {
      case 'started':
        run.runId = m.runId;
        this.store.refresh();
        this.showStatus(run);
        break;
      case 'phase':
        run.progress?.report({ message: m.message });
        run.shown = { ...run.shown, phase: m.message };
        this.showStatus(run);
        break;
      case 'progress':
        run.shown = { model: run.config.model, epoch: m.epoch, epochs: m.epochs, loss: m.loss, etaSeconds: m.etaSeconds };
        this.showStatus(run);
        break;
      case 'epoch': {
        const val = m['val_ndcg@100'] !== undefined ? ` · val NDCG@100 ${formatMetric(m['val_ndcg@100'])}` : '';
        run.progress?.report({ increment: 100 / Math.max(1, m.epochs), message: `epoch ${m.epoch}/${m.epochs}${val}` });
        break;
      }
      case 'done':
        run.done = m;
        break;
      case 'error':
        run.error = m.message;
        run.errorField = m.field;
        break;
      default:
        break;
    }
  }

  private showStatus(run: ActiveRun): void {
    this.statusBar.text = `$(sync~spin) ${progressText(run.shown)}`;
    this.statusBar.tooltip = 'Training in progress: click to open the dashboard';
    this.statusBar.command = { title: 'Open Dashboard', command: 'vaerec.openDashboard', arguments: run.runId ? [run.runId] : [] };
    this.statusBar.show();
  }

  private finish(run: ActiveRun, exit: TrainerExit): void {
    if (this.current === run) this.current = undefined;
    this.statusBar.hide();
    if (exit.code !== 0 || exit.signal) this.output.warn(`Trainer exited (code ${exit.code ?? '-'}, signal ${exit.signal ?? '-'})`);
    const name = modelLabel(run.config.model);
    const done = run.done;
    const tell = (outcome: Omit<TrainingOutcome, 'runId'>, shown: Thenable<string | undefined>) => {
      this.ended.fire({ runId: run.runId, ...outcome });
      void this.offer(shown, run.runId);
    };
    // A configuration mistake found once the data was read (too few users for the held-out sets...)
    // says where to change it, in the terms of this window: a setting, not a CLI flag.
    const where = run.error && run.errorField && run.whereToChange ? ` (change ${run.whereToChange(run.errorField)})` : '';
    if (!done && run.stopRequested) {
      const message = `The ${name} trainer was stopped before it recorded a result.`;
      tell({ message }, vscode.window.showInformationMessage(message));
      return;
    }
    if (!done) {
      const tail = exit.stderrTail.trim().split('\n').slice(-CRASH_TAIL_LINES).join(' | ');
      const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
      const message = oneLine(`The ${name} trainer stopped unexpectedly (${how}): ${run.error ? `${run.error}${where}` : tail || 'no output on stderr'}`);
      tell({ message }, vscode.window.showErrorMessage(message, 'Show Log'));
      return;
    }
    const { status } = done;
    if (status === 'completed') {
      const test = done.test ? `: test NDCG@100 ${formatMetric(done.test['ndcg@100'])}` : '';
      const message = `${name} run ${done.runId} completed${test}.`;
      tell({ status, message }, vscode.window.showInformationMessage(message, 'Open Dashboard'));
    } else if (status === 'cancelled') {
      const message = done.runId
        ? `${name} run ${done.runId} was cancelled; its metrics so far are kept.`
        : `${name} training was cancelled before its run was created.`;
      tell({ status, message }, vscode.window.showInformationMessage(message));
    } else {
      // A refused dataset never became a run: the reason is the whole story.
      const what = done.runId ? `${name} run ${done.runId} ${status}` : `Cannot train ${name}`;
      const message = oneLine(`${what}: ${run.error ? `${run.error}${where}` : 'see the log'}`);
      tell({ status, message }, vscode.window.showErrorMessage(message, 'Show Log'));
    }
  }

  private async offer(choice: Thenable<string | undefined>, runId: string | undefined): Promise<void> {
    const picked = await choice;
    if (picked === 'Show Log') this.output.show(true);
    if (picked === 'Open Dashboard' && runId) await vscode.commands.executeCommand('vaerec.openDashboard', runId);
  }
}
