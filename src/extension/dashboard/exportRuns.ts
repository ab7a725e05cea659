/** The dashboard's "Export" of the overlaid runs: their records and series as CSV or JSON, through a save dialog. */
import * as vscode from 'vscode';
import type { DashboardRequest, DashboardUpdate } from '../../shared/dashboardMessages';
import type { PanelHost } from '../panelHost/panelHost';
import type { RunsSource } from '../runsSource';
import { defaultExportFileName, formatRunsCsv, formatRunsJson, type ExportedRun } from './exportFormat';

export async function exportRuns(
  host: PanelHost<DashboardRequest, DashboardUpdate>,
  source: RunsSource,
  format: 'csv' | 'json',
  runIds: readonly string[],
): Promise<void> {
  const runs: ExportedRun[] = [];
  const thinned: string[] = [];
  for (const id of runIds) {
    const entry = source.get(id);
    if (!entry?.ok) continue;
    const series = await source.metrics(id);
    runs.push({ record: entry.record, lines: series.lines });
    if (series.stride > 1) thinned.push(`${id} (every ${series.stride}th of ${series.stepLines} steps)`);
  }
  // A file too large to hold whole is exported as charted, and the user is told.
  if (thinned.length > 0) void vscode.window.showWarningMessage(`The export has the charted steps only: ${thinned.join(', ')}. metrics.jsonl has them all.`);
  if (runs.length === 0) {
    void vscode.window.showWarningMessage('Select at least one readable run to export.');
    return;
  }
  const now = new Date();
  const counted = runs.length === 1 ? 'one run' : `${runs.length} runs`;
  await host.exportFile(
    {
      title: `Export ${runs.length === 1 ? 'run' : `${runs.length} runs`} as ${format.toUpperCase()}`,
      fileName: defaultExportFileName(format, runs, now),
      extension: format,
      fallbackFolder: source.runsDir,
    },
    () => ({ text: format === 'csv' ? formatRunsCsv(runs) : formatRunsJson(runs, now), summary: counted }),
  );
}
