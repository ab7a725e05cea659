/** The dashboard webview's side of the host contract: typed posting and the persisted view state. */
import type { DashboardRequest } from '../../src/shared/dashboardMessages';
import { acquireHost } from '../shared/vscodeHost';
import { X_AXES, type ChartMetric, type XAxis } from './transforms';

/** What survives a reload: the host restores `selected` (see DashboardPanel.registerSerializer); the rest is view settings. */
export interface PersistedViewState {
  selected: string[];
  xAxis: XAxis;
  smoothing: number;
  logY: Partial<Record<ChartMetric, boolean>>;
  /** The optional run-table columns shown (hyperparameters, timings). */
  columns: string[];
}

const host = acquireHost<DashboardRequest, PersistedViewState>();

export function postRequest(request: DashboardRequest): void {
  host.post(request);
}

export const DEFAULT_SMOOTHING = 0.6;

/** Reads the saved view state defensively: it was written by an older page version, or not at all. */
export function loadViewState(): PersistedViewState {
  const s = host.savedFields();
  const xAxis = X_AXES.find((a) => a === s.xAxis) ?? 'step';
  const smoothing = typeof s.smoothing === 'number' && s.smoothing >= 0 && s.smoothing <= 0.99 ? s.smoothing : DEFAULT_SMOOTHING;
  const logY: PersistedViewState['logY'] = {};
  if (typeof s.logY === 'object' && s.logY !== null) {
    for (const [k, v] of Object.entries(s.logY)) if (v === true) logY[k as ChartMetric] = true;
  }
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return { selected: strings(s.selected), xAxis, smoothing, logY, columns: strings(s.columns) };
}

export function saveViewState(state: PersistedViewState): void {
  host.save(state);
}
