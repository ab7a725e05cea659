/**
 * The typed contract between the extension host and the dashboard webview.
 * State lives in the extension: the webview announces `ready` and receives the full state;
 * afterwards it gets incremental `append` / `runs` updates. Everything the webview sends is
 * untrusted and goes through `parseDashboardRequest` before the host acts on it.
 */
import type { ComparisonsUpdate } from './dashboardComparisons';
import { bare, hasOnlyKeys, listOf, parseRequest, type Parsed, type RequestCheck } from './messageValidation';
import type { MetricsLine, RunEntry } from './runSchema';
import { isRecord, isValidRunId } from './runSchema';

/** The subset of a run the dashboard needs for its table, legend and reference figures. */
export interface DashboardRun {
  entry: RunEntry;
  /** Stable colour index for this run (assigned by the host, kept across sessions by run id). */
  colour: number;
}

/** A series thinned because its file is too large to chart whole: every `stride`-th of `stepLines` step lines. */
export interface SeriesSampling {
  stride: number;
  stepLines: number;
}

export type DashboardUpdate =
  /** `sampling`: the runs whose series is thinned (absent: every step line). */
  | { type: 'state'; runs: DashboardRun[]; selected: string[]; series: Record<string, MetricsLine[]>; sampling: Record<string, SeriesSampling> }
  | { type: 'runs'; runs: DashboardRun[] }
  | { type: 'append'; runId: string; lines: MetricsLine[] }
  | { type: 'select'; selected: string[] }
  /** The full series of these runs, replacing whatever the webview held for them (newly selected runs, or thinned further). */
  | { type: 'series'; series: Record<string, MetricsLine[]>; sampling: Record<string, SeriesSampling> }
  /** The baseline and the ticked runs' paired comparisons with it (after `state`, and whenever they change). */
  | ComparisonsUpdate;

export type DashboardRequest =
  | { type: 'ready' }
  | { type: 'select'; runIds: string[] }
  | { type: 'export'; format: 'csv' | 'json'; runIds: string[] }
  | { type: 'openRunFolder'; runId: string }
  | { type: 'stopRun'; runId: string }
  /** Opens the recommendation inspector on the run (vaerec.inspectRecommendations). */
  | { type: 'inspectRun'; runId: string }
  /** Rerun with Changes (vaerec.rerunWithChanges): the new run is overlaid when it starts. */
  | { type: 'rerunRun'; runId: string }
  /** The run the others are compared with ("vs" column); null clears it. */
  | { type: 'setBaseline'; runId: string | null };

const MAX_RUN_IDS = 10_000;

const runIdList = (v: unknown) => listOf(v, isValidRunId, MAX_RUN_IDS);

function withRunId<K extends 'openRunFolder' | 'stopRun' | 'inspectRun' | 'rerunRun'>(type: K): RequestCheck<{ type: K; runId: string }> {
  return (m) => (hasOnlyKeys(m, ['type', 'runId']) && isValidRunId(m.runId) ? { type, runId: m.runId } : `${type}: expected { runId }`);
}

/** Validates a message from the webview: unknown types, extra fields and malformed ids are rejected. */
export function parseDashboardRequest(v: unknown): Parsed<DashboardRequest> {
  return parseRequest<DashboardRequest>(v, {
    ready: bare('ready'),
    select: (m) => {
      const runIds = runIdList(m.runIds);
      return hasOnlyKeys(m, ['type', 'runIds']) && runIds ? { type: 'select', runIds } : 'select: expected { runIds: string[] }';
    },
    export: (m) => {
      const runIds = runIdList(m.runIds);
      return hasOnlyKeys(m, ['type', 'format', 'runIds']) && runIds && (m.format === 'csv' || m.format === 'json')
        ? { type: 'export', format: m.format, runIds }
        : 'export: expected { format: "csv" | "json", runIds: string[] }';
    },
    openRunFolder: withRunId('openRunFolder'),
    stopRun: withRunId('stopRun'),
    inspectRun: withRunId('inspectRun'),
    rerunRun: withRunId('rerunRun'),
    setBaseline: (m) =>
      hasOnlyKeys(m, ['type', 'runId']) && (m.runId === null || isValidRunId(m.runId))
        ? { type: 'setBaseline', runId: m.runId }
        : 'setBaseline: expected { runId: string | null }',
  });
}

/** The page saves `{ selected, ...view settings }` with setState; a restore after a reload trusts only valid run ids. */
export function restoredSelection(saved: unknown): string[] | undefined {
  if (!isRecord(saved) || !Array.isArray(saved.selected)) return undefined;
  return saved.selected.filter(isValidRunId);
}
