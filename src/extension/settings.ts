/**
 * Reads the `vaerec.*` settings and resolves the directories they name. Every setting is read when
 * used, so a change applies to the next run without a reload.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isRecord } from '../shared/runSchema';
import type { TrainSettings } from './trainSettings';

export const SECTION = 'vaerec';

/** Settings are read for the first workspace folder (the one the runs directory belongs to). */
function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION, vscode.workspace.workspaceFolders?.[0]?.uri ?? null);
}

/** `~` and `${workspaceFolder}` are expanded; a relative path is taken from the first workspace folder. */
export function resolveSettingPath(value: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let p = value.trim().replace(/^~(?=$|[\\/])/, os.homedir());
  if (folder) p = p.replace(/\$\{workspaceFolder\}/g, folder);
  return path.resolve(folder ?? os.homedir(), p);
}

/** Default: `.vaerec/runs` under the first workspace folder (or in the home directory without one). */
export function runsDirectory(): string {
  return resolveSettingPath(config().get<string>('runsDirectory') || path.join('.vaerec', 'runs'));
}

/** Default: the extension's global storage, shared by all workspaces. */
export function datasetCacheDirectory(context: vscode.ExtensionContext): string {
  const value = config().get<string>('datasetCacheDirectory');
  return value ? resolveSettingPath(value) : path.join(context.globalStorageUri.fsPath, 'datasets');
}

/** '' means "ask"; 'ml-1m' or a path (relative ones from the workspace folder). */
export function datasetSetting(): string {
  const value = (config().get<string>('dataset') ?? '').trim();
  return value === '' || value === 'ml-1m' ? value : resolveSettingPath(value);
}

export function nodePathSetting(): string {
  return (config().get<string>('nodePath') ?? '').trim();
}

/** Whether vaerec.epochs is set anywhere, rather than left at its default. */
export function epochsSettingIsSet(): boolean {
  const i = config().inspect<number>('epochs');
  return i !== undefined && [i.globalValue, i.workspaceValue, i.workspaceFolderValue].some((v) => v !== undefined);
}

export function trainSettings(): TrainSettings {
  const c = config();
  const hyperparameters = c.get<unknown>('hyperparameters');
  return {
    epochs: c.get<number>('epochs', 100),
    heldoutUsers: c.get<number>('heldoutUsers', 0),
    seed: c.get<number>('seed', 98765),
    annealSteps: c.get<number>('annealSteps', 0),
    backend: c.get<string>('backend', 'auto'),
    hyperparameters: isRecord(hyperparameters) ? hyperparameters : {},
  };
}
