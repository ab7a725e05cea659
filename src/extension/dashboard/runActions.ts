/** The run table's per-run buttons, forwarded to the commands that own them. */
import * as vscode from 'vscode';
import type { DashboardRequest } from '../../shared/dashboardMessages';
import type { RunsSource } from '../runsSource';

const RUN_COMMANDS = {
  openRunFolder: 'vaerec.revealRunFolder',
  stopRun: 'vaerec.stopTraining',
  inspectRun: 'vaerec.inspectRecommendations',
  rerunRun: 'vaerec.rerunWithChanges',
} as const;

export type RunAction = Extract<DashboardRequest, { type: keyof typeof RUN_COMMANDS }>;

/** Runs the command for an existing run; a request naming no run is logged and dropped. */
export async function forwardRunAction(request: RunAction, source: Pick<RunsSource, 'get'>, log: vscode.LogOutputChannel): Promise<void> {
  if (!source.get(request.runId)) {
    log.warn(`${request.type}: no run ${request.runId}`);
    return;
  }
  await vscode.commands.executeCommand(RUN_COMMANDS[request.type], request.runId);
}
