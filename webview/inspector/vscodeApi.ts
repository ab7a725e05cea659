/** The inspector webview's side of the host contract: typed posting and the persisted view state. */
import type { InspectorRequest } from '../../src/shared/inspectorMessages';
import { acquireHost } from '../shared/vscodeHost';
import type { PersistedInspectorState, SavedFields } from './viewState';

const host = acquireHost<InspectorRequest, PersistedInspectorState>();

export function postRequest(request: InspectorRequest): void {
  host.post(request);
}

export function savedFields(): SavedFields {
  return host.savedFields();
}

export function saveViewState(state: PersistedInspectorState): void {
  host.save(state);
}
