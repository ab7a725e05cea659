/**
 * The typed contract between the extension host and the dashboard webview.
 * State lives in the extension: the webview announces `ready` and receives the full state;
 * afterwards it gets incremental `append` / `runs` updates. Everything the webview sends is
 * untrusted and goes through `parseDashboardRequest` before the host acts on it.
 */
import type { MetricsLine, RunEntry } from './runSchema';
import { isRecord, isValidRunId } from './runSchema';

/** The subset of a run the dashboard needs for its table, legend and reference figures. */
export interface DashboardRun {
  entry: RunEntry;
  /** Stable colour index for this run (assigned by the host, kept across sessions by run id). */
  colour: number;
}

export type DashboardUpdate =
  | { type: 'state'; runs: DashboardRun[]; selected: string[]; series: Record<string, MetricsLine[]> }
  | { type: 'runs'; runs: DashboardRun[] }
  | { type: 'append'; runId: string; lines: MetricsLine[] }
  | { type: 'select'; selected: string[] }
  /** The full series of these runs, replacing whatever the webview held for them (sent for newly selected runs). */
  | { type: 'series'; series: Record<string, MetricsLine[]> };

export type DashboardRequest =
  | { type: 'ready' }
  | { type: 'select'; runIds: string[] }
  | { type: 'export'; format: 'csv' | 'json'; runIds: string[] }
  | { type: 'openRunFolder'; runId: string }
  | { type: 'stopRun'; runId: string }
  /** Opens the recommendation inspector on the run (vaerec.inspectRecommendations). */
  | { type: 'inspectRun'; runId: string };

const MAX_RUN_IDS = 10_000;

function hasOnlyKeys(v: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(v).every((k) => keys.includes(k));
}

function runIdList(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length > MAX_RUN_IDS) return undefined;
  return v.every(isValidRunId) ? (v as string[]) : undefined;
}

/** Validates a message from the webview: unknown types, extra fields and malformed ids are rejected. */
export function parseDashboardRequest(v: unknown): { ok: true; request: DashboardRequest } | { ok: false; reason: string } {
  if (!isRecord(v) || typeof v.type !== 'string') return { ok: false, reason: 'message is not an object with a type' };
  switch (v.type) {
    case 'ready':
      return hasOnlyKeys(v, ['type']) ? { ok: true, request: { type: 'ready' } } : { ok: false, reason: 'ready: unexpected fields' };
    case 'select': {
      const runIds = runIdList(v.runIds);
      if (!hasOnlyKeys(v, ['type', 'runIds']) || !runIds) return { ok: false, reason: 'select: expected { runIds: string[] }' };
      return { ok: true, request: { type: 'select', runIds } };
    }
    case 'export': {
      const runIds = runIdList(v.runIds);
      if (!hasOnlyKeys(v, ['type', 'format', 'runIds']) || !runIds || (v.format !== 'csv' && v.format !== 'json')) {
        return { ok: false, reason: 'export: expected { format: "csv" | "json", runIds: string[] }' };
      }
      return { ok: true, request: { type: 'export', format: v.format, runIds } };
    }
    case 'openRunFolder':
    case 'stopRun':
    case 'inspectRun': {
      if (!hasOnlyKeys(v, ['type', 'runId']) || !isValidRunId(v.runId)) return { ok: false, reason: `${v.type}: expected { runId }` };
      return { ok: true, request: { type: v.type, runId: v.runId } };
    }
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(v.type).slice(0, 40)}` };
  }
}
