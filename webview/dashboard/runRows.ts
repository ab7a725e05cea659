/**
 * The run history table as data: column definitions, cell formatting, sorting and filtering.
 * No DOM, so it is unit-tested; runTable.ts renders it.
 */
import type { DashboardRun } from '../../src/shared/dashboardMessages';
import { MODEL_INFO, MODEL_KINDS, modelLabel, type ModelKind } from '../../src/shared/modelKinds';
import type { RunRecord, RunStatus } from '../../src/shared/runSchema';
import { formatDuration, runDurationSeconds } from '../../src/shared/runFormat';

const klModels = MODEL_KINDS.filter((m) => MODEL_INFO[m].kl).map((m) => MODEL_INFO[m].label);

export type SortValue = number | string | undefined;

export interface Column {
  key: string;
  header: string;
  /** Longer header text for screen readers and tooltips. */
  description: string;
  numeric: boolean;
  /**
   * Hidden until the user adds it with the Columns menu: the hyperparameters and timings. What
   * stays (status, epochs, validation and test metrics, the reference) fits a 1,200 px editor.
   */
  optional?: boolean;
  value(r: RunRecord): SortValue;
  format(r: RunRecord): string;
}

export interface RunRow {
  id: string;
  colour: number;
  /** The valid record, or undefined for a damaged run directory. */
  record?: RunRecord;
  name: string;
  model?: ModelKind;
  status: RunStatus | 'damaged';
  damagedReason?: string;
  /** Lowercased text the filter matches against. */
  haystack: string;
}

export interface SortState {
  key: string;
  descending: boolean;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function formatMetric(v: number | undefined): string {
  return v === undefined ? '' : v.toFixed(3);
}

/** Compact decimal for hyperparameters: 0.001 -> 1e-3, 0.2 -> 0.2, 200000 -> 200000. */
export function formatParam(v: number | undefined): string {
  if (v === undefined) return '';
  if (v !== 0 && Math.abs(v) < 0.01) return v.toExponential().replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(6)));
}

const metricColumn = (key: string, header: string, description: string, get: (r: RunRecord) => unknown): Column => ({
  key,
  header,
  description,
  numeric: true,
  value: (r) => num(get(r)),
  format: (r) => formatMetric(num(get(r))),
});

/** Trained in epochs (an architecture, an optimiser, curves); a kind fitted in one pass has none of it. */
const trained = (r: RunRecord): boolean => MODEL_INFO[r.model]?.epochs !== false;

/** A hyperparameter of the training loop: a dash for a kind fitted in one pass, which has none. */
const paramColumn = (key: string, header: string, description: string, get: (r: RunRecord) => unknown): Column => ({
  key,
  header,
  description,
  numeric: true,
  optional: true,
  value: (r) => (trained(r) ? num(get(r)) : undefined),
  format: (r) => (trained(r) ? formatParam(num(get(r))) : '–'),
});

/** Columns after the checkbox, name, model and status (which every row, damaged or not, has). */
export const DETAIL_COLUMNS: readonly Column[] = [
  {
    key: 'epochs',
    header: 'Epochs',
    description: 'Epochs completed / configured ("fitted": fitted in one pass, no epochs)',
    numeric: true,
    value: (r) => (trained(r) ? num(r.epochsCompleted) : undefined),
    format: (r) => (trained(r) ? `${num(r.epochsCompleted) ?? 0}/${num(r.config?.epochs) ?? '?'}` : 'fitted'),
  },
  {
    key: 'beta',
    header: 'β cap / anneal',
    description: `KL weight cap and annealing steps (${klModels.join(' and ')})`,
    numeric: true,
    optional: true,
    value: (r) => (MODEL_INFO[r.model].kl ? num(r.config?.annealCap) : undefined),
    format: (r) => (MODEL_INFO[r.model].kl ? `${formatParam(num(r.config?.annealCap))} / ${formatParam(num(r.config?.annealSteps))}` : '–'),
  },
  paramColumn('lr', 'LR', 'Learning rate', (r) => (MODEL_INFO[r.model].epochs ? r.config?.learningRate : undefined)),
  paramColumn('batch', 'Batch', 'Batch size (users)', (r) => (MODEL_INFO[r.model].epochs ? r.config?.batchSize : undefined)),
  {
    key: 'arch',
    header: 'Hidden / latent',
    description: 'Hidden and latent layer sizes',
    numeric: true,
    optional: true,
    value: (r) => (trained(r) ? num(r.config?.latent) : undefined),
    format: (r) => (trained(r) ? `${num(r.config?.hidden) ?? '?'} / ${num(r.config?.latent) ?? '?'}` : '–'),
  },
  {
    key: 'bestVal',
    header: 'Best val NDCG@100',
    description: 'Best validation NDCG@100 and its epoch (a kind fitted in one pass has one validation)',
    numeric: true,
    value: (r) => num(r.best?.['ndcg@100']),
    format: (r) =>
      r.best
        ? `${formatMetric(num(r.best['ndcg@100']))}${trained(r) ? ` (ep ${r.best.epoch})` : r.best.lambda !== undefined ? ` (λ ${r.best.lambda})` : ''}`
        : '',
  },
  { ...metricColumn('lastVal', 'Last val NDCG@100', 'Validation NDCG@100 of the last validated epoch', (r) => r.lastValidation?.['ndcg@100']), optional: true },
  metricColumn('testNdcg', 'Test NDCG@100', 'Test NDCG@100 (best-validation weights)', (r) => r.test?.['ndcg@100']),
  metricColumn('testR20', 'Test R@20', 'Test Recall@20', (r) => r.test?.['recall@20']),
  metricColumn('testR50', 'Test R@50', 'Test Recall@50', (r) => r.test?.['recall@50']),
  {
    key: 'duration',
    header: 'Duration',
    description: 'Wall time from creation to finish (or to the last update while running)',
    numeric: true,
    optional: true,
    value: (r) => runDurationSeconds(r),
    format: (r) => formatDuration(runDurationSeconds(r)),
  },
  {
    key: 'backend',
    header: 'Backend',
    description: 'TensorFlow.js backend that ran',
    numeric: false,
    optional: true,
    value: (r) => r.backend ?? r.config?.backend,
    format: (r) => r.backend ?? r.config?.backend ?? '',
  },
];

export function toRow(run: DashboardRun): RunRow {
  const e = run.entry;
  if (!e.ok) {
    return { id: e.id, colour: run.colour, name: e.id, status: 'damaged', damagedReason: e.reason, haystack: `${e.id} damaged ${e.reason}`.toLowerCase() };
  }
  const r = e.record;
  const haystack = [r.id, r.name, r.model, modelLabel(r.model), r.status, r.backend ?? ''].join(' ').toLowerCase();
  return { id: r.id, colour: run.colour, record: r, name: r.name, model: r.model, status: r.status, haystack };
}

/** Every whitespace-separated term must occur somewhere in the row's name, id, model, status or backend. */
export function filterRows(rows: readonly RunRow[], query: string): RunRow[] {
  const terms = query
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t.length > 0);
  return terms.length === 0 ? [...rows] : rows.filter((row) => terms.every((t) => row.haystack.includes(t)));
}

function sortValue(row: RunRow, key: string): SortValue {
  switch (key) {
    case 'name':
      return row.name.toLowerCase();
    case 'model':
      return row.model;
    case 'status':
      return row.status;
    case 'created':
      return row.record?.createdAt;
    default: {
      const column = DETAIL_COLUMNS.find((c) => c.key === key);
      return column && row.record ? column.value(row.record) : undefined;
    }
  }
}

/** Stable sort; rows without a value (damaged runs, metrics not yet known) always go last. */
export function sortRows(rows: readonly RunRow[], sort: SortState): RunRow[] {
  const keyed = rows.map((row, i) => ({ row, i, v: sortValue(row, sort.key) }));
  keyed.sort((a, b) => {
    if (a.v === undefined || b.v === undefined) return a.v === b.v ? a.i - b.i : a.v === undefined ? 1 : -1;
    const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v));
    return (sort.descending ? -c : c) || a.i - b.i;
  });
  return keyed.map((k) => k.row);
}
