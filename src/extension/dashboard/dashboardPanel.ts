/**
 * The single dashboard webview panel. State lives here, in the host: the webview announces `ready`
 * and gets the full state, then throttled `runs` / `append` updates. The webview is recreated
 * whenever the panel is hidden and shown again (no retained context), so every `ready` resends all.
 */
import * as vscode from 'vscode';
import { parseDashboardRequest, type DashboardRequest, type DashboardRun, type DashboardUpdate } from '../../shared/dashboardMessages';
import { isRecord, isValidRunId, type MetricsLine, type RunEntry } from '../../shared/runSchema';
import type { RunsChange, RunsSource } from '../runsSource';
import { pageParts, webviewBundles } from '../webviewPage';
import { renderDashboardHtml } from './dashboardHtml';
import { defaultExportFileName, formatRunsCsv, formatRunsJson, type ExportedRun } from './exportFormat';
import { assignColours, type ColourMap } from './runColours';
import { defaultSelection, sanitizeSelection } from './selection';
import { UpdateBatcher, type PendingUpdates } from './updateBatcher';

const COLOURS_KEY = 'vaerec.dashboard.runColours';

/** Run actions in the table are forwarded to the commands that own them. */
const RUN_COMMANDS = {
  openRunFolder: 'vaerec.revealRunFolder',
  stopRun: 'vaerec.stopTraining',
  inspectRun: 'vaerec.inspectRecommendations',
} as const;

function runIdOf(entry: RunEntry): string {
  return entry.ok ? entry.record.id : entry.id;
}

/** The webview persists `{ selected, ...view settings }` with setState; restoring trusts only valid ids. */
function selectionFromWebviewState(state: unknown): string[] | undefined {
  if (!isRecord(state) || !Array.isArray(state.selected)) return undefined;
  return state.selected.filter(isValidRunId);
}

function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [webviewBundles(context.extensionUri), vscode.Uri.joinPath(context.extensionUri, 'media')],
  };
}

export class DashboardPanel {
  static readonly viewType = 'vaerec.dashboard';
  private static current: DashboardPanel | undefined;
  private static logChannel: vscode.LogOutputChannel | undefined;

  private selected: string[];
  /** True between the webview's `ready` and it being torn down (hidden or disposed). */
  private ready = false;
  private disposed = false;
  private readonly batcher = new UpdateBatcher((batch) => this.flush(batch));
  private readonly disposables: vscode.Disposable[] = [];

  /** Shows the dashboard (creating it if needed); with `selectRunIds`, overlays exactly those runs. */
  static createOrShow(context: vscode.ExtensionContext, source: RunsSource, selectRunIds?: readonly string[]): DashboardPanel {
    const existing = DashboardPanel.current;
    if (existing) {
      existing.panel.reveal();
      if (selectRunIds) existing.setSelection(selectRunIds, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, 'VAE Dashboard', vscode.ViewColumn.Active, {
      ...webviewOptions(context),
      retainContextWhenHidden: false,
    });
    return new DashboardPanel(panel, context, source, selectRunIds);
  }

  /** Restores the dashboard after a window reload with the selection the webview had saved. */
  static registerSerializer(context: vscode.ExtensionContext, source: RunsSource): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(DashboardPanel.viewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        if (DashboardPanel.current) {
          // A dashboard was opened before the restore arrived: keep the single panel.
          panel.dispose();
          return;
        }
        panel.webview.options = webviewOptions(context);
        new DashboardPanel(panel, context, source, selectionFromWebviewState(state));
      },
    });
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly source: RunsSource,
    initialSelection: readonly string[] | undefined,
  ) {
    DashboardPanel.current = this;
    this.selected = initialSelection ? sanitizeSelection(initialSelection, (id) => source.get(id)) : defaultSelection(source.list());
    panel.webview.html = this.html();
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.onDidChangeViewState(
      () => {
        // Hidden without retained context: the page is gone and will announce `ready` again.
        if (!panel.visible) this.setNotReady();
      },
      null,
      this.disposables,
    );
    panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), null, this.disposables);
    this.disposables.push(
      source.onDidChange((change) => this.onRunsChange(change)),
      this.batcher,
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    this.ready = false;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private get log(): vscode.LogOutputChannel {
    if (!DashboardPanel.logChannel) {
      DashboardPanel.logChannel = vscode.window.createOutputChannel('VAE Recommender Lab: Dashboard', { log: true });
      this.context.subscriptions.push(DashboardPanel.logChannel);
    }
    return DashboardPanel.logChannel;
  }

  private html(): string {
    return renderDashboardHtml(pageParts(this.panel.webview, this.context.extensionUri, 'dashboard'));
  }

  private post(message: DashboardUpdate): void {
    void this.panel.webview.postMessage(message);
  }

  private setNotReady(): void {
    this.ready = false;
    this.batcher.clear();
  }

  private dashboardRuns(): DashboardRun[] {
    const entries = this.source.list();
    const stored = this.context.workspaceState.get<ColourMap>(COLOURS_KEY, {});
    const { colours, remembered, changed } = assignColours(entries.map(runIdOf), isRecord(stored) ? stored : {});
    if (changed) {
      this.context.workspaceState.update(COLOURS_KEY, remembered).then(undefined, (e: unknown) => this.log.warn(`could not save run colours: ${String(e)}`));
    }
    return entries.map((entry) => ({ entry, colour: colours[runIdOf(entry)] }));
  }

  private seriesOf(runIds: readonly string[]): Record<string, MetricsLine[]> {
    const series: Record<string, MetricsLine[]> = {};
    for (const id of runIds) {
      series[id] = this.source.metrics(id);
      this.batcher.forget(id);
    }
    return series;
  }

  private sendState(): void {
    this.batcher.clear();
    const runs = this.dashboardRuns();
    this.selected = sanitizeSelection(this.selected, (id) => this.source.get(id));
    this.post({ type: 'state', runs, selected: [...this.selected], series: this.seriesOf(this.selected) });
  }

  /**
   * Sets the overlaid runs (unknown and damaged ids are dropped) and sends the series of newly
   * selected ones. `announce` also tells the webview the selection, which it needs when the change
   * did not come from it, or when the host dropped some of the ids it asked for.
   */
  private setSelection(runIds: readonly string[], announce: boolean): void {
    const next = sanitizeSelection(runIds, (id) => this.source.get(id));
    const added = next.filter((id) => !this.selected.includes(id));
    this.selected = next;
    if (!this.ready) return;
    if (announce || next.length !== runIds.length) this.post({ type: 'select', selected: [...next] });
    if (added.length > 0) this.post({ type: 'series', series: this.seriesOf(added) });
  }

  private onRunsChange(change: RunsChange): void {
    if (!this.ready) return;
    // Records changed (an empty list means "reload everything"); appends alone leave the table as is.
    if (change.runIds.length > 0 || Object.keys(change.appended).length === 0) this.batcher.markRunsChanged();
    for (const [runId, lines] of Object.entries(change.appended)) {
      if (this.selected.includes(runId)) this.batcher.append(runId, lines);
    }
  }

  /** Posts one throttled batch; returns how many messages went out (the batcher paces by that). */
  private flush(batch: PendingUpdates): number {
    if (!this.ready) return 0;
    let sent = 0;
    if (batch.runsChanged) {
      this.post({ type: 'runs', runs: this.dashboardRuns() });
      sent++;
      const stillThere = sanitizeSelection(this.selected, (id) => this.source.get(id));
      if (stillThere.length !== this.selected.length) {
        this.selected = stillThere;
        this.post({ type: 'select', selected: [...stillThere] });
        sent++;
      }
    }
    for (const [runId, lines] of batch.appended) {
      if (!this.selected.includes(runId)) continue;
      this.post({ type: 'append', runId, lines });
      sent++;
    }
    return sent;
  }

  private onMessage(raw: unknown): void {
    const parsed = parseDashboardRequest(raw);
    if (!parsed.ok) {
      this.log.warn(`dropped an invalid dashboard message: ${parsed.reason}`);
      return;
    }
    this.handle(parsed.request).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      this.log.error(`dashboard ${parsed.request.type} failed: ${message}`);
      void vscode.window.showErrorMessage(`Dashboard: ${message}`);
    });
  }

  private async handle(request: DashboardRequest): Promise<void> {
    switch (request.type) {
      case 'ready':
        this.ready = true;
        this.sendState();
        return;
      case 'select':
        this.setSelection(request.runIds, false);
        return;
      case 'export':
        await this.exportRuns(request.format, request.runIds);
        return;
      case 'openRunFolder':
      case 'stopRun':
      case 'inspectRun':
        if (!this.source.get(request.runId)) {
          this.log.warn(`${request.type}: no run ${request.runId}`);
          return;
        }
        await vscode.commands.executeCommand(RUN_COMMANDS[request.type], request.runId);
        return;
    }
  }

  private async exportRuns(format: 'csv' | 'json', runIds: readonly string[]): Promise<void> {
    const runs: ExportedRun[] = [];
    for (const id of runIds) {
      const entry = this.source.get(id);
      if (entry?.ok) runs.push({ record: entry.record, lines: this.source.metrics(id) });
    }
    if (runs.length === 0) {
      void vscode.window.showWarningMessage('Select at least one readable run to export.');
      return;
    }
    const now = new Date();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(this.source.runsDir);
    const uri = await vscode.window.showSaveDialog({
      title: `Export ${runs.length === 1 ? 'run' : `${runs.length} runs`} as ${format.toUpperCase()}`,
      defaultUri: vscode.Uri.joinPath(folder, defaultExportFileName(format, runs, now)),
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      saveLabel: 'Export',
    });
    if (!uri) return;
    const text = format === 'csv' ? formatRunsCsv(runs) : formatRunsJson(runs, now);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    void vscode.window.showInformationMessage(`Exported ${runs.length === 1 ? 'one run' : `${runs.length} runs`} to ${uri.fsPath}`);
  }
}
