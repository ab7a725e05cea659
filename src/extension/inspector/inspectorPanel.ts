/**
 * One inspector panel per run. Its state (InspectorState) lives here and goes to the page whole on
 * `ready`, then as patches; answers come from the panel's inference process. The page, handshake
 * and message path are the PanelHost's.
 */
import * as vscode from 'vscode';
import { initialInspectorState, parseInspectorRequest, parseInspectorRestore, runGonePatch } from '../../shared/inspectorMessages';
import type { InspectorRequest, InspectorRestore, InspectorState, InspectorUpdate } from '../../shared/inspectorMessages';
import { PanelHost, errorMessage, type PanelKind, type PanelServices } from '../panelHost/panelHost';
import { runLabel } from '../runPresentation';
import type { RunsSource } from '../runsSource';
import { exportRecommendations } from './exportRecommendations';
import { InferenceSession } from './inferenceSession';
import { compareChoices, isInspectable } from './inspectableRuns';

const INSPECTOR: PanelKind = {
  viewType: 'vaerec.inspector',
  bundle: 'inspector',
  page: { title: 'Recommendation Inspector', loading: 'Loading the run…' },
  name: 'inspector',
};

export class InspectorPanel {
  private static readonly panels = new Map<string, InspectorPanel>();

  private readonly host: PanelHost<InspectorRequest, InspectorUpdate>;
  private readonly inference: InferenceSession;
  private state: InspectorState;
  /** Bumped by every new user / k / comparison choice: replies to older requests are dropped. */
  private generation = 0;
  /** One projection per panel: a second request while it is computed waits for the first. */
  private latentLoading: Promise<void> | undefined;
  /** The run's folder is gone (deleted): the panel says so and answers nothing more. */
  private gone = false;

  static createOrShow(services: PanelServices, source: RunsSource, runId: string): InspectorPanel {
    const existing = InspectorPanel.panels.get(runId);
    if (existing) {
      existing.host.reveal();
      return existing;
    }
    const entry = source.get(runId);
    return new InspectorPanel(PanelHost.createPanel(services, INSPECTOR, `Inspect: ${entry ? runLabel(entry) : runId}`), services, source, { runId });
  }

  static registerSerializer(services: PanelServices, source: RunsSource): vscode.Disposable {
    return PanelHost.registerSerializer(services, INSPECTOR, (panel, saved) => {
      const restored = parseInspectorRestore(saved);
      if (!restored || InspectorPanel.panels.has(restored.runId)) return false;
      new InspectorPanel(panel, services, source, restored);
      return true;
    });
  }

  private constructor(
    panel: vscode.WebviewPanel,
    services: PanelServices,
    private readonly source: RunsSource,
    restored: InspectorRestore,
  ) {
    const { runId } = restored;
    InspectorPanel.panels.set(runId, this);
    this.inference = new InferenceSession(services, source, runId);
    this.state = initialInspectorState(restored, compareChoices(source.list(), runId), 'Loading the run and its dataset…');
    this.host = new PanelHost(panel, services, INSPECTOR, {
      parse: parseInspectorRequest,
      sendState: () => this.host.post({ type: 'state', state: this.state }),
      handle: (request) => this.handle(request),
      onDispose: () => {
        if (InspectorPanel.panels.get(runId) === this) InspectorPanel.panels.delete(runId);
        this.inference.dispose();
      },
    });
    // Appended metrics lines change no compare choice; record changes might.
    this.host.own(
      source.onDidChange((change) => {
        if (this.gone || (!change.reload && change.runIds.length === 0)) return;
        if (!source.get(runId)) return this.runGone();
        const choices = compareChoices(source.list(), runId);
        if (JSON.stringify(choices) !== JSON.stringify(this.state.compareChoices)) this.patch({ compareChoices: choices });
      }),
    );
    if (!source.get(runId)) this.runGone();
    else void this.load(restored);
  }

  /**
   * The run was deleted (or its folder moved away) while its tab is open, or before a reload brought
   * the tab back: the page says so, drops what it showed, and the inference process ends.
   */
  private runGone(): void {
    this.gone = true;
    this.generation++;
    this.inference.dispose();
    this.patch(runGonePatch(`Run ${this.state.runId} is gone: its folder is no longer in ${this.source.runsDir}. Close this tab.`));
  }

  private patch(patch: Partial<InspectorState>): void {
    // Answers that arrive after the run is gone (a request in flight) are dropped.
    if (this.gone && !('error' in patch)) return;
    this.state = { ...this.state, ...patch };
    this.host.post({ type: 'patch', patch });
  }

  private async load(restored: InspectorRestore): Promise<void> {
    try {
      const run = await this.inference.open(this.state.runId);
      if (this.gone) return;
      this.patch({ run, busy: 'Ranking the held-out users…' });
      const users = await this.inference.ask(this.state.runId, { type: 'users' });
      if (this.gone) return;
      this.patch({ users, busy: null });
    } catch (e) {
      if (!this.gone) this.patch({ busy: null, error: errorMessage(e) });
      return;
    }
    if (restored.compareRunId) await this.setCompare(restored.compareRunId);
    if (this.state.user) await this.showUser(this.state.user);
  }

  private async handle(request: Exclude<InspectorRequest, { type: 'ready' }>): Promise<void> {
    if (this.gone) return void vscode.window.showWarningMessage(`Run ${this.state.runId} is gone: its folder was deleted. Close its inspector tab.`);
    switch (request.type) {
      case 'showUser':
        return this.showUser(request.user);
      case 'setK':
        this.patch({ k: request.k });
        if (this.state.user) await this.showUser(this.state.user);
        return;
      case 'compare':
        await this.setCompare(request.runId);
        if (this.state.user && request.runId) await this.showCompare(this.state.user, this.generation);
        return;
      case 'loadLatent':
        return this.loadLatent();
      case 'export':
        return exportRecommendations(this.host, this.inference, this.source.runsDir, this.state, request.scope);
    }
  }

  private async showUser(user: string): Promise<void> {
    if (!this.state.run) {
      this.patch({ user });
      return;
    }
    const generation = ++this.generation;
    this.patch({ user, busy: `Recommending for user ${user}…` });
    try {
      const view = await this.inference.ask(this.state.runId, { type: 'user', user, k: this.state.k });
      if (generation === this.generation) this.patch({ view, userError: null, busy: null });
    } catch (e) {
      if (generation === this.generation) this.patch({ view: null, compareView: null, userError: errorMessage(e), busy: null });
      return;
    }
    if (generation === this.generation && this.state.compareRunId) await this.showCompare(user, generation);
  }

  private async setCompare(runId: string | null): Promise<void> {
    if (runId === null || runId === this.state.runId) {
      this.patch({ compareRunId: null, compareRun: null, compareView: null, compareError: null });
      return;
    }
    this.patch({ compareRunId: runId, compareRun: null, compareView: null, compareError: null, busy: 'Loading the comparison run…' });
    try {
      if (!isInspectable(this.source.get(runId))) throw new Error(`run ${runId} has no saved weights to compare with`);
      const info = await this.inference.open(runId);
      if (this.state.compareRunId === runId) this.patch({ compareRun: info, busy: null });
    } catch (e) {
      if (this.state.compareRunId === runId) this.patch({ compareError: errorMessage(e), busy: null });
    }
  }

  private async showCompare(user: string, generation: number): Promise<void> {
    const runId = this.state.compareRunId;
    if (!runId || !this.state.compareRun) return;
    const current = () => generation === this.generation && this.state.compareRunId === runId;
    try {
      const compareView = await this.inference.ask(runId, { type: 'user', user, k: this.state.k });
      if (current()) this.patch({ compareView, compareError: null });
    } catch (e) {
      if (current()) this.patch({ compareView: null, compareError: errorMessage(e) });
    }
  }

  private loadLatent(): Promise<void> {
    if (this.state.latent || !this.state.run) return Promise.resolve();
    this.latentLoading ??= (async () => {
      this.patch({ busy: 'Encoding every user and projecting (PCA)…' });
      try {
        this.patch({ latent: await this.inference.ask(this.state.runId, { type: 'latent' }), latentError: null, busy: null });
      } catch (e) {
        this.patch({ latentError: errorMessage(e), busy: null });
      }
    })().finally(() => (this.latentLoading = undefined));
    return this.latentLoading;
  }
}
