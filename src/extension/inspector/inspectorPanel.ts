/**
 * One inspector panel per run. State lives here, in the host (the webview is recreated whenever the
 * panel is hidden, and restored after a reload by the serializer): the webview announces `ready` and
 * gets the whole state, then patches. Inference runs in a separate Node process (dist/inference.js)
 * owned by the panel, which loads the run's weights once; the extension host never loads TensorFlow.js.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { InspectorRequest, InspectorState, InspectorUpdate, RunChoice, RunInfo, UserSet } from '../../shared/inspectorMessages';
import { DEFAULT_K, MAX_K, isValidUserId, parseInspectorRequest } from '../../shared/inspectorMessages';
import { modelLabel } from '../../shared/modelKinds';
import { runDirFor } from '../../shared/runReader';
import { isRecord, isValidRunId, type RunEntry } from '../../shared/runSchema';
import { InferenceClient } from '../../trainer/process/inferenceClient';
import { pageParts, webviewBundles } from '../webviewPage';
import { runLabel } from '../runPresentation';
import type { RunsSource } from '../runsSource';
import { datasetCacheDirectory } from '../settings';
import { trainerRuntime } from '../trainerRuntime';
import { renderInspectorHtml } from './inspectorHtml';

export const INFERENCE_BUNDLE = 'dist/inference.js';

/** A run the inspector can open: readable, with saved weights. */
export function isInspectable(entry: RunEntry | undefined): boolean {
  return entry !== undefined && entry.ok && entry.record.artifacts.model !== undefined && entry.record.status !== 'running';
}

/** What the webview saves with setState and the serializer restores. */
interface Restored {
  runId: string;
  user?: string;
  k?: number;
  compareRunId?: string;
}

function restoredFrom(state: unknown): Restored | undefined {
  if (!isRecord(state) || !isValidRunId(state.runId)) return undefined;
  return {
    runId: state.runId,
    ...(isValidUserId(state.user) ? { user: state.user } : {}),
    ...(typeof state.k === 'number' && Number.isInteger(state.k) && state.k >= 1 && state.k <= MAX_K ? { k: state.k } : {}),
    ...(isValidRunId(state.compareRunId) ? { compareRunId: state.compareRunId } : {}),
  };
}

function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [webviewBundles(context.extensionUri)] };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class InspectorPanel {
  static readonly viewType = 'vaerec.inspector';
  private static readonly panels = new Map<string, InspectorPanel>();
  private static logChannel: vscode.LogOutputChannel | undefined;

  private state: InspectorState;
  private ready = false;
  private disposed = false;
  private client: InferenceClient | undefined;
  /** Runs opened in the current inference process (a new process after a crash opens them again). */
  private readonly opened = new Map<string, Promise<RunInfo>>();
  /** Bumped by every new user / k / comparison choice: replies to older requests are dropped. */
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [];

  static createOrShow(context: vscode.ExtensionContext, source: RunsSource, runId: string): InspectorPanel {
    const existing = InspectorPanel.panels.get(runId);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const entry = source.get(runId);
    const title = `Inspect: ${entry ? runLabel(entry) : runId}`;
    const panel = vscode.window.createWebviewPanel(InspectorPanel.viewType, title, vscode.ViewColumn.Active, {
      ...webviewOptions(context),
      retainContextWhenHidden: false,
    });
    return new InspectorPanel(panel, context, source, { runId });
  }

  static registerSerializer(context: vscode.ExtensionContext, source: RunsSource): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(InspectorPanel.viewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        const restored = restoredFrom(state);
        if (!restored || InspectorPanel.panels.has(restored.runId)) {
          panel.dispose();
          return;
        }
        panel.webview.options = webviewOptions(context);
        new InspectorPanel(panel, context, source, restored);
      },
    });
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly source: RunsSource,
    restored: Restored,
  ) {
    InspectorPanel.panels.set(restored.runId, this);
    this.state = {
      runId: restored.runId,
      run: null,
      busy: 'Loading the run and its dataset…',
      k: restored.k ?? DEFAULT_K,
      users: [],
      user: restored.user ?? null,
      view: null,
      userError: null,
      error: null,
      compareChoices: this.compareChoices(restored.runId),
      compareRunId: restored.compareRunId ?? null,
      compareRun: null,
      compareView: null,
      compareError: null,
      latent: null,
      latentError: null,
    };
    panel.webview.html = this.html();
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.onDidChangeViewState(
      () => {
        if (!panel.visible) this.ready = false;
      },
      null,
      this.disposables,
    );
    panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), null, this.disposables);
    // The runs directory changes with every metrics line of a training run: patch only real changes.
    this.disposables.push(
      source.onDidChange(() => {
        const compareChoices = this.compareChoices(this.state.runId);
        if (JSON.stringify(compareChoices) !== JSON.stringify(this.state.compareChoices)) this.patch({ compareChoices });
      }),
    );
    void this.load(restored);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (InspectorPanel.panels.get(this.state.runId) === this) InspectorPanel.panels.delete(this.state.runId);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.client?.dispose();
    this.panel.dispose();
  }

  private get log(): vscode.LogOutputChannel {
    if (!InspectorPanel.logChannel) {
      InspectorPanel.logChannel = vscode.window.createOutputChannel('VAE Recommender Lab: Inspector', { log: true });
      this.context.subscriptions.push(InspectorPanel.logChannel);
    }
    return InspectorPanel.logChannel;
  }

  private html(): string {
    return renderInspectorHtml(pageParts(this.panel.webview, this.context.extensionUri, 'inspector'));
  }

  private post(update: InspectorUpdate): void {
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(update);
  }

  private patch(patch: Partial<InspectorState>): void {
    this.state = { ...this.state, ...patch };
    this.post({ type: 'patch', patch });
  }

  private compareChoices(runId: string): RunChoice[] {
    return this.source
      .list()
      .filter((e) => isInspectable(e) && e.ok && e.record.id !== runId)
      .map((e) => ({ runId: e.ok ? e.record.id : e.id, label: e.ok ? `${e.record.name} (${modelLabel(e.record.model)})` : e.id }));
  }

  private inference(): InferenceClient {
    if (!this.client || !this.client.alive) {
      const runtime = trainerRuntime();
      this.client = new InferenceClient({
        script: path.join(this.context.extensionPath, INFERENCE_BUNDLE),
        nodePath: runtime.nodePath,
        env: runtime.env,
        onLog: (line) => this.log.info(line),
      });
      this.opened.clear();
      this.log.info(`inference process ${this.client.pid ?? '?'} started for run ${this.state.runId}`);
    }
    return this.client;
  }

  private runDir(runId: string): string {
    return runDirFor(this.source.runsDir, runId);
  }

  /** Opens a run in the inference process once (the weights load there, once per run). */
  private async open(runId: string) {
    const client = this.inference();
    const runDir = this.runDir(runId);
    let opening = this.opened.get(runId);
    if (!opening) {
      opening = client.request({ type: 'open', runDir, cacheDir: datasetCacheDirectory(this.context) });
      this.opened.set(runId, opening);
      opening.catch(() => this.opened.delete(runId));
    }
    return { client, runDir, info: await opening };
  }

  private async load(restored: Restored): Promise<void> {
    try {
      const { client, runDir, info } = await this.open(this.state.runId);
      this.patch({ run: info, busy: 'Ranking the held-out users…' });
      const users = await client.request({ type: 'users', runDir });
      this.patch({ users, busy: null });
    } catch (e) {
      this.patch({ busy: null, error: message(e) });
      return;
    }
    if (restored.compareRunId) await this.setCompare(restored.compareRunId);
    if (this.state.user) await this.showUser(this.state.user);
  }

  private onMessage(raw: unknown): void {
    const parsed = parseInspectorRequest(raw);
    if (!parsed.ok) {
      this.log.warn(`dropped an invalid inspector message: ${parsed.reason}`);
      return;
    }
    this.handle(parsed.request).catch((e: unknown) => {
      this.log.error(`inspector ${parsed.request.type} failed: ${message(e)}`);
      void vscode.window.showErrorMessage(`Inspector: ${message(e)}`);
    });
  }

  private async handle(request: InspectorRequest): Promise<void> {
    switch (request.type) {
      case 'ready':
        this.ready = true;
        this.post({ type: 'state', state: this.state });
        return;
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
        return this.exportCsv(request.scope);
    }
  }

  private async showUser(user: string): Promise<void> {
    if (!this.state.run) {
      this.patch({ user });
      return;
    }
    const generation = ++this.generation;
    this.patch({ user, busy: `Recommending for user ${user}…` });
    const runDir = this.runDir(this.state.runId);
    try {
      const { client } = await this.open(this.state.runId);
      const view = await client.request({ type: 'user', runDir, user, k: this.state.k });
      if (generation !== this.generation) return;
      this.patch({ view, userError: null, busy: null });
    } catch (e) {
      if (generation !== this.generation) return;
      this.patch({ view: null, compareView: null, userError: message(e), busy: null });
      return;
    }
    if (this.state.compareRunId) await this.showCompare(user, generation);
  }

  private async setCompare(runId: string | null): Promise<void> {
    if (runId === null || runId === this.state.runId) {
      this.patch({ compareRunId: null, compareRun: null, compareView: null, compareError: null });
      return;
    }
    this.patch({ compareRunId: runId, compareRun: null, compareView: null, compareError: null, busy: 'Loading the comparison run…' });
    try {
      if (!isInspectable(this.source.get(runId))) throw new Error(`run ${runId} has no saved weights to compare with`);
      const { info } = await this.open(runId);
      if (this.state.compareRunId === runId) this.patch({ compareRun: info, busy: null });
    } catch (e) {
      if (this.state.compareRunId === runId) this.patch({ compareError: message(e), busy: null });
    }
  }

  private async showCompare(user: string, generation: number): Promise<void> {
    const runId = this.state.compareRunId;
    if (!runId || !this.state.compareRun) return;
    try {
      const { client, runDir } = await this.open(runId);
      const compareView = await client.request({ type: 'user', runDir, user, k: this.state.k });
      if (generation === this.generation && this.state.compareRunId === runId) this.patch({ compareView, compareError: null });
    } catch (e) {
      if (generation === this.generation && this.state.compareRunId === runId) this.patch({ compareView: null, compareError: message(e) });
    }
  }

  /** One projection per panel: a second request while it is computed waits for the first. */
  private latentLoading: Promise<void> | undefined;

  private loadLatent(): Promise<void> {
    if (this.state.latent || !this.state.run) return Promise.resolve();
    this.latentLoading ??= this.computeLatent().finally(() => (this.latentLoading = undefined));
    return this.latentLoading;
  }

  private async computeLatent(): Promise<void> {
    this.patch({ busy: 'Encoding every user and projecting (PCA)…' });
    try {
      const { client, runDir } = await this.open(this.state.runId);
      const latent = await client.request({ type: 'latent', runDir });
      this.patch({ latent, latentError: null, busy: null });
    } catch (e) {
      this.patch({ latentError: message(e), busy: null });
    }
  }

  private async exportCsv(scope: 'user' | 'test'): Promise<void> {
    const user = this.state.user;
    if (scope === 'user' && (!user || !this.state.view)) {
      void vscode.window.showWarningMessage('Choose a user first.');
      return;
    }
    const users: UserSet | string[] = scope === 'user' && user ? [user] : 'test';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(this.source.runsDir);
    const name = `${this.state.runId}-${scope === 'user' ? `user-${(user ?? '').replace(/[^\w.-]+/g, '_')}` : 'test-users'}-top${this.state.k}.csv`;
    const uri = await vscode.window.showSaveDialog({
      title: scope === 'user' ? `Export the recommendations of user ${user}` : 'Export the recommendations of every test user',
      defaultUri: vscode.Uri.joinPath(folder, name),
      filters: { CSV: ['csv'] },
      saveLabel: 'Export',
    });
    if (!uri) return;
    const { client, runDir } = await this.open(this.state.runId);
    const out = await client.request({ type: 'export', runDir, users, k: this.state.k });
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(out.csv));
    void vscode.window.showInformationMessage(
      `Exported ${out.rows} recommendations for ${out.users === 1 ? 'one user' : `${out.users} users`} to ${uri.fsPath}`,
    );
  }
}
