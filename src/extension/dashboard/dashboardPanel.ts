/**
 * The single dashboard panel's state: which runs are overlaid, their colours, and the throttled
 * `runs` / `append` updates after the full state (the page, handshake and message path are the
 * PanelHost's).
 */
import * as vscode from 'vscode';
import { parseDashboardRequest, restoredSelection, type DashboardRequest, type DashboardRun, type DashboardUpdate } from '../../shared/dashboardMessages';
import { PanelHost, type PanelKind, type PanelServices } from '../panelHost/panelHost';
import type { RunsChange, RunsSource } from '../runsSource';
import { BaselineComparisons } from './baselineComparisons';
import { exportRuns } from './exportRuns';
import { forwardRunAction } from './runActions';
import { colourRuns } from './runColours';
import { defaultSelection, runIdOf, runsStartedSince, sanitizeSelection } from './selection';
import { sendWithSeries } from './seriesSnapshot';
import { UpdateBatcher, type PendingUpdates } from './updateBatcher';

const DASHBOARD: PanelKind = {
  viewType: 'vaerec.dashboard',
  bundle: 'dashboard',
  page: { title: 'VAE Recommender Dashboard', loading: 'Loading runs…' },
  name: 'dashboard',
  resourceFolders: ['media'],
};

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
  private readonly comparisons: BaselineComparisons;

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
    this.comparisons = new BaselineComparisons(
      { get: (id) => source.get(id), post: (update) => this.host.post(update), warn: (m) => this.host.log.warn(m) },
      services.context.workspaceState,
    );
    this.host.own(
      source.onDidChange((change) => this.onRunsChange(change)),
      this.batcher,
      this.comparisons,
    );
  }

  dispose(): void {
    this.host.dispose();
  }

  private dashboardRuns(): DashboardRun[] {
    return colourRuns(this.source.list(), this.services.context.workspaceState, (e) => this.host.log.warn(`could not save run colours: ${String(e)}`));
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
      await sendWithSeries(
        this.source,
        this.batcher,
        selected,
        (series, sampling) => this.host.ready && this.host.post({ type: 'state', runs, selected, series, sampling }),
      );
      this.comparisons.update(this.selected, true);
    });
  }

  private sendSeries(runIds: readonly string[]): void {
    this.enqueue(() =>
      sendWithSeries(this.source, this.batcher, runIds, (series, sampling) => this.host.ready && this.host.post({ type: 'series', series, sampling })),
    );
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
    this.comparisons.update(next);
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

  private overlayNewRuns(): void {
    const fresh = runsStartedSince(this.source.list(), this.seen, this.openedAt);
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
      this.comparisons.update(this.selected);
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
        return exportRuns(this.host, this.source, request.format, request.runIds);
      case 'setBaseline':
        return this.comparisons.setBaseline(request.runId);
      default:
        return forwardRunAction(request, this.source, this.host.log);
    }
  }
}
