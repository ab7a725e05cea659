/**
 * The Runs view: every run in the runs directory (this window's, the CLI's, other windows'), damaged
 * ones included. Elements are run ids, so menu commands receive the id of the clicked run.
 */
import * as vscode from 'vscode';
import type { RunState } from './runPresentation';
import { STATE_ICONS, runContextValue, runDescription, runId, runLabel, runState, runTooltipMarkdown } from './runPresentation';
import type { RunsSource } from './runsSource';

export const RUNS_VIEW_ID = 'vaerec.runs';

const STATE_COLOURS: Partial<Record<RunState, string>> = {
  completed: 'testing.iconPassed',
  failed: 'testing.iconFailed',
  damaged: 'list.warningForeground',
};

export class RunsTreeProvider implements vscode.TreeDataProvider<string>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<string | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly source: RunsSource) {
    this.subscription = source.onDidChange((change) => {
      if (change.reload) this.emitter.fire(undefined);
      else for (const id of change.runIds) this.emitter.fire(id);
    });
  }

  getChildren(element?: string): string[] {
    return element === undefined ? this.source.list().map(runId) : [];
  }

  getTreeItem(id: string): vscode.TreeItem {
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

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
