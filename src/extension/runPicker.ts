/** Quick picks of runs, for commands run from the palette rather than from a tree item. */
import * as vscode from 'vscode';
import type { RunEntry } from '../shared/runSchema';
import { runDescription, runId, runLabel, runState } from './runPresentation';
import type { RunsSource } from './runsSource';

type RunItem = vscode.QuickPickItem & { runId: string };

function items(source: RunsSource, filter: (e: RunEntry) => boolean): RunItem[] {
  return source
    .list()
    .filter(filter)
    .map((e) => ({ label: runLabel(e), description: runDescription(e), detail: `${runState(e)} · ${runId(e)}`, runId: runId(e) }));
}

export async function pickRun(source: RunsSource, title: string, filter: (e: RunEntry) => boolean = () => true): Promise<string | undefined> {
  const choices = items(source, filter);
  if (choices.length === 0) {
    void vscode.window.showInformationMessage(`${title}: no matching run in ${source.runsDir}.`);
    return undefined;
  }
  return (await vscode.window.showQuickPick(choices, { title }))?.runId;
}

export async function pickRuns(source: RunsSource, title: string): Promise<string[]> {
  const choices = items(source, (e) => e.ok);
  if (choices.length === 0) {
    void vscode.window.showInformationMessage(`${title}: no run in ${source.runsDir}.`);
    return [];
  }
  return ((await vscode.window.showQuickPick(choices, { title, canPickMany: true })) ?? []).map((c) => c.runId);
}
