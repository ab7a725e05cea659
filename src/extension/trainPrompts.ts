/**
 * The questions Train asks when the settings do not answer them: which dataset (remembering the
 * last folder, and offering to keep the answer in the settings), which hyperparameters (settings,
 * a preset, or JSON edited and validated in place).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_INFO, type ModelKind } from '../shared/modelKinds';
import { isMovieLens1MCached } from '../trainer/data/download';
import { SECTION } from './settings';
import type { Overrides, TrainSettings } from './trainSettings';
import { PRESETS, buildTrainConfig, configSummary, editableHyperparameters, parseOverridesJson } from './trainSettings';

type DatasetChoice = vscode.QuickPickItem & { pick: 'ml-1m' | 'folder' | 'last' };

/** The last dataset folder or file chosen in this workspace (workspaceState). */
const LAST_DATASET_KEY = 'vaerec.lastDataset';

export async function pickDataset(cacheDir: string, memory: vscode.Memento): Promise<string | undefined> {
  const cached = isMovieLens1MCached(cacheDir);
  const last = memory.get<string>(LAST_DATASET_KEY);
  const lastExists = typeof last === 'string' && fs.existsSync(last);
  const items: DatasetChoice[] = [
    ...(lastExists ? [{ label: `$(history) ${path.basename(last)}`, description: 'last used', detail: last, pick: 'last' as const }] : []),
    cached
      ? { label: '$(database) MovieLens-1M', description: 'cached', detail: cacheDir, pick: 'ml-1m' }
      : { label: '$(cloud-download) Download MovieLens-1M', description: '6 MB, once', detail: `kept in ${cacheDir}`, pick: 'ml-1m' },
    {
      label: '$(folder-opened) Choose a folder or file…',
      detail: 'a MovieLens directory (any layout) or a CSV/TSV file of user, item, rating',
      pick: 'folder',
    },
  ];
  const choice = await vscode.window.showQuickPick(items, {
    title: 'Train: dataset',
    placeHolder: 'Which ratings to train on? (set vaerec.dataset to skip this question)',
  });
  if (!choice) return undefined;
  if (choice.pick === 'ml-1m') return 'ml-1m';
  if (choice.pick === 'last' && lastExists) return last;
  const start = lastExists ? vscode.Uri.file(path.dirname(last)) : vscode.workspace.workspaceFolders?.[0]?.uri;
  const uris = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Train on this',
    ...(start ? { defaultUri: start } : {}),
  });
  const picked = uris?.[0]?.fsPath;
  if (!picked) return undefined;
  await memory.update(LAST_DATASET_KEY, picked);
  offerToSaveDataset(picked);
  return picked;
}

/** After a folder was chosen by hand: keep it as the workspace's vaerec.dataset? (Not awaited: training starts meanwhile.) */
function offerToSaveDataset(dataset: string): void {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const relative = folder ? path.relative(folder.uri.fsPath, dataset) : undefined;
  // Inside the workspace the setting is kept relative, so it survives a move of the folder.
  const value = relative !== undefined && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative || '.' : dataset;
  const save = 'Save to Workspace Settings';
  void vscode.window
    .showInformationMessage(
      `Train on ${path.basename(dataset)} by default? Saving it as the vaerec.dataset setting makes Train start without questions (change hyperparameters in the settings or with Rerun with Changes).`,
      save,
    )
    .then(async (answer) => {
      if (answer !== save) return;
      await vscode.workspace.getConfiguration(SECTION, folder?.uri ?? null).update('dataset', value, vscode.ConfigurationTarget.Workspace);
      void vscode.window.showInformationMessage(`vaerec.dataset is now "${value}" in this workspace's settings.`);
    });
}

type HyperparameterChoice = vscode.QuickPickItem & { overrides?: Overrides };

/** Returns the overrides to layer on the settings, or undefined when the user backs out. */
export async function pickHyperparameters(model: ModelKind, source: string, settings: TrainSettings): Promise<Overrides | undefined> {
  const fromSettings = buildTrainConfig(model, source, settings);
  // The presets choose a number of epochs: nothing to choose for a kind fitted in one pass.
  const presets = MODEL_INFO[model].epochs ? PRESETS : [];
  const items: HyperparameterChoice[] = [
    { label: 'Defaults from settings', detail: configSummary(fromSettings), overrides: {} },
    ...presets.map((p) => ({
      label: `Preset: ${p.label}`,
      detail: `${p.detail} — ${configSummary(buildTrainConfig(model, source, settings, p.overrides))}`,
      overrides: p.overrides,
    })),
    { label: 'Edit as JSON…', detail: 'start from the settings and change any field' },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: `Train ${MODEL_INFO[model].label}: hyperparameters` });
  if (!choice) return undefined;
  return choice.overrides ?? editHyperparametersJson(model, source, editableHyperparameters(fromSettings));
}

/**
 * A one-line JSON editor, validated on every keystroke with the same rules the trainer applies.
 * `note` (what "auto" gave in the run being rerun, say) is shown as information, not as a value.
 */
export async function editHyperparametersJson(
  model: ModelKind,
  source: string,
  start: Overrides,
  title = 'Train: hyperparameters (JSON)',
  note?: string,
): Promise<Overrides | undefined> {
  const example = MODEL_INFO[model].epochs ? '{"epochs": 50, "dropout": 0.3}' : '{"seed": 7, "heldoutUsers": 100}';
  const text = await vscode.window.showInputBox({
    title,
    value: JSON.stringify(start),
    prompt: `Any field shown, e.g. ${example}; "auto" for annealSteps and heldoutUsers lets the trainer choose.${note ? ` ${note}` : ''}`,
    validateInput: (value) => {
      const parsed = parseOverridesJson(value, model, source);
      return parsed.ok ? undefined : parsed.reason;
    },
  });
  if (text === undefined) return undefined;
  const parsed = parseOverridesJson(text, model, source);
  return parsed.ok ? parsed.overrides : undefined;
}
