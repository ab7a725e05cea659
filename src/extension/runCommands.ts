/**
 * Commands on existing runs: open in the dashboard, compare, reveal the folder, delete, refresh,
 * resume. From the Runs tree they receive the clicked run id (and the selection); from the palette they ask.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILE } from '../shared/runLayout';
import { runDirFor } from '../shared/runReader';
import { resumeRefusal } from '../shared/runResume';
import { isValidRunId } from '../shared/runSchema';
import { DashboardPanel } from './dashboard/dashboardPanel';
import type { PanelServices } from './panelHost/panelHost';
import { pickRun, pickRuns } from './runPicker';
import { TREE_RESUMABLE, runLabel } from './runPresentation';
import type { RunsStore } from './runsStore';
import { datasetCacheDirectory } from './settings';
import type { TrainingSession } from './trainingSession';
import { requireTrust } from './trust';

/** Tree menus pass (clicked, selection); other callers pass a run id or an array of them. */
function runIdsFrom(clicked: unknown, selection: unknown): string[] {
  const ids = Array.isArray(selection) && selection.length > 0 ? selection : Array.isArray(clicked) ? clicked : [clicked];
  return ids.filter(isValidRunId);
}

export class RunCommands {
  constructor(
    private readonly panels: PanelServices,
    private readonly store: RunsStore,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('vaerec.openDashboard', (clicked?: unknown, selection?: unknown) => this.openDashboard(runIdsFrom(clicked, selection))),
      vscode.commands.registerCommand('vaerec.compareRuns', (clicked?: unknown, selection?: unknown) => this.compare(runIdsFrom(clicked, selection))),
      vscode.commands.registerCommand('vaerec.revealRunFolder', (runId?: unknown) => this.reveal(runIdsFrom(runId, undefined)[0])),
      vscode.commands.registerCommand('vaerec.deleteRun', (runId?: unknown) => this.delete(runIdsFrom(runId, undefined)[0])),
      vscode.commands.registerCommand('vaerec.refreshRuns', () => this.store.refresh()),
    ];
  }

  private openDashboard(runIds: string[]): void {
    DashboardPanel.createOrShow(this.panels, this.store, runIds.length ? runIds : undefined);
  }

  private async compare(runIds: string[]): Promise<void> {
    const ids = runIds.length > 1 ? runIds : await pickRuns(this.store, 'Compare runs');
    if (ids.length) DashboardPanel.createOrShow(this.panels, this.store, ids);
  }

  private async reveal(runId?: string): Promise<void> {
    const id = runId ?? (await pickRun(this.store, 'Reveal run folder'));
    if (!id) return;
    const dir = runDirFor(this.store.runsDir, id);
    const uri = vscode.Uri.file(path.join(dir, RUN_FILE));
    // Inside the workspace the Explorer shows it (also in remote windows); otherwise the OS file manager.
    if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(dir));
  }

  private async delete(runId?: string): Promise<boolean> {
    if (!requireTrust('Deleting runs')) return false;
    const id = runId ?? (await pickRun(this.store, 'Delete run'));
    if (!id) return false;
    const entry = this.store.get(id);
    if (entry?.ok && entry.record.status === 'running') {
      void vscode.window.showWarningMessage(`Run ${entry.record.name} is training: stop it before deleting it.`);
      return false;
    }
    // runDirFor refuses ids that would resolve outside the runs directory.
    const dir = runDirFor(this.store.runsDir, id);
    const name = entry ? runLabel(entry) : id;
    const answer = await vscode.window.showWarningMessage(
      `Delete run ${name}?`,
      { modal: true, detail: `The folder ${dir} and everything in it (metrics, model weights) will be deleted.` },
      'Delete',
    );
    if (answer !== 'Delete') return false;
    fs.rmSync(dir, { recursive: true, force: true });
    this.store.refresh();
    return true;
  }
}

/**
 * Resume Run: continues an interrupted or cancelled run from its last saved epoch in this window's
 * training session (the trainer's resume request, as `vaerec train --resume`). Resolves with the
 * run id once the trainer has taken it back, or undefined.
 */
export function registerResumeRun(context: vscode.ExtensionContext, store: RunsStore, training: TrainingSession): vscode.Disposable {
  return vscode.commands.registerCommand('vaerec.resumeRun', async (clicked?: unknown): Promise<string | undefined> => {
    if (!requireTrust('Resuming a run') || !training.ensureIdle()) return undefined;
    const id = runIdsFrom(clicked, undefined)[0] ?? (await pickRun(store, 'Resume which run?', (e) => e.ok && TREE_RESUMABLE.includes(e.record.status)));
    if (!id) return undefined;
    const entry = store.get(id);
    const refusal = entry ? resumeRefusal(entry) : `run ${id} is not in ${store.runsDir}`;
    if (refusal || !entry?.ok) {
      void vscode.window.showWarningMessage(`Cannot resume: ${refusal ?? id}`);
      return undefined;
    }
    return training.start({ config: entry.record.config, cacheDir: datasetCacheDirectory(context), resumeRunDir: runDirFor(store.runsDir, id) });
  });
}
