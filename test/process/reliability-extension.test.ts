/**
 * Issue 7, the extension's trust boundary and its side of damaged runs, against a minimal fake of the
 * vscode API (installed before the extension modules load): run ids and paths from disk or from
 * command arguments never reach outside the runs directory, Restricted Mode refuses deletes and
 * signals, hostile run.json files do not break the Runs tree, a second run is refused with a reason,
 * there is no eval anywhere, and nothing but the dataset download touches the network.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { RunsStore as RunsStoreType } from '../../src/extension/runsStore';
import { localProbe } from '../../src/shared/runLiveness';
import { makeConfig } from '../../src/shared/trainConfig';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { FakeEmitter, fakeUri as uri, serveFakeModules } from '../helpers/fakeVscode';

after(removeTempDirs);

const ROOT = path.resolve(__dirname, '../..');

// ---------------------------------------------------------------------------------------------
// A fake of the parts of the vscode API these modules use

const ui = {
  trusted: true,
  warnings: [] as string[],
  /** What the next modal question is answered with. */
  answer: undefined as string | undefined,
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  executed: [] as unknown[][],
};
const disposable = { dispose: () => undefined };

const fakeVscode = {
  EventEmitter: FakeEmitter,
  Uri: { file: uri, joinPath: (b: { path: string }, ...parts: string[]) => uri(path.join(b.path, ...parts)) },
  RelativePattern: class {
    constructor(
      readonly base: unknown,
      readonly pattern: string,
    ) {}
  },
  TreeItem: class {
    [key: string]: unknown;
    constructor(
      readonly label: string,
      readonly collapsibleState: number,
    ) {}
  },
  TreeItemCollapsibleState: { None: 0 },
  ThemeIcon: class {
    constructor(
      readonly id: string,
      readonly color?: unknown,
    ) {}
  },
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  MarkdownString: class {
    constructor(readonly value: string) {}
  },
  StatusBarAlignment: { Left: 1 },
  ProgressLocation: { Notification: 15 },
  workspace: {
    get isTrusted() {
      return ui.trusted;
    },
    workspaceFolders: undefined,
    createFileSystemWatcher: () => ({ onDidCreate: () => disposable, onDidChange: () => disposable, onDidDelete: () => disposable, dispose: () => undefined }),
    getConfiguration: () => ({ get: <T>(_key: string, fallback?: T) => fallback }),
    getWorkspaceFolder: () => undefined,
  },
  window: {
    showWarningMessage: (message: string, ...rest: unknown[]) => {
      ui.warnings.push(message);
      const modal = typeof rest[0] === 'object' && rest[0] !== null && (rest[0] as { modal?: boolean }).modal;
      return Promise.resolve(modal ? ui.answer : undefined);
    },
    showInformationMessage: (message: string) => Promise.resolve(void ui.warnings.push(message)),
    showErrorMessage: (message: string) => Promise.resolve(void ui.warnings.push(message)),
    showQuickPick: () => Promise.resolve(undefined),
    createStatusBarItem: () => ({ show: () => undefined, hide: () => undefined, dispose: () => undefined }),
    withProgress: (_o: unknown, task: (p: unknown, t: unknown) => Promise<unknown>) =>
      task({ report: () => undefined }, { onCancellationRequested: () => disposable }),
  },
  commands: {
    registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
      ui.commands.set(id, handler);
      return disposable;
    },
    executeCommand: (...args: unknown[]) => Promise.resolve(void ui.executed.push(args)),
  },
};

/** Trainers started by TrainingSession: the fake never exits until the test says so. */
const trainers: { request: unknown; exit(): void }[] = [];
const fakeClient = {
  startTrainer: (opts: { request: unknown }) => {
    let exit: () => void = () => undefined;
    const exited = new Promise((resolve) => (exit = () => resolve({ code: 0, signal: null, stderrTail: '' })));
    trainers.push({ request: opts.request, exit });
    return { pid: 1, exited, cancel: () => undefined, kill: () => undefined };
  },
};

serveFakeModules((request) => (request === 'vscode' ? fakeVscode : request.endsWith('/process/client') ? fakeClient : undefined));

async function extensionModules() {
  const [{ RunsStore }, { RunsTreeProvider }, { RunCommands }, { TrainCommands }, { TrainingSession }] = await Promise.all([
    import('../../src/extension/runsStore'),
    import('../../src/extension/runsTree'),
    import('../../src/extension/runCommands'),
    import('../../src/extension/trainCommands'),
    import('../../src/extension/trainingSession'),
  ]);
  return { RunsStore, RunsTreeProvider, RunCommands, TrainCommands, TrainingSession };
}

const context = {
  subscriptions: [],
  extensionUri: uri(ROOT),
  asAbsolutePath: (p: string) => path.join(ROOT, p),
  globalStorageUri: uri(os.tmpdir()),
  workspaceState: { get: () => undefined, update: () => Promise.resolve() },
};
type Ctx = ConstructorParameters<Awaited<ReturnType<typeof extensionModules>>['RunCommands']>[0];

const baseRecord = (id: string, extra: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  id,
  name: `run ${id}`,
  model: 'mvae',
  status: 'completed',
  config: makeConfig('mvae', '/data/ml-1m'),
  createdAt: '2026-01-01T00:00:00.000Z',
  epochsCompleted: 1,
  steps: 1,
  epochSeconds: [1],
  artifacts: { model: 'model' },
  ...extra,
});

function writeRun(runs: string, folder: string, record: unknown): string {
  const dir = path.join(runs, folder);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), typeof record === 'string' ? record : JSON.stringify(record));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"kind":"step","step":1,"epoch":1}\ngarbage\n{"kind":"ep');
  return dir;
}

async function command(id: string, ...args: unknown[]): Promise<unknown> {
  const handler = ui.commands.get(id);
  assert.ok(handler, `${id} is registered`);
  return handler(...args);
}

// ---------------------------------------------------------------------------------------------

describe('run ids and paths from disk and from commands stay inside the runs directory', () => {
  it('hostile run.json files: the store, the tree and metrics keep working; ids are the folder names', async () => {
    const { RunsStore, RunsTreeProvider } = await extensionModules();
    const runs = tempDir();
    const outside = tempDir();
    writeRun(outside, 'secret', baseRecord('secret'));
    writeRun(runs, 'good', baseRecord('good'));
    writeRun(runs, 'escapes', baseRecord('../../secret')); // an id that is a path
    writeRun(runs, 'spaced', baseRecord('my run')); // an id that is not a valid id
    writeRun(runs, 'impostor', baseRecord('good')); // claims another run's id
    writeRun(
      runs,
      'odd-types',
      baseRecord('odd-types', {
        best: {},
        test: { 'ndcg@100': 'high' },
        error: 42,
        backend: 7,
        pid: -1,
        status: 'running',
        artifacts: { model: '../../secret' },
      }),
    );
    writeRun(runs, 'truncated', '{"id": "truncated", "mod');
    fs.symlinkSync(path.join(outside, 'secret'), path.join(runs, 'linked'));
    const store: RunsStoreType = new RunsStore(runs);
    try {
      const tree = new RunsTreeProvider(store);
      const ids = tree.getChildren().filter((e): e is string => typeof e === 'string');
      assert.equal(ids.length, tree.getChildren().length, 'no sweeps here: every element is a run id');
      assert.deepEqual([...ids].sort(), ['escapes', 'good', 'impostor', 'odd-types', 'spaced', 'truncated'], 'symbolic links are not runs');
      for (const id of ids) {
        const item = tree.getTreeItem(id);
        assert.equal(item.id, id);
        assert.equal(typeof item.description, 'string');
        assert.ok(Array.isArray((await store.metrics(id)).lines));
      }
      const odd = store.get('odd-types');
      assert.ok(odd?.ok);
      assert.equal(odd.record.status, 'interrupted', 'pid -1 names no trainer: never "running" for ever');
      assert.deepEqual(odd.record.artifacts, {}, 'an artifact path out of the run is dropped');
      assert.equal(tree.getTreeItem('truncated').contextValue, 'damaged');
      assert.deepEqual(
        (await store.metrics('good')).lines.map((l) => l.step),
        [1],
        'garbage and a torn last line in metrics.jsonl are skipped',
      );
      assert.deepEqual((await store.metrics('../../secret')).lines, []);
    } finally {
      store.dispose();
    }
  });

  it('Delete Run removes only the folder of the clicked run; bad ids and links reach nothing outside', async () => {
    const { RunsStore, RunCommands } = await extensionModules();
    const runs = tempDir();
    const outside = tempDir();
    const secret = writeRun(outside, 'secret', baseRecord('secret'));
    const good = writeRun(runs, 'good', baseRecord('good'));
    const impostor = writeRun(runs, 'impostor', baseRecord('good'));
    fs.symlinkSync(secret, path.join(runs, 'linked'));
    const store = new RunsStore(runs);
    try {
      new RunCommands(context as unknown as Ctx, store).register();
      ui.trusted = true;
      ui.answer = 'Delete';
      for (const bad of ['../../' + path.basename(outside), '/etc', '..', 'a/b', 42, { id: 'good' }]) await command('vaerec.deleteRun', bad);
      assert.ok(fs.existsSync(good) && fs.existsSync(impostor) && fs.existsSync(secret), 'invalid ids delete nothing');

      // The tree passes the id it lists for the folder the user clicked.
      const clicked = store.list().find((e) => path.basename(e.dir) === 'impostor');
      assert.ok(clicked);
      await command('vaerec.deleteRun', clicked.ok ? clicked.record.id : clicked.id);
      assert.ok(!fs.existsSync(impostor), 'the clicked run is gone');
      assert.ok(fs.existsSync(good), 'the run its run.json named is untouched');

      await command('vaerec.deleteRun', 'linked');
      assert.ok(fs.existsSync(path.join(secret, 'run.json')), 'deleting a link does not follow it');
      assert.ok(!fs.existsSync(path.join(runs, 'linked')));

      ui.trusted = false;
      ui.warnings.length = 0;
      await command('vaerec.deleteRun', 'good');
      assert.ok(fs.existsSync(good), 'Restricted Mode deletes nothing');
      assert.match(ui.warnings.join('\n'), /Deleting runs is disabled in Restricted Mode/);
    } finally {
      ui.trusted = true;
      ui.answer = undefined;
      store.dispose();
    }
  });

  it('Stop Training signals a pid read from run.json only in a trusted workspace, after confirmation', async () => {
    const { RunsStore, TrainCommands } = await extensionModules();
    const runs = tempDir();
    const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pid = victim.pid!;
    const exited = new Promise((resolve) => victim.on('exit', resolve));
    // The stand-in trainer as a live trainer's run.json names it: its pid and start, a fresh heartbeat.
    const running = { status: 'running', pid, pidStart: localProbe.startToken(pid), host: os.hostname(), updatedAt: new Date().toISOString() };
    writeRun(runs, 'other', baseRecord('other', running));
    // The same pid with another start time: a reused pid, which must never be signalled.
    writeRun(runs, 'reused', baseRecord('reused', { ...running, pidStart: 'another-boot:1' }));
    const store = new RunsStore(runs);
    try {
      const session = { busy: false, activeRunId: undefined };
      new TrainCommands(context as never, store, session as never).register();
      ui.trusted = false;
      ui.answer = 'Stop';
      await command('vaerec.stopTraining', 'other');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(localProbe.state(pid), 'alive', 'Restricted Mode: no signal is sent');
      assert.match(ui.warnings.at(-1) ?? '', /Restricted Mode/);

      ui.trusted = true;
      ui.answer = undefined;
      await command('vaerec.stopTraining', 'other');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(localProbe.state(pid), 'alive', "no signal without the user's confirmation");

      ui.answer = 'Stop';
      await command('vaerec.stopTraining', 'reused');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(localProbe.state(pid), 'alive', 'a reused pid is not signalled');
      assert.match(ui.warnings.at(-1) ?? '', /Run reused is not running/);

      await command('vaerec.stopTraining', 'other');
      await exited;
    } finally {
      ui.answer = undefined;
      if (localProbe.state(pid) === 'alive') victim.kill('SIGKILL');
      store.dispose();
    }
  });
});

describe('Restricted Mode', () => {
  it('Train and Rerun start no trainer in an untrusted workspace', async () => {
    const { RunsStore, TrainCommands } = await extensionModules();
    const runs = tempDir();
    writeRun(runs, 'done', baseRecord('done'));
    const store = new RunsStore(runs);
    try {
      const session = { busy: false, activeRunId: undefined, ensureIdle: () => true, start: () => assert.fail('a trainer was started') };
      new TrainCommands(context as never, store, session as never).register();
      ui.trusted = false;
      ui.warnings.length = 0;
      assert.equal(await command('vaerec.trainMvae', { dataset: '/data', overrides: { epochs: 1 } }), undefined);
      assert.equal(await command('vaerec.rerunWithChanges', 'done'), undefined);
      assert.equal(ui.warnings.filter((w) => /Training is disabled in Restricted Mode/.test(w)).length, 2);
    } finally {
      ui.trusted = true;
      store.dispose();
    }
  });

  it('the settings that choose what runs or where files go are restricted in untrusted workspaces', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
    };
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
    for (const key of ['vaerec.nodePath', 'vaerec.runsDirectory', 'vaerec.datasetCacheDirectory', 'vaerec.dataset']) {
      assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key), key);
    }
  });
});

describe('a second run while one runs', () => {
  it('is refused at once with the reason and an offer to stop the current run', async () => {
    const { RunsStore, TrainingSession } = await extensionModules();
    const store = new RunsStore(tempDir());
    const output = { info: () => undefined, warn: () => undefined, error: () => undefined, show: () => undefined };
    const session = new TrainingSession(context as never, store, output as never);
    try {
      const config = makeConfig('mvae', '/data');
      void session.start({ config, cacheDir: os.tmpdir() });
      assert.equal(trainers.length, 1);
      assert.ok(session.busy);
      ui.warnings.length = 0;
      assert.equal(await session.start({ config, cacheDir: os.tmpdir() }), undefined);
      assert.equal(trainers.length, 1, 'no second trainer was started');
      assert.match(ui.warnings.join('\n'), /already in progress in this window; runs are trained one at a time/);
    } finally {
      trainers.forEach((t) => t.exit());
      session.dispose();
      store.dispose();
    }
  });
});

// ---------------------------------------------------------------------------------------------

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mjs|js)$/.test(f))
    .map((f) => path.join(dir, f));
}

describe('no eval, no network but the dataset download', () => {
  it('no eval or new Function in the sources or in the bundles that run (extension, trainer, CLI, webview)', () => {
    const bundles = ['dist/extension.js', 'dist/trainer.js', 'dist/cli.js', 'dist/webview/dashboard.js'];
    for (const b of bundles) assert.ok(fs.existsSync(path.join(ROOT, b)), `${b} is built`);
    const offenders: string[] = [];
    for (const file of [...sourceFiles('src'), ...sourceFiles('webview'), ...bundles]) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      if (/(^|[^\w.$])eval\s*\(|new\s+Function\s*\(|\bFunction\s*\(\s*['"`]/.test(text)) offenders.push(file);
    }
    assert.deepEqual(offenders, []);
  });

  it('only the dataset downloader imports a network module; the webview has no network API at all', () => {
    const network =
      /from ['"](node:)?(http|https|http2|net|tls|dgram|dns)['"]|require\(['"](node:)?(http|https|http2|net|tls|dgram|dns)['"]\)|\bfetch\s*\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon/;
    const users = [...sourceFiles('src'), ...sourceFiles('webview')].filter((f) => network.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    assert.deepEqual(users, [path.join('src', 'trainer', 'data', 'download.ts')]);
  });

  it('training on local data opens no connection and resolves no host name', { timeout: 120_000 }, () => {
    const data = removeLater(makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 }));
    const log = path.join(tempDir(), 'network.log');
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'dist/cli.js'), 'train', '--data', data, '--runs-dir', tempDir(), '--epochs', '1', '--heldout', '20', '--json'],
      {
        encoding: 'utf8',
        timeout: 110_000,
        env: {
          ...process.env,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${path.join(ROOT, 'test/fixtures/noNetwork.mjs')}`,
          VAEREC_NO_NETWORK_LOG: log,
        },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(log), 'the guard was loaded in every process');
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.ok(lines.filter((l) => l.startsWith('loaded')).length >= 2, 'in the CLI and in the trainer child');
    assert.deepEqual(
      lines.filter((l) => !l.startsWith('loaded')),
      [],
      'no network use',
    );
  });
});
