/**
 * Resume Run in the Runs tree: offered (package.json's menu on the item's contextValue) exactly for
 * interrupted and cancelled runs in a trusted workspace, and the command itself, whoever calls it,
 * starts the trainer's resume request only for a run `vaerec train --resume` would take.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TREE_RESUMABLE, runContextValue, type RunState } from '../../src/extension/runPresentation';
import type { TrainStart } from '../../src/extension/trainingSession';
import { localProbe } from '../../src/shared/runLiveness';
import { RUN_STATUSES, type RunEntry, type RunRecord } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import { serveFakeModules } from '../helpers/fakeVscode';

const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
  };
};

function record(over: Partial<RunRecord> = {}): RunRecord {
  return {
    schemaVersion: 1,
    id: 'mvae-20260101-120000',
    name: 'mvae 2026-01-01 12:00',
    model: 'mvae',
    status: 'interrupted',
    config: makeConfig('mvae', '/data/ml-1m', { epochs: 20 }),
    createdAt: '2026-01-01T12:00:00.000Z',
    updatedAt: '2026-01-01T12:05:00.000Z',
    epochsCompleted: 7,
    steps: 70,
    epochSeconds: [],
    artifacts: { model: 'model' },
    best: { epoch: 6, 'ndcg@100': 0.4 },
    ...over,
  };
}

const entryOf = (r: RunRecord): RunEntry => ({ ok: true, dir: `/runs/${r.id}`, record: r });

/** The `when` clause's viewItem regular expression and whether it asks for a trusted workspace. */
function menuWhen(command: string): { viewItem: RegExp; trusted: boolean } {
  const entry = pkg.contributes.menus['view/item/context'].find((m) => m.command === command);
  assert.ok(entry?.when, `${command} is in the Runs view's item menu`);
  const match = /viewItem =~ \/(.+?)\/(?: |$)/.exec(entry.when);
  assert.ok(match, entry.when);
  return { viewItem: new RegExp(match[1].replace(/\\\\/g, '\\')), trusted: entry.when.includes('isWorkspaceTrusted') };
}

describe('Resume Run: where the Runs tree offers it', () => {
  it('on interrupted and cancelled runs only (inspectable or not), and only in a trusted workspace', () => {
    const { viewItem, trusted } = menuWhen('vaerec.resumeRun');
    assert.ok(trusted, 'resuming runs a program: Restricted Mode hides it');
    const states: RunState[] = [...RUN_STATUSES, 'damaged'];
    for (const state of states) {
      const entries: RunEntry[] =
        state === 'damaged'
          ? [{ ok: false, dir: '/runs/x', id: 'x', reason: 'run.json is missing' }]
          : [entryOf(record({ status: state })), entryOf(record({ status: state, artifacts: {}, best: undefined }))];
      for (const e of entries) {
        const offered = viewItem.test(runContextValue(e));
        assert.equal(offered, (TREE_RESUMABLE as readonly string[]).includes(state), `${runContextValue(e)}: offered ${offered}`);
      }
    }
  });

  it('is a contributed command, in the palette only in a trusted workspace', () => {
    assert.ok(pkg.contributes.commands.some((c) => c.command === 'vaerec.resumeRun'));
    const palette = pkg.contributes.menus.commandPalette.find((m) => m.command === 'vaerec.resumeRun');
    assert.equal(palette?.when, 'isWorkspaceTrusted');
  });
});

describe('Resume Run: what the command does with each run', () => {
  const handlers = new Map<string, (...args: unknown[]) => unknown>();
  const warnings: string[] = [];
  let trusted = true;
  const fakeVscode = {
    commands: {
      registerCommand: (id: string, f: (...args: unknown[]) => unknown) => {
        handlers.set(id, f);
        return { dispose: () => handlers.delete(id) };
      },
    },
    window: {
      showWarningMessage: (m: string) => Promise.resolve(void warnings.push(m)),
      showInformationMessage: () => Promise.resolve(undefined),
      showQuickPick: () => Promise.resolve(undefined),
    },
    workspace: {
      get isTrusted() {
        return trusted;
      },
      workspaceFolders: undefined,
      getConfiguration: () => ({ get: () => undefined }),
    },
  };
  let restore: () => void = () => undefined;
  const started: TrainStart[] = [];
  const entries = new Map<string, RunEntry>();
  const store = { runsDir: '/runs', get: (id: string) => entries.get(id), list: () => [...entries.values()] };
  const session = { ensureIdle: () => true, start: (s: TrainStart) => Promise.resolve(void started.push(s)) };
  const context = { globalStorageUri: { fsPath: '/storage' } };

  before(async () => {
    restore = serveFakeModules((request) => (request === 'vscode' ? fakeVscode : undefined));
    const { registerResumeRun } = await import('../../src/extension/runCommands');
    registerResumeRun(context as never, store as never, session as never);
  });
  after(() => restore());

  const resume = async (id: string) => {
    started.length = 0;
    warnings.length = 0;
    await handlers.get('vaerec.resumeRun')?.(id);
  };

  it('an interrupted or cancelled run: the trainer is asked to resume it, in its own directory', async () => {
    for (const status of ['interrupted', 'cancelled'] as const) {
      const r = record({ id: `mvae-${status}`, status });
      entries.set(r.id, entryOf(r));
      await resume(r.id);
      assert.deepEqual(warnings, []);
      assert.equal(started.length, 1, status);
      assert.equal(started[0].resumeRunDir, path.resolve('/runs', r.id));
      assert.equal(started[0].cacheDir, path.join('/storage', 'datasets'));
      assert.deepEqual(started[0].config, r.config);
    }
  });

  it('a completed run, a running one, a damaged one, an unknown id: refused with the reason, nothing started', async () => {
    const completed = record({ id: 'mvae-completed', status: 'completed' });
    // This process, with its own start time: a live trainer as runLiveness sees it.
    const running = record({ id: 'mvae-running', status: 'running', pid: process.pid, pidStart: localProbe.startToken(process.pid) });
    entries.set(completed.id, entryOf(completed));
    entries.set(running.id, { ok: true, dir: '/runs/mvae-running', record: running });
    entries.set('broken', { ok: false, dir: '/runs/broken', id: 'broken', reason: 'run.json is missing' });
    const cases: [string, RegExp][] = [
      ['mvae-completed', /^Cannot resume: \/runs\/mvae-completed: the run is completed; there is nothing to resume$/],
      ['mvae-running', /^Cannot resume: \/runs\/mvae-running: the run is still running \(pid \d+/],
      ['broken', /^Cannot resume: \/runs\/broken: run\.json is missing$/],
      ['mvae-nowhere', /^Cannot resume: run mvae-nowhere is not in \/runs$/],
    ];
    for (const [id, message] of cases) {
      await resume(id);
      assert.equal(started.length, 0, id);
      assert.equal(warnings.length, 1, id);
      assert.match(warnings[0], message);
    }
  });

  it('Restricted Mode: refused before anything is read', async () => {
    trusted = false;
    try {
      await resume('mvae-interrupted');
      assert.equal(started.length, 0);
      assert.match(warnings[0], /^Resuming a run is disabled in Restricted Mode/);
    } finally {
      trusted = true;
    }
  });
});
