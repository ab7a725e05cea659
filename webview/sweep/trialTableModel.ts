/**
 * The sweep view's trials table without the DOM: which columns it has (only the parameters that
 * vary, the seed only when configurations repeat), what each cell says, sorting and the text filter.
 */
import type { SweepViewData, SweepViewTrial } from '../../src/shared/sweepViewMessages';

export interface TableColumn {
  key: string;
  header: string;
  description: string;
  numeric: boolean;
  /** What sorting compares; undefined sorts last whatever the direction. */
  value(t: SweepViewTrial): number | string | undefined;
  text(t: SweepViewTrial): string;
}

export interface SortState {
  key: string;
  descending: boolean;
}

export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(+v.toFixed(digits));
}

/** "completed", "stopped at rung 1 (epoch 30)", "stopped by the median rule (epoch 12)". */
export function statusText(t: SweepViewTrial): string {
  const s = t.stoppedAt;
  if (t.status !== 'stopped' || !s) return t.status;
  return s.rung !== null ? `stopped at rung ${s.rung} (epoch ${s.epoch})` : `stopped by the ${s.rule} rule (epoch ${s.epoch})`;
}

const paramValue = (v: number | string | undefined) => (typeof v === 'number' ? formatNumber(v, 6) : (v ?? ''));

export function tableColumns(data: SweepViewData): TableColumn[] {
  const metric = data.sweep.metric;
  const columns: TableColumn[] = [
    { key: 'index', header: '#', description: 'Trial number', numeric: true, value: (t) => t.index, text: (t) => String(t.index) },
  ];
  for (const p of data.parameters) {
    const numeric = data.trials.every((t) => typeof t.params[p] === 'number');
    columns.push({ key: `param:${p}`, header: p, description: `Parameter ${p}`, numeric, value: (t) => t.params[p], text: (t) => paramValue(t.params[p]) });
  }
  if (data.sweep.repeats > 1)
    columns.push({ key: 'seed', header: 'seed', description: 'Seed of this repeat', numeric: true, value: (t) => t.seed, text: (t) => String(t.seed) });
  columns.push(
    { key: 'status', header: 'Status', description: 'Trial state; stopped trials say where', numeric: false, value: statusText, text: statusText },
    { key: 'epochs', header: 'Epochs', description: 'Epochs trained', numeric: true, value: (t) => t.epochs, text: (t) => String(t.epochs) },
    {
      key: 'metric',
      header: metric.name,
      description: `Best ${metric.name} (${metric.goal === 'max' ? 'higher' : 'lower'} is better)`,
      numeric: true,
      value: (t) => t.metric ?? undefined,
      text: (t) => formatNumber(t.metric),
    },
  );
  for (const [k, header] of [
    ['ndcg@100', 'Test NDCG@100'],
    ['recall@20', 'Test R@20'],
    ['recall@50', 'Test R@50'],
  ] as const) {
    columns.push({
      key: `test:${k}`,
      header,
      description: `Test ${k} (completed trials only)`,
      numeric: true,
      value: (t) => t.test?.[k],
      text: (t) => formatNumber(t.test?.[k]),
    });
  }
  return columns;
}

/** Sorted by one column; trials without a value come last in either direction, ties by trial number. */
export function sortTrials(trials: readonly SweepViewTrial[], columns: readonly TableColumn[], sort: SortState): SweepViewTrial[] {
  const column = columns.find((c) => c.key === sort.key) ?? columns[0];
  const sign = sort.descending ? -1 : 1;
  return [...trials].sort((a, b) => {
    const va = column.value(a);
    const vb = column.value(b);
    if (va === undefined || vb === undefined) return va === vb ? a.index - b.index : va === undefined ? 1 : -1;
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), 'en', { numeric: true });
    return c !== 0 ? sign * c : a.index - b.index;
  });
}

/** Every word of the query appears in some cell of the row (case-insensitive); "key=value" must match that column exactly. */
export function matchesQuery(t: SweepViewTrial, columns: readonly TableColumn[], query: string): boolean {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const cells = columns.map((c) => [c.header.toLowerCase(), c.text(t).toLowerCase()] as const);
  return words.every((w) => {
    const eq = w.indexOf('=');
    if (eq > 0) {
      const [k, v] = [w.slice(0, eq), w.slice(eq + 1)];
      return cells.some(([h, text]) => h === k && text === v);
    }
    return cells.some(([, text]) => text.includes(w));
  });
}
