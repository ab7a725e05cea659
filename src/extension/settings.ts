/**
 * Reads the `vaerec.*` settings and resolves the directories they name. Every setting is read when
 * used, so a change applies to the next run without a reload.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isRecord } from '../shared/runSchema';
import { CONFIG_SETTINGS, type TrainSettings } from './trainSettings';

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

/** What the user set, in the most specific scope that has it; undefined when left at the default. */
function userValue(c: vscode.WorkspaceConfiguration, key: string): unknown {
  const i = c.inspect(key);
  return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
}

/** Only what the user set: the config's defaults (a model's own included) fill in the rest. */
export function trainSettings(): TrainSettings {
  const c = config();
  const set = Object.fromEntries(Object.keys(CONFIG_SETTINGS).map((name) => [name, userValue(c, name)]));
  const hyperparameters = userValue(c, 'hyperparameters');
  return { ...set, ...(isRecord(hyperparameters) ? { hyperparameters } : {}) };
}
