/**
 * Sweep commands: New Sweep (a starter file for a model), Start Sweep (the palette, the CodeLens),
 * Validate, and on a sweep of the Runs tree: Stop, Resume, Rerun best with N seeds, and the sweep
 * view. Starting, resuming, stopping and rerunning need a trusted workspace: they run a program on
 * the workspace's data, or signal a process named in a file of it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_INFO, MODEL_KINDS, type ModelKind } from '../../shared/modelKinds';
import { isRecord } from '../../shared/runSchema';
import { GRID_TRIAL_LIMIT } from '../../shared/sweepSchema';
import { oneLine } from '../../shared/text';
import { bestConfiguration } from '../../shared/sweepSummary';
import type { RunsStore } from '../runsStore';
import { datasetCacheDirectory, datasetSetting } from '../settings';
import { requireTrust } from '../trust';
import { SWEEP_FILE_SELECTOR, SweepCodeLensProvider } from './sweepCodeLens';
import { SweepDiagnostics } from './sweepDiagnostics';
import { SWEEP_FILE_SUFFIX, bestRepeatsSweep, checkSweepText, replayRuleArgs, starterSweep, sweepFileText, sweepFileToOpen } from './sweepFile';
import type { SweepSession } from './sweepSession';
import type { SweepsStore } from './sweepsStore';
import type { SweepListing } from './sweepTreeModel';

/** The sweep view is another module's (vaerec.openSweepView); this window may be built without it. */
export const OPEN_SWEEP_VIEW = 'vaerec.openSweepView';

/** A file argument: a Uri (CodeLens, Explorer) or a path (scripts, tests). */
function fileFrom(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string' && arg.endsWith(SWEEP_FILE_SUFFIX)) return path.resolve(arg);
  return undefined;
}

/** A sweep argument: a tree node or `{ sweepDir }`, or a sweep folder's path. */
function sweepDirFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (isRecord(arg) && typeof arg.sweepDir === 'string' && arg.sweepDir) return arg.sweepDir;
  return undefined;
}

/** A free file name in `dir`: `<stem>.sweep.json`, else `<stem>-2.sweep.json`, ... */
function freeName(dir: string, stem: string): string {
  for (let i = 1; ; i++) {
    const file = path.join(dir, `${stem}${i === 1 ? '' : `-${i}`}${SWEEP_FILE_SUFFIX}`);
    if (!fs.existsSync(file)) return file;
  }
}

export class SweepCommands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly runs: RunsStore,
    private readonly sweeps: SweepsStore,
    private readonly session: SweepSession,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.languages.registerCodeLensProvider(SWEEP_FILE_SELECTOR, new SweepCodeLensProvider()),
      new SweepDiagnostics(),
      vscode.commands.registerCommand('vaerec.newSweep', (model?: unknown) => this.newSweep(model)),
      vscode.commands.registerCommand('vaerec.startSweep', (file?: unknown) => this.start(file)),
      vscode.commands.registerCommand('vaerec.validateSweep', (file?: unknown) => this.validate(file)),
      vscode.commands.registerCommand('vaerec.stopSweep', (sweep?: unknown) => this.stop(sweep)),
      vscode.commands.registerCommand('vaerec.resumeSweep', (sweep?: unknown) => this.resume(sweep)),
      vscode.commands.registerCommand('vaerec.rerunBestSweep', (sweep?: unknown, repeats?: unknown) => this.rerunBest(sweep, repeats)),
      vscode.commands.registerCommand('vaerec.showSweep', (sweep?: unknown) => this.showSweep(sweep)),
      vscode.commands.registerCommand('vaerec.openSweepFile', (sweep?: unknown) => this.openSweepFile(sweep)),
      vscode.commands.registerCommand('vaerec.replaySweep', (sweep?: unknown, rules?: unknown) => this.replay(sweep, rules)),
    ];
  }

  /** Writes a starter sweep file for a model into the workspace and opens it; resolves with its path. */
  async newSweep(modelArg?: unknown): Promise<string | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showErrorMessage('New Sweep writes a sweep file into the workspace: open a folder first.');
      return undefined;
    }
    const model =
      typeof modelArg === 'string' && (MODEL_KINDS as readonly string[]).includes(modelArg)
        ? (modelArg as ModelKind)
        : (
            await vscode.window.showQuickPick(
              MODEL_KINDS.map((m) => ({ label: MODEL_INFO[m].label, description: m, model: m })),
              { title: 'New Sweep', placeHolder: 'Which model does the sweep tune?' },
            )
          )?.model;
    if (!model) return undefined;
    const dataset = datasetSetting();
    const file = freeName(folder.uri.fsPath, `${model}`);
    // A dataset from the settings is absolute; the sweep file would resolve a relative one from its own folder.
    fs.writeFileSync(file, sweepFileText(starterSweep(model, dataset || 'ml-1m')));
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    return file;
  }

  /** The sweep file to start: the argument, the active editor's sweep file, or one picked from the workspace or a dialog. */
  private async pickFile(arg: unknown): Promise<string | undefined> {
    const given = fileFrom(arg);
    if (given) return given;
    const active = vscode.window.activeTextEditor?.document;
    if (active?.uri.scheme === 'file' && active.fileName.endsWith(SWEEP_FILE_SUFFIX)) return active.fileName;
    const found = await vscode.workspace.findFiles(`**/*${SWEEP_FILE_SUFFIX}`, '**/node_modules/**', 200);
    const browse = { label: '$(folder-opened) Choose a sweep file…', file: undefined as string | undefined };
    const items = [
      ...found
        .map((u) => u.fsPath)
        .sort()
        .map((f) => ({ label: path.basename(f), description: vscode.workspace.asRelativePath(path.dirname(f)), file: f as string | undefined })),
      browse,
    ];
    const picked = items.length > 1 ? await vscode.window.showQuickPick(items, { title: 'Start Sweep', placeHolder: 'Which sweep file?' }) : browse;
    if (!picked) return undefined;
    if (picked.file) return picked.file;
    const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Sweep files': ['sweep.json', 'json'] }, title: 'Start Sweep' });
    return chosen?.[0]?.fsPath;
  }

  /** Starts the sweep a file describes; refuses an invalid file with the validator's message. Resolves true when the CLI started. */
  async start(arg?: unknown): Promise<boolean> {
    if (!requireTrust('Running a sweep')) return false;
    const file = await this.pickFile(arg);
    if (!file) return false;
    // The CLI reads the file from disk: what the editor shows is what runs.
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.fileName === file);
    if (open?.isDirty && !(await open.save())) return false;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      void vscode.window.showErrorMessage(`Cannot read ${file}: ${(err as Error).message}`);
      return false;
    }
    const check = checkSweepText(text);
    if ('error' in check) {
      void vscode.window.showErrorMessage(`Cannot run sweep ${vscode.workspace.asRelativePath(file)}: ${check.error}`);
      return false;
    }
    let yes = false;
    if (check.spec.method === 'grid' && check.trials > GRID_TRIAL_LIMIT) {
      const ok = await vscode.window.showWarningMessage(
        `The grid of ${path.basename(file)} has ${check.trials} trials. Start them all?`,
        { modal: true },
        'Start',
      );
      if (ok !== 'Start') return false;
      yes = true;
    }
    return this.session.run(file, this.runs.runsDir, datasetCacheDirectory(this.context), yes);
  }

  private async validate(arg: unknown): Promise<void> {
    const file = await this.pickFile(arg);
    if (!file) return;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.fileName === file);
    const check = checkSweepText(doc ? doc.getText() : fs.readFileSync(file, 'utf8'));
    const name = vscode.workspace.asRelativePath(file);
    if ('error' in check) void vscode.window.showErrorMessage(`${name}: ${check.error}`);
    else {
      const s = check.spec;
      const stopping = s.earlyStopping.type === 'none' ? 'no early stopping' : s.earlyStopping.type === 'asha' ? 'ASHA' : 'the median rule';
      void vscode.window.showInformationMessage(
        `${name} is valid: ${s.method} search of ${check.trials} trial${check.trials === 1 ? '' : 's'} of ${MODEL_INFO[s.model].label}, ${stopping}, ${s.executor.type} executor.`,
      );
    }
  }

  /** The sweep a tree node, `{ sweepDir }` or a path names; undefined (after saying why) if it is not listed. */
  private listing(arg: unknown): SweepListing | undefined {
    const dir = sweepDirFrom(arg);
    if (!dir) {
      void vscode.window.showErrorMessage('Choose a sweep in the Runs view.');
      return undefined;
    }
    this.sweeps.refresh();
    const listing = this.sweeps.byDir(dir);
    if (!listing) void vscode.window.showErrorMessage(`No sweep in ${dir}: its sweep.json is gone.`);
    return listing;
  }

  private async stop(arg: unknown): Promise<void> {
    const s = this.listing(arg);
    if (!s || !requireTrust('Stopping a sweep')) return;
    if (s.status !== 'running') {
      void vscode.window.showInformationMessage(`Sweep ${s.record?.name ?? s.id} is not running (${s.status}).`);
      return;
    }
    const running = s.record?.trials.filter((t) => t.state === 'running').length ?? 0;
    const ok = await vscode.window.showWarningMessage(
      `Stop sweep ${s.record?.name ?? s.id}?`,
      {
        modal: true,
        detail: `Its ${running} running trial${running === 1 ? ' is' : 's are'} cancelled (their runs are kept, recorded as cancelled); pending trials are not started. Resume carries on later.`,
      },
      'Stop',
    );
    if (ok !== 'Stop') return;
    try {
      const said = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Stopping sweep ${s.record?.name ?? s.id}…` },
        () => this.session.stop(s, this.runs.runsDir),
      );
      // This window's own sweep says how it ended when its coordinator exits.
      if (!this.session.isOwn(s.dir)) void vscode.window.showInformationMessage(said.replace(/^sweep /, 'Sweep '));
    } catch (err) {
      void vscode.window.showErrorMessage(`Cannot stop sweep ${s.id}: ${(err as Error).message}`);
    }
  }

  private resume(arg: unknown): boolean {
    const s = this.listing(arg);
    if (!s || !requireTrust('Resuming a sweep')) return false;
    if (!s.record) {
      void vscode.window.showErrorMessage(`Sweep ${s.id} cannot be resumed: ${s.reason}`);
      return false;
    }
    if (s.status !== 'stopped' && s.status !== 'interrupted') {
      void vscode.window.showInformationMessage(`Sweep ${s.record.name} is ${s.status}: only a stopped or interrupted sweep can be resumed.`);
      return false;
    }
    return this.session.resume(s, this.runs.runsDir);
  }

  /** Writes a sweep file with the best configuration fixed and N repeats, opens it and starts it. */
  async rerunBest(arg: unknown, repeatsArg?: unknown): Promise<string | undefined> {
    const s = this.listing(arg);
    if (!s || !requireTrust('Running a sweep')) return undefined;
    const best = s.record ? bestConfiguration(s.record) : undefined;
    if (!s.record || !best) {
      void vscode.window.showErrorMessage(`Sweep ${s.record?.name ?? s.id} has no completed configuration to rerun yet.`);
      return undefined;
    }
    let repeats = Number.isSafeInteger(repeatsArg) ? (repeatsArg as number) : undefined;
    if (repeats === undefined) {
      const answer = await vscode.window.showInputBox({
        title: `Rerun the best configuration of ${s.record.name}`,
        prompt: 'How many seeds? Each repeat trains with the next seed (which also draws the split).',
        value: '5',
        validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 2 && Number(v) <= 100 ? undefined : 'A whole number from 2 to 100'),
      });
      if (answer === undefined) return undefined;
      repeats = Number(answer.trim());
    }
    const derived = bestRepeatsSweep(s.record, best, repeats);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    // Beside the sweep's own file when it is still there, else at the workspace's top.
    const dir = fs.existsSync(path.dirname(s.record.specFile)) ? path.dirname(s.record.specFile) : (folder ?? path.dirname(s.dir));
    const file = freeName(dir, String(derived.name));
    fs.writeFileSync(file, sweepFileText(derived));
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
    return (await this.start(vscode.Uri.file(file))) ? file : undefined;
  }

  /**
   * Replays early-stopping rules on a sweep whose trials all ran to their end (`vaerec sweep replay`,
   * 100 seeded start orders) and opens the CLI's table in an editor. Resolves with the table, for tests.
   */
  async replay(arg: unknown, rulesArg?: unknown): Promise<string | undefined> {
    const s = this.listing(arg);
    if (!s) return undefined;
    if (!s.record) {
      void vscode.window.showErrorMessage(`Sweep ${s.id} has no readable record: ${s.reason}`);
      return undefined;
    }
    const unfinished = s.record.trials.find((t) => t.state !== 'completed');
    if (unfinished) {
      void vscode.window.showInformationMessage(
        `Sweep ${s.record.name} cannot be replayed: trial ${unfinished.index} is ${unfinished.state}. A replay needs every trial trained to its end (a sweep run without early stopping).`,
      );
      return undefined;
    }
    const rules =
      typeof rulesArg === 'string'
        ? rulesArg
        : await vscode.window.showInputBox({
            title: `Replay early stopping on ${s.record.name}`,
            prompt: 'Rules to replay on its recorded curves: --asha GRACE,ETA and --median AFTER, as many as you like (docs/SWEEPS.md)',
            value: '--asha 1,4 --asha 10,3 --median 5',
            validateInput: (v) => (replayRuleArgs(v) ? undefined : 'Use --asha GRACE,ETA and --median AFTER[,MIN_TRIALS], e.g. --asha 1,4 --median 5'),
          });
    const args = rules === undefined ? undefined : replayRuleArgs(rules);
    if (!args) return undefined;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Replaying early stopping on ${s.record.name}…` }, () =>
      this.session.replay(s, this.runs.runsDir, [...args, '--orders', '100', '--within', '0.005']),
    );
    if (r.code !== 0) {
      void vscode.window.showErrorMessage(
        `Cannot replay sweep ${s.record.name}: ${oneLine(r.stderr.replace(/^vaerec: error: /, '')) || `the CLI exited with ${r.code}`}`,
      );
      return undefined;
    }
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'plaintext', content: r.stdout }), { preview: false });
    return r.stdout;
  }

  /** Opens the file a sweep was started from, or, when it is gone or edited since, the spec the sweep ran. */
  private async openSweepFile(arg: unknown): Promise<void> {
    const s = this.listing(arg);
    if (!s) return;
    if (!s.record) {
      void vscode.window.showErrorMessage(`Sweep ${s.id} has no readable record: ${s.reason}`);
      return;
    }
    const open = sweepFileToOpen(s.record, (file) => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    });
    if ('file' in open) {
      await vscode.window.showTextDocument(vscode.Uri.file(open.file), { preview: false });
      return;
    }
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'json', content: open.content }), { preview: false });
    void vscode.window.showInformationMessage(open.note);
  }

  /** Opens the sweep view when this build has it; otherwise says so and offers the record. */
  private async showSweep(arg: unknown): Promise<void> {
    const sweepDir = sweepDirFrom(arg);
    if (!sweepDir) return;
    if ((await vscode.commands.getCommands(true)).includes(OPEN_SWEEP_VIEW)) {
      await vscode.commands.executeCommand(OPEN_SWEEP_VIEW, { sweepDir });
      return;
    }
    const open = await vscode.window.showWarningMessage(
      `The sweep view is not part of this build (no ${OPEN_SWEEP_VIEW} command). The sweep's record is ${path.join(sweepDir, 'sweep.json')}.`,
      'Open sweep.json',
    );
    if (open) await vscode.window.showTextDocument(vscode.Uri.file(path.join(sweepDir, 'sweep.json')));
  }
}
