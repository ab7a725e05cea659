/**
 * What every webview panel of the extension has in common, so that a panel's own class holds only
 * its state logic: the page (nonce CSP shell, bundle URIs, options), the restore after a reload, the
 * ready handshake, the ready and disposed flags, the disposables, the one path of a page's messages
 * (parse -> validate -> handle, each failure logged) and the save-as of an export.
 *
 * State lives in the extension. A panel is created without retained context, so its page is torn
 * down whenever it is hidden; the page announces `ready` each time it loads, and only then does the
 * host send it the whole state (`sendState`) and, after that, updates. Nothing is posted to a page
 * that is not ready: whatever it missed comes with the next full state.
 */
import * as vscode from 'vscode';
import type { Parsed } from '../../shared/messageValidation';
import { makeNonce, renderPageShell, type PageParts, type PageText } from './pageShell';

/** What activate() gives every panel: the extension's context and its one log channel. */
export interface PanelServices {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
}

/** One kind of panel. */
export interface PanelKind {
  viewType: string;
  /** The page's script and stylesheet: dist/webview/<bundle>.js and .css. */
  bundle: string;
  page: PageText;
  /** How the panel names itself in log lines ("dropped an invalid dashboard message") and, capitalised, in error messages. */
  name: string;
  /** Extension folders the page may load files from besides the bundles. */
  resourceFolders?: readonly string[];
}

/** A panel's state logic, as its host calls it. */
export interface PanelLogic<Request extends { type: string }> {
  /** Checks a message from the page (untrusted) against the panel's contract. */
  parse(message: unknown): Parsed<Request>;
  /** The page said `ready`: post it the whole state. */
  sendState(): void;
  handle(request: Exclude<Request, { type: 'ready' }>): Promise<void>;
  /** The page was torn down (panel hidden): drop what was queued for it. */
  onHidden?(): void;
  onDispose?(): void;
}

/** A file the user exports: the dialog's title, the proposed name, and where to propose it without a workspace. */
export interface ExportTarget {
  title: string;
  fileName: string;
  /** Without a dot: 'csv', 'json'. */
  extension: string;
  fallbackFolder: string;
}

/** The exported text and how the confirmation names it ("3 runs"). */
export interface ExportedFile {
  text: string;
  summary: string;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** dist/webview: where the pages' bundles are. */
function bundleFolder(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

function webviewOptions(extensionUri: vscode.Uri, kind: PanelKind): vscode.WebviewOptions {
  const folders = (kind.resourceFolders ?? []).map((f) => vscode.Uri.joinPath(extensionUri, f));
  return { enableScripts: true, localResourceRoots: [bundleFolder(extensionUri), ...folders] };
}

function pageParts(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: string): PageParts {
  const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(bundleFolder(extensionUri), file)).toString();
  return { cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: asset(`${bundle}.js`), styleUri: asset(`${bundle}.css`) };
}

export class PanelHost<Request extends { type: string }, Update> implements vscode.Disposable {
  private isReady = false;
  private isDisposed = false;
  private readonly disposables: vscode.Disposable[] = [];

  /** A new panel of this kind in the active column (hand it to a PanelHost). */
  static createPanel(services: PanelServices, kind: PanelKind, title: string): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(kind.viewType, title, vscode.ViewColumn.Active, {
      ...webviewOptions(services.context.extensionUri, kind),
      retainContextWhenHidden: false,
    });
  }

  /**
   * Restores panels of this kind after a window reload from the state their page saved. `restore`
   * adopts the panel (and returns true) or refuses it (unusable state, a panel already open), and
   * then the panel is closed.
   */
  static registerSerializer(services: PanelServices, kind: PanelKind, restore: (panel: vscode.WebviewPanel, saved: unknown) => boolean): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(kind.viewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, saved: unknown) => {
        // The webview options are not kept across a reload; the page needs them before it loads.
        panel.webview.options = webviewOptions(services.context.extensionUri, kind);
        if (!restore(panel, saved)) panel.dispose();
      },
    });
  }

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly services: PanelServices,
    private readonly kind: PanelKind,
    private readonly logic: PanelLogic<Request>,
  ) {
    panel.webview.html = renderPageShell(pageParts(panel.webview, services.context.extensionUri, kind.bundle), kind.page);
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.onDidChangeViewState(
      () => {
        if (panel.visible) return;
        this.isReady = false;
        logic.onHidden?.();
      },
      null,
      this.disposables,
    );
    panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m), null, this.disposables);
  }

  /** The page has said `ready` and is still there: posts reach it. */
  get ready(): boolean {
    return this.isReady;
  }

  get log(): vscode.LogOutputChannel {
    return this.services.log;
  }

  /** Disposed with the panel. */
  own(...disposables: vscode.Disposable[]): void {
    this.disposables.push(...disposables);
  }

  reveal(): void {
    this.panel.reveal();
  }

  post(update: Update): void {
    if (this.isReady && !this.isDisposed) void this.panel.webview.postMessage(update);
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.isReady = false;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.logic.onDispose?.();
    this.panel.dispose();
  }

  /** Asks where to save (in the first workspace folder by default), then writes what `make` returns; a cancelled dialog writes nothing. */
  async exportFile(target: ExportTarget, make: () => Promise<ExportedFile> | ExportedFile): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(target.fallbackFolder);
    const uri = await vscode.window.showSaveDialog({
      title: target.title,
      defaultUri: vscode.Uri.joinPath(folder, target.fileName),
      filters: { [target.extension.toUpperCase()]: [target.extension] },
      saveLabel: 'Export',
    });
    if (!uri) return;
    const file = await make();
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(file.text));
    void vscode.window.showInformationMessage(`Exported ${file.summary} to ${uri.fsPath}`);
  }

  /** The one path of a page's message: checked, then handled; a refusal or a failure is logged, a failure also shown. */
  private receive(raw: unknown): void {
    const parsed = this.logic.parse(raw);
    if (!parsed.ok) {
      this.log.warn(`dropped an invalid ${this.kind.name} message: ${parsed.reason}`);
      return;
    }
    const { request } = parsed;
    this.dispatch(request).catch((e: unknown) => {
      this.log.error(`${this.kind.name} ${request.type} failed: ${errorMessage(e)}`);
      void vscode.window.showErrorMessage(`${this.kind.name[0].toUpperCase()}${this.kind.name.slice(1)}: ${errorMessage(e)}`);
    });
  }

  /** Runs synchronously up to the handler's first await: the full state is posted before `ready` returns. */
  private async dispatch(request: Request): Promise<void> {
    if (request.type === 'ready') {
      this.isReady = true;
      this.logic.sendState();
      return;
    }
    await this.logic.handle(request as Exclude<Request, { type: 'ready' }>);
  }
}
