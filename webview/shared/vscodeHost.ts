/**
 * A webview page's handle on its host: typed posting, the persisted view state, and the host's
 * messages. `acquireVsCodeApi` may be called only once per page, so each page's vscodeApi.ts calls
 * this once.
 */
interface VsCodeApi<Request, State> {
  postMessage(message: Request): void;
  getState(): unknown;
  setState(state: State): void;
}

declare function acquireVsCodeApi<Request, State>(): VsCodeApi<Request, State>;

export interface WebviewHost<Request, State> {
  post(request: Request): void;
  /** The saved state's fields, unchecked: written by an older page version, or not at all. */
  savedFields(): Partial<Record<keyof State, unknown>>;
  save(state: State): void;
}

export function acquireHost<Request, State>(): WebviewHost<Request, State> {
  const api = acquireVsCodeApi<Request, State>();
  return {
    post: (request) => api.postMessage(request),
    savedFields: () => {
      const raw = api.getState();
      return typeof raw === 'object' && raw !== null ? (raw as Partial<Record<keyof State, unknown>>) : {};
    },
    save: (state) => api.setState(state),
  };
}

/** Calls `handle` with each host message of one of `types`. */
export function onHostMessage<Update extends { type: string }>(types: readonly Update['type'][], handle: (update: Update) => void): void {
  const known: ReadonlySet<string> = new Set(types);
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    // Only the extension host posts here; the check keeps a stray message from breaking the page.
    const data = event.data;
    if (typeof data === 'object' && data !== null && known.has(String((data as { type?: unknown }).type))) handle(data as Update);
  });
}
