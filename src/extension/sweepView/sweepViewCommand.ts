/**
 * "Recommender: Open Sweep View": from the Runs tree's sweep node (an object with `sweepDir`), a
 * caller with a sweep folder (a string), or the palette (asks among the sweeps beside the runs
 * directory, `sweepsDirFor`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isRecord, isValidRunId } from '../../shared/runSchema';
import { readSweep, sweepsDirFor } from '../../shared/sweepReader';
import type { PanelServices } from '../panelHost/panelHost';
import type { RunsSource } from '../runsSource';
import { SweepViewPanel } from './sweepViewPanel';

export const OPEN_SWEEP_VIEW_COMMAND = 'vaerec.openSweepView';

/** The sweep folder a caller passed: a non-empty string, or an object whose `sweepDir` is one. */
export function sweepDirArgument(arg: unknown): string | undefined {
  const dir = isRecord(arg) ? arg.sweepDir : arg;
  return typeof dir === 'string' && dir.length > 0 && !dir.includes('\0') ? dir : undefined;
}

type SweepItem = vscode.QuickPickItem & { dir: string };

/** The sweeps beside the runs directory, newest first; a damaged record is listed with its reason. */
export function sweepItems(runsDir: string): SweepItem[] {
  const sweepsDir = sweepsDirFor(runsDir);
  let names: string[];
  try {
    names = fs.readdirSync(sweepsDir).filter(isValidRunId);
  } catch {
    return [];
  }
  return names
    .map((name) => {
      const dir = path.join(sweepsDir, name);
      const read = readSweep(dir);
      if ('reason' in read) return { label: name, description: 'damaged', detail: read.reason, dir, created: '' };
      const r = read.record;
      const done = r.trials.filter((t) => !['pending', 'running'].includes(t.state)).length;
      return { label: r.name, description: `${r.status} · ${done}/${r.trials.length} trials · ${r.spec.model}`, detail: name, dir, created: r.createdAt };
    })
    .sort((a, b) => b.created.localeCompare(a.created))
    .map(({ created: _created, ...item }) => item);
}

export function registerSweepView(panels: PanelServices, source: RunsSource): vscode.Disposable[] {
  const open = async (arg?: unknown): Promise<void> => {
    let dir = sweepDirArgument(arg);
    if (!dir) {
      const items = sweepItems(source.runsDir);
      if (items.length === 0) {
        void vscode.window.showInformationMessage(`Open Sweep View: no sweep in ${sweepsDirFor(source.runsDir)}. Start one with "vaerec sweep run FILE".`);
        return;
      }
      dir = (await vscode.window.showQuickPick(items, { title: 'Open sweep view', matchOnDescription: true, matchOnDetail: true }))?.dir;
      if (!dir) return;
    }
    SweepViewPanel.createOrShow(panels, source, dir);
  };
  return [vscode.commands.registerCommand(OPEN_SWEEP_VIEW_COMMAND, open), SweepViewPanel.registerSerializer(panels, source)];
}
