/**
 * A webview page's handle on its host: typed posting and the persisted view state.
 * `acquireVsCodeApi` may be called only once per page, so each page's vscodeApi.ts calls this once.
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
