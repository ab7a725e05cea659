/**
 * Commands that start or stop training: Train (one command per model), Rerun with Changes, Stop Training.
 * Train and rerun need a trusted workspace: they run a program (vaerec.nodePath) on the
 * workspace's data and write into it.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { MODEL_INFO, MODEL_KINDS, type ModelKind } from '../shared/modelKinds';
import { trainerLiveness } from '../shared/runLiveness';
import { isRecord } from '../shared/runSchema';
import { ConfigError, makeConfig } from '../shared/trainConfig';
import { pickRun } from './runPicker';
import type { RunsStore } from './runsStore';
import { datasetCacheDirectory, datasetSetting, trainSettings } from './settings';
import { editHyperparametersJson, pickDataset, pickHyperparameters } from './trainPrompts';
import type { TrainingSession } from './trainingSession';
import { requireTrust } from './trust';
import type { Overrides } from './trainSettings';
import { buildTrainConfig, mergeOverrides, rerunStart, settingFor } from './trainSettings';

/** What scripts and tests may pass to a model's train command (`vaerec.trainMvae`...) to skip the questions. */
export interface TrainArgs {
  dataset?: string;
  overrides?: Overrides;
  name?: string;
}

function parseTrainArgs(v: unknown): TrainArgs {
  if (!isRecord(v)) return {};
  return {
    dataset: typeof v.dataset === 'string' ? v.dataset : undefined,
    overrides: isRecord(v.overrides) ? v.overrides : undefined,
    name: typeof v.name === 'string' ? v.name : undefined,
  };
}

export class TrainCommands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: RunsStore,
    private readonly session: TrainingSession,
  ) {}

  register(): vscode.Disposable[] {
    const trainCommands = MODEL_KINDS.flatMap((model) => {
      const id = MODEL_INFO[model].trainCommand;
      return id ? [vscode.commands.registerCommand(id, (args?: unknown) => this.train(model, parseTrainArgs(args)))] : [];
    });
    return [
      ...trainCommands,
      vscode.commands.registerCommand('vaerec.rerunWithChanges', (runId?: string) => this.rerun(runId)),
      vscode.commands.registerCommand('vaerec.stopTraining', (runId?: string) => this.stop(runId)),
    ];
  }

  /** Resolves with the new run's id once the trainer has started it (undefined if nothing started). */
  async train(model: ModelKind, args: TrainArgs): Promise<string | undefined> {
    if (!requireTrust('Training')) return undefined;
    if (!this.session.ensureIdle()) return undefined;
    const cacheDir = datasetCacheDirectory(this.context);
    const configured = args.dataset ?? datasetSetting();
    const source = configured || (await pickDataset(cacheDir, this.context.workspaceState));
    if (!source) return undefined;
    const settings = trainSettings();
    try {
      // Questions are asked only in the interactive flow: a dataset from the settings or the
      // arguments means the settings say all there is to say.
      const overrides = args.overrides ?? (configured ? {} : await pickHyperparameters(model, source, settings));
      if (!overrides) return undefined;
      const config = buildTrainConfig(model, source, settings, overrides);
      return await this.session.start({ config, cacheDir, name: args.name, whereToChange: (field) => settingFor(field, settings) });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      void vscode.window.showErrorMessage(`Cannot train: ${err.message}. Change ${settingFor(err.field, settings)}.`);
      return undefined;
    }
  }

  private async rerun(runId?: string): Promise<string | undefined> {
    if (!requireTrust('Training') || !this.session.ensureIdle()) return undefined;
    const id = runId ?? (await pickRun(this.store, 'Rerun with changes', (e) => e.ok));
    const entry = id ? this.store.get(id) : undefined;
    if (!entry?.ok) {
      if (entry) void vscode.window.showErrorMessage(`Run ${entry.id} is damaged (${entry.reason}): its configuration cannot be read.`);
      return undefined;
    }
    const { config, name } = entry.record;
    // The run's choices, "auto" included: values the trainer resolved for that run are information only.
    const { overrides: chosen, resolved } = rerunStart(entry.record);
    const note = resolved.length > 0 ? `In ${name}, "auto" gave ${resolved.join(' and ')}.` : undefined;
    const edited = await editHyperparametersJson(config.model, config.data.source, chosen, `Rerun ${name} with changes (JSON)`, note);
    if (!edited) return undefined;
    // The rerun reads the same data the same way (columns, delimiter...); only the source is passed apart.
    const dataOptions: Overrides = { ...config.data };
    delete dataOptions.source;
    const whereToChange = (field: string) => `"${field}" in Rerun with Changes`;
    try {
      const next = makeConfig(config.model, config.data.source, mergeOverrides(chosen, edited, { data: dataOptions }));
      return await this.session.start({ config: next, cacheDir: datasetCacheDirectory(this.context), whereToChange });
    } catch (err) {
      void vscode.window.showErrorMessage(`Cannot rerun: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Stops this window's run, or (after confirmation) a run trained by the CLI or another window. */
  private async stop(runId?: string): Promise<void> {
    const own = this.session.activeRunId;
    if (this.session.busy && (runId === undefined || runId === own)) {
      this.session.stop();
      return;
    }
    const id = runId ?? (await pickRun(this.store, 'Stop which run?', (e) => e.ok && e.record.status === 'running'));
    const entry = id ? this.store.get(id) : undefined;
    if (!entry) return;
    if (!entry.ok || entry.record.status !== 'running') {
      void vscode.window.showInformationMessage(`Run ${id} is not running.`);
      return;
    }
    const { pid, host, name } = entry.record;
    // Checked again just before signalling: the pid must still name that trainer, not a reused pid.
    if (pid === undefined || (host !== undefined && host !== os.hostname()) || !trainerLiveness(entry.record).alive) {
      void vscode.window.showWarningMessage(`Run ${name} is trained by a process this window cannot reach (pid ${pid ?? '?'} on ${host ?? '?'}).`);
      return;
    }
    // The pid comes from run.json on disk: in an untrusted workspace it may name any process.
    if (!requireTrust('Stopping a run trained by another process')) return;
    const ok = await vscode.window.showWarningMessage(`Stop run ${name}? It is trained by another process (pid ${pid}).`, { modal: true }, 'Stop');
    // The trainer treats SIGTERM like a cancel message: it records the run as cancelled.
    if (ok === 'Stop') process.kill(pid, 'SIGTERM');
  }
}
