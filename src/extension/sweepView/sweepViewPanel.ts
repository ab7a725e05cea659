/**
 * One sweep view panel per sweep folder: its state (the record's view data, the curves, the
 * significance tests), kept up to date by a SweepFollower while the panel is open, and posted to the
 * page on `ready` (whole) and then as changes. The page, handshake and message path are the
 * PanelHost's.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SweepRecord } from '../../shared/sweepSchema';
import {
  BASELINE_COMMAND,
  parseSweepViewRequest,
  restoredSweepDir,
  type SignificanceView,
  type SweepViewData,
  type SweepViewRequest,
  type SweepViewUpdate,
} from '../../shared/sweepViewMessages';
import { PanelHost, errorMessage, type PanelKind, type PanelServices } from '../panelHost/panelHost';
import type { RunsSource } from '../runsSource';
import { SweepFollower, type SweepChange } from './sweepFollower';
import { sweepStats } from './loadSweepStats';

export const SWEEP_VIEW: PanelKind = {
  viewType: 'vaerec.sweepView',
  bundle: 'sweep',
  page: { title: 'Sweep', loading: 'Loading the sweep…' },
  name: 'sweep view',
};

const SIGNIFICANCE_PAUSE_MS = 3000;

export class SweepViewPanel {
  private static readonly open = new Map<string, SweepViewPanel>();

  private readonly host: PanelHost<SweepViewRequest, SweepViewUpdate>;
  private readonly follower: SweepFollower;
  private record: SweepRecord | undefined;
  private data: SweepViewData | undefined;
  private problem: string | undefined;
  private significance: SignificanceView = { state: 'waiting', reason: 'reading the sweep' };
  private significanceKey = '';
  /** Bumped by every new computation, so a slower earlier one cannot overwrite it. */
  private significanceRun = 0;
  private significanceTimer: ReturnType<typeof setTimeout> | undefined;
  private lastPlanned = 0;

  static createOrShow(services: PanelServices, source: RunsSource, sweepDir: string): SweepViewPanel {
    const dir = path.resolve(sweepDir);
    const existing = SweepViewPanel.open.get(dir);
    if (existing) {
      existing.host.reveal();
      return existing;
    }
    return new SweepViewPanel(PanelHost.createPanel(services, SWEEP_VIEW, `Sweep ${path.basename(dir)}`), services, source, dir);
  }

  static registerSerializer(services: PanelServices, source: RunsSource): vscode.Disposable {
    return PanelHost.registerSerializer(services, SWEEP_VIEW, (panel, saved) => {
      const dir = restoredSweepDir(saved);
      if (!dir || SweepViewPanel.open.has(path.resolve(dir))) return false;
      new SweepViewPanel(panel, services, source, path.resolve(dir));
      return true;
    });
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    services: PanelServices,
    private readonly source: RunsSource,
    readonly sweepDir: string,
  ) {
    SweepViewPanel.open.set(sweepDir, this);
    this.host = new PanelHost(panel, services, SWEEP_VIEW, {
      parse: parseSweepViewRequest,
      sendState: () => this.sendState(),
      handle: (request) => this.handle(request),
      onDispose: () => {
        if (SweepViewPanel.open.get(sweepDir) === this) SweepViewPanel.open.delete(sweepDir);
      },
    });
    this.follower = new SweepFollower(sweepDir, (change) => this.onChange(change));
    this.host.own(
      this.follower,
      // A popularity run trained meanwhile can be the baseline; appended lines change nothing here.
      source.onDidChange((c) => (c.reload || c.runIds.length > 0) && this.scheduleSignificance()),
      { dispose: () => clearTimeout(this.significanceTimer) },
    );
    this.follower.start();
  }

  dispose(): void {
    this.host.dispose();
  }

  private sendState(): void {
    if (this.problem !== undefined || !this.data) {
      this.host.post({ type: 'problem', sweepDir: this.sweepDir, message: this.problem ?? `Reading ${path.join(this.sweepDir, 'sweep.json')}…` });
      return;
    }
    this.host.post({ type: 'state', data: this.data, curves: this.follower.allCurves(), significance: this.significance });
  }

  private onChange(change: SweepChange): void {
    if (change.record && 'reason' in change.record) {
      this.problem = change.record.reason;
      this.record = undefined;
      this.host.post({ type: 'problem', sweepDir: this.sweepDir, message: this.problem });
      return;
    }
    if (change.record) {
      const wasShown = this.data !== undefined && this.problem === undefined;
      this.record = change.record.record;
      this.problem = undefined;
      this.data = sweepStats().buildSweepViewData(this.record, this.sweepDir);
      this.panel.title = `Sweep ${this.record.name}`;
      this.scheduleSignificance();
      // A page that showed a problem (or nothing yet) needs everything, the curves included.
      if (!wasShown) return this.sendState();
      this.host.post({ type: 'data', data: this.data });
    }
    if (change.curves.length > 0 && this.data) this.host.post({ type: 'curves', curves: change.curves });
  }

  /**
   * Looking for a baseline reads every run.json of the runs directories: at most once per
   * SIGNIFICANCE_PAUSE_MS however often the record or the runs change while trials train.
   */
  private scheduleSignificance(): void {
    if (this.significanceTimer !== undefined) return;
    const wait = Math.max(0, this.lastPlanned + SIGNIFICANCE_PAUSE_MS - Date.now());
    this.significanceTimer = setTimeout(() => {
      this.significanceTimer = undefined;
      this.lastPlanned = Date.now();
      this.refreshSignificance();
    }, wait);
  }

  /** Recomputes the tests when the runs they compare changed (a new best, a baseline trained). */
  private refreshSignificance(): void {
    if (!this.record) return;
    const plan = sweepStats().planSignificance(this.record, [this.source.runsDir]);
    if ('waiting' in plan) {
      this.significanceKey = '';
      this.setSignificance({ state: 'waiting', reason: plan.waiting });
      return;
    }
    if (plan.key === this.significanceKey) return;
    this.significanceKey = plan.key;
    const run = ++this.significanceRun;
    this.setSignificance({ state: 'computing' });
    sweepStats()
      .computeSignificance(plan)
      .then(
        (view) => run === this.significanceRun && this.setSignificance(view),
        (e: unknown) => run === this.significanceRun && this.setSignificance({ state: 'waiting', reason: `the comparison failed: ${errorMessage(e)}` }),
      );
  }

  private setSignificance(view: SignificanceView): void {
    this.significance = view;
    this.host.post({ type: 'significance', significance: view });
  }

  private async handle(request: Exclude<SweepViewRequest, { type: 'ready' }>): Promise<void> {
    switch (request.type) {
      case 'openRun': {
        // The dashboard lists the Runs view's runs directory; a sweep that wrote elsewhere is said so.
        if (!this.source.get(request.runId)) {
          void vscode.window.showWarningMessage(
            `Run ${request.runId} is not in the runs directory the dashboard shows (${this.source.runsDir}); the sweep wrote its runs to ${this.record?.runsDir ?? 'another folder'}.`,
          );
          return;
        }
        await vscode.commands.executeCommand('vaerec.openDashboard', request.runId);
        return;
      }
      case 'trainBaseline':
        await vscode.commands.executeCommand(BASELINE_COMMAND);
    }
  }
}
