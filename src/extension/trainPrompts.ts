/**
 * The questions Train asks when the settings do not answer them: which dataset, which
 * hyperparameters (settings, a preset, or JSON edited and validated in place).
 */
import * as vscode from 'vscode';
import { MODEL_INFO, type ModelKind } from '../shared/modelKinds';
import type { TrainConfig } from '../shared/runSchema';
import { isMovieLens1MCached } from '../trainer/data/download';
import type { Overrides, TrainSettings } from './trainSettings';
import { PRESETS, buildTrainConfig, editableHyperparameters, parseOverridesJson } from './trainSettings';

type DatasetChoice = vscode.QuickPickItem & { pick: 'ml-1m' | 'folder' };

export async function pickDataset(cacheDir: string): Promise<string | undefined> {
  const cached = isMovieLens1MCached(cacheDir);
  const items: DatasetChoice[] = [
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
  const uris = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false, openLabel: 'Train on this' });
  return uris?.[0]?.fsPath;
}

type HyperparameterChoice = vscode.QuickPickItem & { overrides?: Overrides };

function summary(config: TrainConfig): string {
  const kind = MODEL_INFO[config.model];
  // A closed-form fit (EASE) has no epochs, optimiser or architecture: only its own settings.
  if (!kind.epochs) return kind.describe ? `fitted in closed form, ${kind.describe.summary(config)}` : 'fitted in closed form';
  const parts = [
    `${config.epochs} epochs`,
    `batch ${config.batchSize}`,
    `lr ${config.learningRate}`,
    `${config.hidden}-${config.latent}`,
    `dropout ${config.dropout}`,
  ];
  if (kind.kl) parts.push(`β cap ${config.annealCap}`);
  if (kind.describe) parts.push(kind.describe.summary(config));
  return parts.join(', ');
}

/** Returns the overrides to layer on the settings, or undefined when the user backs out. */
export async function pickHyperparameters(model: ModelKind, source: string, settings: TrainSettings): Promise<Overrides | undefined> {
  const fromSettings = buildTrainConfig(model, source, settings);
  const items: HyperparameterChoice[] = [
    { label: 'Defaults from settings', detail: summary(fromSettings), overrides: {} },
    ...PRESETS.map((p) => ({
      label: `Preset: ${p.label}`,
      detail: `${p.detail} — ${summary(buildTrainConfig(model, source, settings, p.overrides))}`,
      overrides: p.overrides,
    })),
    { label: 'Edit as JSON…', detail: 'start from the settings and change any field' },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: 'Train: hyperparameters' });
  if (!choice) return undefined;
  return choice.overrides ?? editHyperparametersJson(model, source, fromSettings);
}

/** A one-line JSON editor, validated on every keystroke with the same rules the trainer applies. */
export async function editHyperparametersJson(
  model: ModelKind,
  source: string,
  start: TrainConfig,
  title = 'Train: hyperparameters (JSON)',
): Promise<Overrides | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    value: JSON.stringify(editableHyperparameters(start)),
    prompt: 'Any TrainConfig field except model and data, e.g. {"epochs": 50, "dropout": 0.3}',
    validateInput: (value) => {
      const parsed = parseOverridesJson(value, model, source);
      return parsed.ok ? undefined : parsed.reason;
    },
  });
  if (text === undefined) return undefined;
  const parsed = parseOverridesJson(text, model, source);
  return parsed.ok ? parsed.overrides : undefined;
}
