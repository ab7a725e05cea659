/**
 * CSV / JSON formatting of exported run series. Pure (no vscode), so it is unit-tested; the
 * panel only asks for a file name and writes the string.
 */
import type { MetricsLine, RunRecord } from '../../shared/runSchema';

export interface ExportedRun {
  record: RunRecord;
  lines: readonly MetricsLine[];
}

/** One row per metrics line; epoch-only columns are empty on step rows, the loss columns on fit rows (EASE: one per lambda). */
export const CSV_COLUMNS = [
  'run_id',
  'run_name',
  'model',
  'kind',
  'step',
  'epoch',
  'time',
  'loss',
  'nll',
  'kl',
  'beta',
  'neg_elbo',
  'epoch_seconds',
  'val_ndcg@100',
  'lambda',
] as const;

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted and their quotes doubled. */
export function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  // Non-finite numbers become NaN / Infinity, which pandas and R read back as numbers.
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatRunsCsv(runs: readonly ExportedRun[]): string {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  for (const { record, lines } of runs) {
    for (const l of lines) {
      const losses = l.kind === 'fit' ? [undefined, undefined, undefined, undefined, undefined] : [l.loss, l.nll, l.kl, l.beta, l.negElbo];
      const scored = l.kind === 'step' ? [undefined, undefined] : [l.seconds, l['val_ndcg@100']];
      const fields = [record.id, record.name, record.model, l.kind, l.step, l.epoch, l.time, ...losses, ...scored, l.kind === 'fit' ? l.lambda : undefined];
      rows.push(fields.map(csvField).join(','));
    }
  }
  return rows.join('\r\n') + '\r\n';
}

/** The full record (config, split, test metrics) of each run next to its series, for notebooks. */
export function formatRunsJson(runs: readonly ExportedRun[], exportedAt: Date): string {
  const doc = {
    exportedAt: exportedAt.toISOString(),
    runs: runs.map(({ record, lines }) => ({ id: record.id, name: record.name, model: record.model, record, metrics: lines })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

export function defaultExportFileName(format: 'csv' | 'json', runs: readonly ExportedRun[], now: Date): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const what = runs.length === 1 ? runs[0].record.id : `${runs.length}-runs`;
  return `vaerec-${what}-${stamp}.${format}`;
}
