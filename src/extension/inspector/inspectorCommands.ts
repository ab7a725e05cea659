/**
 * "Recommender: Inspect Recommendations": from the Runs tree (the clicked run), the dashboard's
 * `inspectRun` message (a run id) or the palette (asks, among runs with saved weights).
 */
import * as vscode from 'vscode';
import { isValidRunId } from '../../shared/runSchema';
import { pickRun } from '../runPicker';
import type { PanelServices } from '../panelHost/panelHost';
import type { RunsSource } from '../runsSource';
import { isInspectable } from './inspectableRuns';
import { InspectorPanel } from './inspectorPanel';

export const INSPECT_COMMAND = 'vaerec.inspectRecommendations';

export function registerInspector(panels: PanelServices, source: RunsSource): vscode.Disposable[] {
  const inspect = async (clicked?: unknown): Promise<void> => {
    const runId = isValidRunId(clicked) ? clicked : await pickRun(source, 'Inspect recommendations of run', isInspectable);
    if (!runId) return;
    const entry = source.get(runId);
    if (!isInspectable(entry)) {
      const why = !entry
        ? 'it is not in the runs directory'
        : !entry.ok
          ? entry.reason
          : entry.record.status === 'running'
            ? 'it is still training'
            : 'it has no saved weights';
      void vscode.window.showWarningMessage(`Cannot inspect run ${runId}: ${why}.`);
      return;
    }
    InspectorPanel.createOrShow(panels, source, runId);
  };
  return [vscode.commands.registerCommand(INSPECT_COMMAND, inspect), InspectorPanel.registerSerializer(panels, source)];
}
