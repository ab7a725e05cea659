/** The sweep view's side of the host contract: typed posting and the saved state the host restores from. */
import type { SweepViewRequest, SweepViewSavedState } from '../../src/shared/sweepViewMessages';
import { acquireHost } from '../shared/vscodeHost';

const host = acquireHost<SweepViewRequest, SweepViewSavedState>();

export function postRequest(request: SweepViewRequest): void {
  host.post(request);
}

/** Only the sweep folder is kept: after a reload the host sends everything else again. */
export function saveSweepDir(sweepDir: string): void {
  host.save({ sweepDir });
}
