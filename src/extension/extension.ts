/**
 * Entry point of the extension host side. Activated on use only (a command, the Runs view or a
 * restored dashboard). TensorFlow.js is never loaded here: training runs in a child process.
 * Everything is disposed through context.subscriptions, so no deactivate() is needed.
 */
import * as vscode from 'vscode';
import { DashboardPanel } from './dashboard/dashboardPanel';
import { FollowedRuns } from './followedRuns';
import { registerInspector } from './inspector/inspectorCommands';
import type { PanelServices } from './panelHost/panelHost';
import { RunCommands, registerResumeRun } from './runCommands';
import { RUNS_VIEW_ID, RunsTreeProvider } from './runsTree';
import { RunsStore } from './runsStore';
import { registerSweepView } from './sweepView/sweepViewCommand';
import { SECTION, runsDirectory } from './settings';
import { SweepCommands } from './sweeps/sweepCommands';
import { SweepSession } from './sweeps/sweepSession';
import { SweepsStore } from './sweeps/sweepsStore';
import { TrainCommands } from './trainCommands';
import { TrainingSession } from './trainingSession';

/** What activate() returns: the integration tests inspect the live objects through it. */
export interface VaerecApi {
  runs: RunsStore;
  tree: RunsTreeProvider;
  training: TrainingSession;
  followed: FollowedRuns;
  sweeps: SweepsStore;
  sweepSession: SweepSession;
  sweepCommands: SweepCommands;
}

function setContext(key: string, value: boolean): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', key, value);
}

export function activate(context: vscode.ExtensionContext): VaerecApi {
  // The one channel everything logs to: the trainer's output, downloads, and the panels.
  const log = vscode.window.createOutputChannel('VAE Recommender Lab', { log: true });
  const panels: PanelServices = { context, log };
  const runs = new RunsStore(runsDirectory());
  const training = new TrainingSession(context, runs, log);
  const sweeps = new SweepsStore(runs.runsDir);
  const sweepSession = new SweepSession(context, sweeps, log);
  const sweepCommands = new SweepCommands(context, runs, sweeps, sweepSession);
  const tree = new RunsTreeProvider(runs, sweeps);
  // Runs trained by a process this window did not start (its own trainer before a reload, the CLI,
  // another window) get the status bar, progress, Cancel and end message of a run started here.
  const followed = new FollowedRuns(runs, (r) => r.id === training.activeRunId || (r.pid !== undefined && r.pid === training.activePid));
  const view = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: false });
  // The Runs view's welcome texts follow what the extension knows, not the view's own emptiness,
  // which the workbench reports as empty until the first children arrive: "Loading runs…" until
  // the runs directory has been read, the empty-state text only when the extension has read it and
  // found no run, and the trust text from the trust this extension sees (a workbench key may not be
  // settled yet at start-up). runsListed comes last, so the others are settled when it turns on.
  const setRunsDir = () => {
    runs.setRunsDir(runsDirectory());
    sweeps.setRunsDir(runs.runsDir);
  };
  const noRuns = () => setContext('vaerec.noRuns', runs.list().length === 0);
  void Promise.all([setContext('vaerec.trusted', vscode.workspace.isTrusted), noRuns()]).then(() => setContext('vaerec.runsListed', true));
  context.subscriptions.push(
    log,
    runs,
    training,
    followed,
    sweeps,
    sweepSession,
    tree,
    view,
    ...new TrainCommands(context, runs, training).register(),
    ...new RunCommands(panels, runs).register(),
    ...sweepCommands.register(),
    registerResumeRun(context, runs, training),
    // Loaded on first use: the HTTP and zip modules it pulls in are most of the bundle's load time.
    vscode.commands.registerCommand('vaerec.downloadMovieLens1M', async () => (await import('./downloadCommand')).downloadMovieLens1M(context, log)),
    DashboardPanel.registerSerializer(panels, runs),
    ...registerInspector(panels, runs),
    ...registerSweepView(panels, runs),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.runsDirectory`)) setRunsDir();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(setRunsDir),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void setContext('vaerec.trusted', true)),
    runs.onDidChange((change) => change.reload && void noRuns()),
    // A new run may be a sweep's first trial: the sweeps folder may have just been created.
    runs.onDidChange((change) => change.reload && sweeps.refresh()),
  );
  return { runs, tree, training, followed, sweeps, sweepSession, sweepCommands };
}
