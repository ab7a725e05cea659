/**
 * Issue 14, item 13 (Train's questions and the one-run-at-a-time answer), against a fake of the
 * vscode API: the dataset question remembers the last folder (offered first, and where the folder
 * dialog opens) and offers to keep it as the workspace's vaerec.dataset; the hyperparameter JSON of a
 * rerun shows what "auto" resolved to as information; a second Train while one runs is answered by
 * a modal question that cannot outlive the run, not by a notification that stays. Here rather than
 * in test/unit because it stands in for the trainer's process client (a fake: no process starts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { makeConfig } from '../../src/shared/trainConfig';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';
import { FakeEmitter, fakeUri, serveFakeModules, type FakeUri } from '../helpers/fakeVscode';

after(removeTempDirs);

type Item = { label: string; detail?: string; pick?: string };

const ui = {
  /** Chooses from a quick pick's items. */
  pick: (items: Item[]): Item | undefined => items[0],
  picked: [] as Item[][],
  openDialogs: [] as { defaultUri?: FakeUri }[],
  openAnswer: undefined as FakeUri | undefined,
  infos: [] as string[],
  infoAnswer: undefined as string | undefined,
  warnings: [] as { message: string; modal: boolean; items: string[] }[],
  warningAnswer: undefined as string | undefined,
  settingUpdates: [] as { key: string; value: unknown; target: unknown }[],
  inputs: [] as { value?: string; prompt?: string }[],
};

const fakeVscode = {
  EventEmitter: FakeEmitter,
  Uri: { file: fakeUri },
  ConfigurationTarget: { Workspace: 2 },
  StatusBarAlignment: { Left: 1 },
  ProgressLocation: { Notification: 15 },
  workspace: {
    workspaceFolders: [{ uri: fakeUri('/ws') }],
    getConfiguration: () => ({
      get: <T>(_key: string, fallback?: T) => fallback,
      update: (key: string, value: unknown, target: unknown) => Promise.resolve(void ui.settingUpdates.push({ key, value, target })),
    }),
  },
  window: {
    showQuickPick: (items: Item[]) => {
      ui.picked.push(items);
      return Promise.resolve(ui.pick(items));
    },
    showOpenDialog: (o: { defaultUri?: FakeUri }) => {
      ui.openDialogs.push(o);
      return Promise.resolve(ui.openAnswer ? [ui.openAnswer] : undefined);
    },
    showInformationMessage: (message: string) => {
      ui.infos.push(message);
      return Promise.resolve(ui.infoAnswer);
    },
    showWarningMessage: (message: string, options: unknown, ...items: string[]) => {
      const modal = typeof options === 'object' && options !== null && (options as { modal?: boolean }).modal === true;
      ui.warnings.push({ message, modal, items: typeof options === 'string' ? [options, ...items] : items });
      return Promise.resolve(ui.warningAnswer);
    },
    showErrorMessage: (message: string) => Promise.resolve(void ui.infos.push(message)),
    showInputBox: (o: { value?: string; prompt?: string }) => {
      ui.inputs.push(o);
      return Promise.resolve(o.value);
    },
    createStatusBarItem: () => ({ show: () => undefined, hide: () => undefined, dispose: () => undefined }),
    withProgress: (_o: unknown, task: (p: unknown, t: unknown) => Promise<unknown>) =>
      task({ report: () => undefined }, { onCancellationRequested: () => undefined }),
  },
  commands: { executeCommand: () => Promise.resolve(undefined) },
};

/** Trainers the session starts: they run until the test ends them. */
const trainers: { exit(): void; cancelled: boolean }[] = [];
const fakeClient = {
  startTrainer: () => {
    let exit: () => void = () => undefined;
    const exited = new Promise((resolve) => (exit = () => resolve({ code: 0, signal: null, stderrTail: '' })));
    const t = { exit, cancelled: false };
    trainers.push(t);
    return { pid: 1, exited, cancel: () => (t.cancelled = true), kill: () => undefined };
  },
};

serveFakeModules((request) => (request === 'vscode' ? fakeVscode : request.endsWith('/process/client') ? fakeClient : undefined));

class Memento {
  private readonly store = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.store.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    this.store.set(key, value);
    return Promise.resolve();
  }
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('the dataset question', () => {
  it('remembers the folder chosen last: offered first, and the folder dialog opens beside it', async () => {
    const { pickDataset } = await import('../../src/extension/trainPrompts');
    const memory = new Memento();
    const cache = tempDir();
    const data = path.join(tempDir(), 'movies');
    fs.mkdirSync(data);

    ui.pick = (items) => items.find((i) => i.pick === 'folder');
    ui.openAnswer = fakeUri(data);
    ui.infoAnswer = undefined;
    assert.equal(await pickDataset(cache, memory as never), data);
    assert.equal(ui.openDialogs.at(-1)?.defaultUri?.fsPath, '/ws', 'the first time: the workspace folder');

    // The next Train offers it first, by name, with its path.
    ui.pick = (items) => items[0];
    assert.equal(await pickDataset(cache, memory as never), data);
    const offered = ui.picked.at(-1)![0];
    assert.equal(offered.label, '$(history) movies');
    assert.equal(offered.detail, data);
    // Choosing another folder starts in the last one's parent.
    ui.pick = (items) => items.find((i) => i.pick === 'folder');
    await pickDataset(cache, memory as never);
    assert.equal(ui.openDialogs.at(-1)?.defaultUri?.fsPath, path.dirname(data));
  });

  it("offers to save the chosen folder as the workspace's vaerec.dataset, relative inside the workspace", async () => {
    const { pickDataset } = await import('../../src/extension/trainPrompts');
    const data = path.join(tempDir(), 'ratings');
    fs.mkdirSync(data);
    ui.pick = (items) => items.find((i) => i.pick === 'folder');
    ui.openAnswer = fakeUri(data);
    ui.infoAnswer = 'Save to Workspace Settings';
    ui.infos.length = 0;
    ui.settingUpdates.length = 0;
    assert.equal(await pickDataset(tempDir(), new Memento() as never), data);
    await settle();
    assert.match(ui.infos[0], /^Train on ratings by default\? Saving it as the vaerec\.dataset setting makes Train start without questions/);
    assert.deepEqual(ui.settingUpdates, [{ key: 'dataset', value: data, target: 2 }], 'outside the workspace: the absolute path');
    assert.match(ui.infos[1], /vaerec\.dataset is now/);

    // Inside the workspace folder the setting stays relative to it.
    ui.openAnswer = fakeUri('/ws/data/ml');
    ui.settingUpdates.length = 0;
    await pickDataset(tempDir(), new Memento() as never);
    await settle();
    assert.deepEqual(ui.settingUpdates, [{ key: 'dataset', value: path.join('data', 'ml'), target: 2 }]);

    // Declined: nothing is written.
    ui.infoAnswer = undefined;
    ui.settingUpdates.length = 0;
    await pickDataset(tempDir(), new Memento() as never);
    await settle();
    assert.deepEqual(ui.settingUpdates, []);
  });

  it('a remembered folder that is gone is not offered', async () => {
    const { pickDataset } = await import('../../src/extension/trainPrompts');
    const memory = new Memento();
    await memory.update('vaerec.lastDataset', path.join(os.tmpdir(), 'no-such-folder-vaerec'));
    ui.pick = () => undefined;
    await pickDataset(tempDir(), memory as never);
    assert.ok(!ui.picked.at(-1)!.some((i) => i.label.startsWith('$(history)')));
  });
});

describe('the rerun JSON', () => {
  it('shows what "auto" gave in the run as a note in the prompt, not as values', async () => {
    const { editHyperparametersJson } = await import('../../src/extension/trainPrompts');
    const edited = await editHyperparametersJson('mvae', '/data', { epochs: 20, annealSteps: 'auto' }, 'Rerun', 'In first run, "auto" gave annealSteps 200.');
    assert.deepEqual(edited, { epochs: 20, annealSteps: 'auto' });
    const input = ui.inputs.at(-1)!;
    assert.equal(input.value, '{"epochs":20,"annealSteps":"auto"}');
    assert.match(input.prompt ?? '', /In first run, "auto" gave annealSteps 200\.$/);
  });
});

describe('a second Train while one runs', () => {
  it('is a modal question, and its Stop stops only the run it was asked about', async () => {
    const { TrainingSession } = await import('../../src/extension/trainingSession');
    const store = { runsDir: tempDir(), trackLive: () => undefined, untrackLive: () => undefined, pushLive: () => undefined };
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined, show: () => undefined };
    const context = { asAbsolutePath: (p: string) => path.resolve(__dirname, '../..', p) };
    const session = new TrainingSession(context as never, store as never, log as never);
    const config = makeConfig('mvae', '/data');
    void session.start({ config, cacheDir: os.tmpdir() });
    const first = trainers.at(-1)!;
    ui.warnings.length = 0;
    // The user answers after the run has ended: the answer stops nothing (there is nothing to stop).
    let answer: (choice: string | undefined) => void = () => undefined;
    const realWarning = fakeVscode.window.showWarningMessage;
    fakeVscode.window.showWarningMessage = (message: string, options: unknown, ...items: string[]) => {
      realWarning(message, options, ...items);
      return new Promise((resolve) => (answer = resolve));
    };
    assert.equal(session.ensureIdle(), false);
    fakeVscode.window.showWarningMessage = realWarning;
    assert.equal(ui.warnings.length, 1);
    assert.ok(ui.warnings[0].modal, 'a modal question: a notification would stay after the run ended');
    assert.deepEqual(ui.warnings[0].items, ['Stop Current Run']);
    first.exit();
    await settle();
    assert.equal(session.busy, false);
    void session.start({ config, cacheDir: os.tmpdir() });
    const second = trainers.at(-1)!;
    answer('Stop Current Run');
    await settle();
    assert.equal(second.cancelled, false, 'the stale answer does not stop the next run');

    // Answered while the run still trains: it is stopped.
    ui.warningAnswer = 'Stop Current Run';
    assert.equal(session.ensureIdle(), false);
    await settle();
    assert.equal(second.cancelled, true);
    ui.warningAnswer = undefined;
    second.exit();
    await settle();
    session.dispose();
  });
});
