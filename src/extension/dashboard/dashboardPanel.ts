/**
 * The single dashboard panel's state: which runs are overlaid, their colours, and the throttled
 * `runs` / `append` updates after the full state (the page, handshake and message path are the
 * PanelHost's).
 */
import * as vscode from 'vscode';
import {
  parseDashboardRequest,
  restoredSelection,
  type DashboardRequest,
  type DashboardRun,
  type DashboardUpdate,
  type SeriesSampling,
} from '../../shared/dashboardMessages';
import type { MetricsLine } from '../../shared/runSchema';
import { PanelHost, type PanelKind, type PanelServices } from '../panelHost/panelHost';
import type { RunsChange, RunsSource } from '../runsSource';
import { defaultExportFileName, formatRunsCsv, formatRunsJson, type ExportedRun } from './exportFormat';
import { colourRuns } from './runColours';
import { defaultSelection, runIdOf, sanitizeSelection } from './selection';
import { UpdateBatcher, type PendingUpdates } from './updateBatcher';

const DASHBOARD: PanelKind = {
  viewType: 'vaerec.dashboard',
  bundle: 'dashboard',
  page: { title: 'VAE Recommender Dashboard', loading: 'Loading runs…' },
  name: 'dashboard',
  resourceFolders: ['media'],
};

/** Run actions in the table are forwarded to the commands that own them. */
const RUN_COMMANDS = {
  openRunFolder: 'vaerec.revealRunFolder',
  stopRun: 'vaerec.stopTraining',
  inspectRun: 'vaerec.inspectRecommendations',
  rerunRun: 'vaerec.rerunWithChanges',
} as const;

export class DashboardPanel {
  private static current: DashboardPanel | undefined;

  private readonly host: PanelHost<DashboardRequest, DashboardUpdate>;
  private selected: string[];
  private readonly batcher = new UpdateBatcher((batch) => this.flush(batch));
  /** Series are fetched asynchronously: state and series messages go out one after the other, in order. */
  private sending: Promise<void> = Promise.resolve();
  /** When this panel was opened (or restored): runs created later were started while it was open. */
  private readonly openedAt = Date.now();
  /** The runs the panel has seen listed: a run not among them is new. */
  private readonly seen: Set<string>;

  /** Shows the dashboard (creating it if needed); with `selectRunIds`, overlays exactly those runs. */
  static createOrShow(services: PanelServices, source: RunsSource, selectRunIds?: readonly string[]): DashboardPanel {
    const existing = DashboardPanel.current;
    if (existing) {
      existing.host.reveal();
      if (selectRunIds) existing.setSelection(selectRunIds, true);
      return existing;
    }
    return new DashboardPanel(PanelHost.createPanel(services, DASHBOARD, 'VAE Dashboard'), services, source, selectRunIds);
  }

  /** Restores the dashboard after a window reload with the selection the webview had saved. */
  static registerSerializer(services: PanelServices, source: RunsSource): vscode.Disposable {
    return PanelHost.registerSerializer(services, DASHBOARD, (panel, saved) => {
      // A dashboard opened before the restore arrived stays the single one.
      if (DashboardPanel.current) return false;
      new DashboardPanel(panel, services, source, restoredSelection(saved));
      return true;
    });
  }

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly services: PanelServices,
    private readonly source: RunsSource,
    initialSelection: readonly string[] | undefined,
  ) {
    DashboardPanel.current = this;
    this.seen = new Set(source.list().map(runIdOf));
    this.selected = initialSelection ? sanitizeSelection(initialSelection, (id) => source.get(id)) : defaultSelection(source.list());
    this.host = new PanelHost(panel, services, DASHBOARD, {
      parse: parseDashboardRequest,
      sendState: () => this.sendState(),
      handle: (request) => this.handle(request),
      onHidden: () => this.batcher.clear(),
      onDispose: () => {
        if (DashboardPanel.current === this) DashboardPanel.current = undefined;
      },
    });
    this.host.own(
      source.onDidChange((change) => this.onRunsChange(change)),
      this.batcher,
    );
  }

  dispose(): void {
    this.host.dispose();
  }

  private dashboardRuns(): DashboardRun[] {
    return colourRuns(this.source.list(), this.services.context.workspaceState, (e) => this.host.log.warn(`could not save run colours: ${String(e)}`));
  }

  /**
   * The series of these runs, each taken with the lines queued for it until then (they are in it);
   * lines that arrive later wait in the batcher until `post` has sent the series (see hold/release).
   */
  private async withSeries(runIds: readonly string[], post: (series: Record<string, MetricsLine[]>, sampling: Record<string, SeriesSampling>) => void) {
    this.batcher.hold(runIds);
    const series: Record<string, MetricsLine[]> = {};
    const sampling: Record<string, SeriesSampling> = {};
    try {
      for (const id of runIds) {
        const s = await this.source.metrics(id);
        this.batcher.forget(id);
        series[id] = s.lines;
        if (s.stride > 1) sampling[id] = { stride: s.stride, stepLines: s.stepLines };
      }
      if (this.host.ready) post(series, sampling);
    } finally {
      this.batcher.release(runIds);
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.sending = this.sending.then(task).catch((e: unknown) => this.host.log.error(`dashboard update failed: ${String(e)}`));
  }

  private sendState(): void {
    this.batcher.clear();
    this.enqueue(async () => {
      const runs = this.dashboardRuns();
      this.selected = sanitizeSelection(this.selected, (id) => this.source.get(id));
      const selected = [...this.selected];
      await this.withSeries(selected, (series, sampling) => this.host.post({ type: 'state', runs, selected, series, sampling }));
    });
  }

  private sendSeries(runIds: readonly string[]): void {
    this.enqueue(() => this.withSeries(runIds, (series, sampling) => this.host.post({ type: 'series', series, sampling })));
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
    if (!this.host.ready) return;
    if (announce || next.length !== runIds.length) this.host.post({ type: 'select', selected: [...next] });
    if (added.length > 0) this.sendSeries(added);
  }

  private onRunsChange(change: RunsChange): void {
    this.overlayNewRuns();
    if (!this.host.ready) return;
    // Records changed or runs came and went; appends alone leave the table as is.
    if (change.reload || change.runIds.length > 0) this.batcher.markRunsChanged();
    for (const [runId, lines] of Object.entries(change.appended)) {
      if (this.selected.includes(runId)) this.batcher.append(runId, lines);
    }
    const resampled = change.resampled.filter((id) => this.selected.includes(id));
    if (resampled.length > 0) this.sendSeries(resampled);
  }

  /**
   * A run started while the dashboard is open (from the palette, the dashboard's Rerun, the CLI or
   * another window) is overlaid at once, so its curves show as it trains. Runs that only appear
   * (another runs directory, a copied folder) were created before: they are listed, not ticked.
   */
  private overlayNewRuns(): void {
    const fresh: string[] = [];
    for (const entry of this.source.list()) {
      const id = runIdOf(entry);
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      if (entry.ok && Date.parse(entry.record.createdAt) >= this.openedAt) fresh.push(id);
    }
    if (fresh.length > 0) this.setSelection([...fresh, ...this.selected], true);
  }

  /** Posts one throttled batch; returns how many messages went out (the batcher paces by that). */
  private flush(batch: PendingUpdates): number {
    if (!this.host.ready) return 0;
    let sent = 0;
    if (batch.runsChanged) {
      this.host.post({ type: 'runs', runs: this.dashboardRuns() });
      sent++;
      const stillThere = sanitizeSelection(this.selected, (id) => this.source.get(id));
      if (stillThere.length !== this.selected.length) {
        this.selected = stillThere;
        this.host.post({ type: 'select', selected: [...stillThere] });
        sent++;
      }
    }
    for (const [runId, lines] of batch.appended) {
      if (!this.selected.includes(runId)) continue;
      this.host.post({ type: 'append', runId, lines });
      sent++;
    }
    return sent;
  }

  private async handle(request: Exclude<DashboardRequest, { type: 'ready' }>): Promise<void> {
    switch (request.type) {
      case 'select':
        return this.setSelection(request.runIds, false);
      case 'export':
        return this.exportRuns(request.format, request.runIds);
      case 'openRunFolder':
      case 'stopRun':
      case 'inspectRun':
      case 'rerunRun':
        if (!this.source.get(request.runId)) {
          this.host.log.warn(`${request.type}: no run ${request.runId}`);
          return;
        }
        await vscode.commands.executeCommand(RUN_COMMANDS[request.type], request.runId);
    }
  }

  private async exportRuns(format: 'csv' | 'json', runIds: readonly string[]): Promise<void> {
    const runs: ExportedRun[] = [];
    const thinned: string[] = [];
    for (const id of runIds) {
      const entry = this.source.get(id);
      if (!entry?.ok) continue;
      const series = await this.source.metrics(id);
      runs.push({ record: entry.record, lines: series.lines });
      if (series.stride > 1) thinned.push(`${id} (every ${series.stride}th of ${series.stepLines} steps)`);
    }
    // A file too large to hold whole is exported as charted, and the user is told.
    if (thinned.length > 0) void vscode.window.showWarningMessage(`The export has the charted steps only: ${thinned.join(', ')}. metrics.jsonl has them all.`);
    if (runs.length === 0) {
      void vscode.window.showWarningMessage('Select at least one readable run to export.');
      return;
    }
    const now = new Date();
    const counted = runs.length === 1 ? 'one run' : `${runs.length} runs`;
    await this.host.exportFile(
      {
        title: `Export ${runs.length === 1 ? 'run' : `${runs.length} runs`} as ${format.toUpperCase()}`,
        fileName: defaultExportFileName(format, runs, now),
        extension: format,
        fallbackFolder: this.source.runsDir,
      },
      () => ({ text: format === 'csv' ? formatRunsCsv(runs) : formatRunsJson(runs, now), summary: counted }),
    );
  }
}
