/**
 * The pieces of a fake `vscode` API that the unit tests of extension modules share: an event
 * emitter, URIs, a webview panel that records what it is sent, and the hook that serves a fake in
 * place of a module (`vscode` cannot be loaded outside the editor).
 */
import Module from 'node:module';

type Listener<T> = (e: T) => void;

export class FakeEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (l: Listener<T>) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export interface FakeUri {
  path: string;
  fsPath: string;
  toString(): string;
}
export const fakeUri = (p: string): FakeUri => ({ path: p, fsPath: p, toString: () => `file://${p}` });

/** A WebviewPanel whose webview posts into `posted`; `received` plays the webview's messages. */
export class FakeWebviewPanel<Update> {
  readonly posted: Update[] = [];
  readonly received = new FakeEmitter<unknown>();
  readonly disposed = new FakeEmitter<void>();
  readonly viewState = new FakeEmitter<void>();
  visible = true;
  revealed = 0;
  readonly webview = {
    html: '',
    options: {} as Record<string, unknown>,
    cspSource: 'https://csp.example',
    asWebviewUri: (u: FakeUri) => ({ toString: () => `https://webview${u.path}` }),
    postMessage: (m: Update) => {
      this.posted.push(m);
      return Promise.resolve(true);
    },
    onDidReceiveMessage: this.received.event,
  };
  readonly onDidDispose = this.disposed.event;
  readonly onDidChangeViewState = this.viewState.event;
  reveal(): void {
    this.revealed++;
  }
  dispose(): void {
    this.disposed.fire();
  }
}

/**
 * From now on, `require(request)` returns `fake(request)` where that is not undefined (`vscode`
 * above all) and the real module otherwise. Returns the function that puts the real loader back.
 */
export function serveFakeModules(fake: (request: string) => unknown): () => void {
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const realLoad = loader._load;
  loader._load = function (request, parent, isMain) {
    return fake(request) ?? realLoad.call(this, request, parent, isMain);
  };
  return () => {
    loader._load = realLoad;
  };
}

/** What a panel module did through the fake API: its warnings, info lines and saved files. */
export interface PanelCalls {
  warnings: string[];
  infos: string[];
  writes: { path: string; text: string }[];
  /** What the next save dialog answers (undefined: cancelled). */
  saveAnswer: FakeUri | undefined;
}

/**
 * The parts of the vscode API a webview panel module uses (Uri, ViewColumn, window's panels,
 * serializer, dialogs and messages, workspace.fs), recording into `calls`; the panels it creates
 * are `panels`, newest last; `log` stands for the log channel activate() hands the panels. A test
 * file adds what else its module needs.
 */
export class FakePanelApi<P extends { webview: { options: Record<string, unknown> } }> {
  readonly panels: P[] = [];
  readonly calls: PanelCalls;
  serializer: { deserializeWebviewPanel(panel: P, state: unknown): Promise<void> } | undefined;
  readonly log = {
    info: (m: string) => this.calls.infos.push(m),
    warn: (m: string) => this.calls.warnings.push(m),
    error: (m: string) => this.calls.warnings.push(m),
  };

  constructor(
    private readonly newPanel: () => P,
    saveAnswer?: FakeUri,
  ) {
    this.calls = { warnings: [], infos: [], writes: [], saveAnswer };
  }

  api() {
    const { calls } = this;
    return {
      Uri: { joinPath: (base: FakeUri, ...parts: string[]) => fakeUri([base.path, ...parts].join('/')), file: fakeUri },
      ViewColumn: { Active: -1 },
      window: {
        createWebviewPanel: (_type: string, _title: string, _column: number, options: Record<string, unknown>) => {
          const p = this.newPanel();
          p.webview.options = options;
          this.panels.push(p);
          return p;
        },
        registerWebviewPanelSerializer: (_type: string, s: FakePanelApi<P>['serializer']) => {
          this.serializer = s;
          return { dispose: () => (this.serializer = undefined) };
        },
        showSaveDialog: () => Promise.resolve(calls.saveAnswer),
        showWarningMessage: (m: string) => Promise.resolve(calls.warnings.push(m)),
        showInformationMessage: () => Promise.resolve(undefined),
        showErrorMessage: (m: string) => Promise.resolve(calls.warnings.push(m)),
      },
      workspace: {
        workspaceFolders: [{ uri: fakeUri('/ws') }],
        fs: { writeFile: (u: FakeUri, data: Uint8Array) => Promise.resolve(void calls.writes.push({ path: u.path, text: new TextDecoder().decode(data) })) },
      },
    };
  }
}

/** A workspaceState (vscode.Memento) in memory; share one between two panels to play a window reload. */
export function fakeMemento() {
  const store = new Map<string, unknown>();
  return {
    keys: () => [...store.keys()],
    get: <T>(key: string, fallback?: T) => (store.has(key) ? (store.get(key) as T) : fallback) as T,
    update: (key: string, value: unknown) => Promise.resolve(void (value === undefined ? store.delete(key) : store.set(key, value))),
  };
}

/** Polls until `done` (timers fire late on a busy machine, so no fixed sleeps for things that must happen). */
export async function until(done: () => boolean, timeoutMs = 2_000): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
