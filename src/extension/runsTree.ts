/**
 * The Runs view: every run in the runs directory (this window's, the CLI's, other windows'), damaged
 * ones included, and every sweep with its trials under it (a trial's run is not repeated at the top
 * level). Runs are their run ids, so run menus receive the id of the clicked run, a trial's too;
 * a sweep is a SweepNode, whose `sweepDir` is what vaerec.openSweepView takes.
 */
import * as vscode from 'vscode';
import type { RunState } from './runPresentation';
import { STATE_ICONS, runContextValue, runDescription, runLabel, runState, runTooltipMarkdown } from './runPresentation';
import type { RunsSource } from './runsSource';
import type { SweepsSource } from './sweeps/sweepsStore';
import type { SweepTreeModel } from './sweeps/sweepTreeModel';
import {
  SWEEP_ICONS,
  TRIAL_ICONS,
  buildSweepTreeModel,
  sweepContextValue,
  sweepDescription,
  sweepLabel,
  sweepTooltipMarkdown,
  trialView,
} from './sweeps/sweepTreeModel';

export const RUNS_VIEW_ID = 'vaerec.runs';

const STATE_COLOURS: Partial<Record<RunState, string>> = {
  completed: 'testing.iconPassed',
  failed: 'testing.iconFailed',
  damaged: 'list.warningForeground',
};

export interface SweepNode {
  kind: 'sweep';
  sweepId: string;
  sweepDir: string;
}

/** A trial that has no run (yet): pending, skipped, or one whose run folder is gone. */
export interface TrialNode {
  kind: 'trial';
  sweepId: string;
  sweepDir: string;
  index: number;
}

export type RunsTreeElement = string | SweepNode | TrialNode;

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeElement>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsTreeElement | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[];
  private cached: SweepTreeModel | undefined;
  /** The tree identifies a non-string element by the object itself: one object per sweep and per run-less trial. */
  private readonly sweepNodes = new Map<string, SweepNode>();
  private readonly trialNodes = new Map<string, TrialNode>();

  constructor(
    private readonly source: RunsSource,
    private readonly sweeps?: SweepsSource,
  ) {
    this.subscriptions = [
      source.onDidChange((change) => {
        if (!change.reload && change.runIds.length === 0) return;
        this.cached = undefined;
        if (change.reload) this.emitter.fire(undefined);
        else for (const id of change.runIds) this.emitter.fire(id);
      }),
    ];
    if (sweeps)
      this.subscriptions.push(
        sweeps.onDidChange((change) => {
          this.cached = undefined;
          if (change.reload) this.emitter.fire(undefined);
          else for (const id of change.sweepIds) this.emitter.fire(this.sweepNode(id));
        }),
      );
  }

  /** Which runs go where: worked out again after any change. */
  model(): SweepTreeModel {
    this.cached ??= buildSweepTreeModel(this.source.list(), this.sweeps?.list() ?? []);
    return this.cached;
  }

  getChildren(element?: RunsTreeElement): RunsTreeElement[] {
    const model = this.model();
    if (element === undefined) return model.top.map((n) => (n.kind === 'run' ? n.runId : this.sweepNode(n.sweepId)));
    if (typeof element === 'string' || element.kind !== 'sweep') return [];
    return (model.children.get(element.sweepId) ?? []).map((c) => (c.kind === 'run' ? c.runId : this.trialNode(element.sweepId, c.index)));
  }

  getParent(element: RunsTreeElement): RunsTreeElement | undefined {
    if (typeof element !== 'string') return element.kind === 'trial' ? this.sweepNode(element.sweepId) : undefined;
    const trial = this.model().trialOfRun.get(element);
    return trial ? this.sweepNode(trial.sweepId) : undefined;
  }

  getTreeItem(element: RunsTreeElement): vscode.TreeItem {
    if (typeof element !== 'string') return element.kind === 'sweep' ? this.sweepItem(element) : this.trialItem(element.sweepId, element.index);
    const trial = this.model().trialOfRun.get(element);
    if (trial) return this.trialItem(trial.sweepId, trial.index, element, trial.earlier);
    return this.runItem(element);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }

  private sweepNode(sweepId: string): SweepNode {
    const dir = this.sweeps?.get(sweepId)?.dir ?? '';
    let node = this.sweepNodes.get(sweepId);
    if (!node || node.sweepDir !== dir) {
      node = { kind: 'sweep', sweepId, sweepDir: dir };
      this.sweepNodes.set(sweepId, node);
    }
    return node;
  }

  private trialNode(sweepId: string, index: number): TrialNode {
    const key = `${sweepId}#${index}`;
    let node = this.trialNodes.get(key);
    if (!node) {
      node = { kind: 'trial', sweepId, sweepDir: this.sweepNode(sweepId).sweepDir, index };
      this.trialNodes.set(key, node);
    }
    return node;
  }

  private runItem(id: string): vscode.TreeItem {
    const entry = this.source.get(id);
    const item = new vscode.TreeItem(entry ? runLabel(entry) : id, vscode.TreeItemCollapsibleState.None);
    item.id = id;
    if (!entry) return item;
    const state = runState(entry);
    const colour = STATE_COLOURS[state];
    item.iconPath = new vscode.ThemeIcon(STATE_ICONS[state], colour ? new vscode.ThemeColor(colour) : undefined);
    item.description = runDescription(entry);
    item.tooltip = new vscode.MarkdownString(runTooltipMarkdown(entry));
    item.contextValue = runContextValue(entry);
    item.accessibilityInformation = { label: `${runLabel(entry)}, ${state}, ${runDescription(entry)}` };
    if (entry.ok) item.command = { title: 'Open in Dashboard', command: 'vaerec.openDashboard', arguments: [id] };
    return item;
  }

  private sweepItem(node: SweepNode): vscode.TreeItem {
    const listing = this.sweeps?.get(node.sweepId);
    const item = new vscode.TreeItem(listing ? sweepLabel(listing) : node.sweepId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `sweep:${node.sweepId}`;
    if (!listing) return item;
    const colour =
      listing.status === 'completed'
        ? 'testing.iconPassed'
        : listing.status === 'failed'
          ? 'testing.iconFailed'
          : listing.status === 'damaged'
            ? 'list.warningForeground'
            : undefined;
    item.iconPath = new vscode.ThemeIcon(SWEEP_ICONS[listing.status], colour ? new vscode.ThemeColor(colour) : undefined);
    item.description = sweepDescription(listing);
    item.tooltip = new vscode.MarkdownString(sweepTooltipMarkdown(listing));
    item.contextValue = sweepContextValue(listing);
    item.accessibilityInformation = { label: `${sweepLabel(listing)}, sweep ${listing.status}, ${item.description}` };
    if (listing.record) item.command = { title: 'Open Sweep View', command: 'vaerec.showSweep', arguments: [{ sweepDir: listing.dir }] };
    return item;
  }

  /** A trial under its sweep: as its run (`runId`, so the run menus apply) or, without one, as itself. */
  private trialItem(sweepId: string, index: number, runId?: string, earlier = false): vscode.TreeItem {
    const listing = this.sweeps?.get(sweepId);
    const entry = runId ? this.source.get(runId) : undefined;
    if (!listing) return runId ? this.runItem(runId) : new vscode.TreeItem(`trial ${index}`);
    const view = trialView(listing, index, entry, earlier);
    const item = new vscode.TreeItem(view.label, vscode.TreeItemCollapsibleState.None);
    item.id = runId ?? `sweep:${sweepId}#${index}`;
    const colour = view.best ? 'charts.yellow' : STATE_COLOURS[view.state as RunState];
    item.iconPath = new vscode.ThemeIcon(view.best ? 'star-full' : TRIAL_ICONS[view.state], colour ? new vscode.ThemeColor(colour) : undefined);
    item.description = view.description;
    item.tooltip = new vscode.MarkdownString(view.tooltip);
    item.accessibilityInformation = { label: `${view.label}, ${view.state}, ${view.description}` };
    if (entry) {
      item.contextValue = runContextValue(entry);
      if (entry.ok) item.command = { title: 'Open in Dashboard', command: 'vaerec.openDashboard', arguments: [entry.record.id] };
    } else item.contextValue = `trial ${view.state}`;
    return item;
  }
}
