/**
 * Desktop VS Code runs extensions under Electron, whose process.execPath is the editor itself:
 * the trainer is started with it and ELECTRON_RUN_AS_NODE=1, which makes Electron a plain Node.
 * Electron cannot be downloaded here, so a stand-in plays its part: an executable that, like
 * Electron, does not act as Node unless ELECTRON_RUN_AS_NODE=1 is set (it exits with an error where
 * Electron would open an editor window) and otherwise runs the real Node. With process.versions.electron
 * set and process.execPath pointing at it, the extension's own runtime choice must start a trainer
 * that completes a run. (`npm run test:integration:electron` covers real Electron where it can be
 * downloaded.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { makeConfig } from '../../src/shared/trainConfig';
import type { TrainerToParent } from '../../src/shared/trainerMessages';
import { startTrainer } from '../../src/trainer/process/client';
import { makeFixtureDir } from '../fixtures/generate';
import { serveFakeModules } from '../helpers/fakeVscode';

const TRAINER = path.resolve(__dirname, '../../dist/trainer.js');
if (!fs.existsSync(TRAINER)) throw new Error(`${TRAINER} is missing: run npm run build first`);

const NOT_AS_NODE = 'stand-in Electron: without ELECTRON_RUN_AS_NODE=1 this would open an editor window';

const fakeVscode = { workspace: { getConfiguration: () => ({ get: () => undefined }) } };
let restoreLoader: () => void = () => undefined;
const realExecPath = process.execPath;
let tmp: string;
let standIn: string;

before(() => {
  restoreLoader = serveFakeModules((request) => (request === 'vscode' ? fakeVscode : undefined));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-electron-'));
  standIn = path.join(tmp, 'electron');
  fs.writeFileSync(
    standIn,
    `#!/bin/sh\nif [ "$ELECTRON_RUN_AS_NODE" != "1" ]; then echo "${NOT_AS_NODE}" >&2; exit 3; fi\nexec ${JSON.stringify(realExecPath)} "$@"\n`,
    { mode: 0o755 },
  );
  Object.defineProperty(process.versions, 'electron', { value: '34.5.8', configurable: true, enumerable: true });
  process.execPath = standIn;
});

after(() => {
  restoreLoader();
  process.execPath = realExecPath;
  delete (process.versions as Record<string, string | undefined>).electron;
  fs.rmSync(tmp, { recursive: true, force: true });
});

function train(nodePath: string, env: NodeJS.ProcessEnv) {
  const data = makeFixtureDir('ml-1m', { users: 300, items: 120, seed: 5, clusters: 3 });
  const config = makeConfig('mvae', data, { epochs: 2, protocol: { heldoutUsers: 40 } });
  const runsDir = path.join(tmp, `runs-${Math.random().toString(36).slice(2)}`);
  const messages: TrainerToParent[] = [];
  const handle = startTrainer({
    trainerScript: TRAINER,
    nodePath,
    env,
    request: { type: 'start', config, runsDir, cacheDir: tmp },
    onMessage: (m) => messages.push(m),
  });
  return { messages, exited: handle.exited };
}

test('under Electron the trainer runs as Node: the editor executable with ELECTRON_RUN_AS_NODE=1', async () => {
  const { trainerRuntime } = await import('../../src/extension/trainerRuntime');
  const runtime = trainerRuntime();
  assert.equal(runtime.nodePath, standIn);
  assert.deepEqual(runtime.env, { ELECTRON_RUN_AS_NODE: '1' });
  const { messages, exited } = train(runtime.nodePath, runtime.env);
  const exit = await exited;
  assert.equal(exit.code, 0, exit.stderrTail);
  const done = messages.find((m): m is Extract<TrainerToParent, { type: 'done' }> => m.type === 'done');
  assert.equal(done?.status, 'completed');
  assert.ok(done.test && done.test['ndcg@100'] > 0);
});

test('the stand-in refuses to act as Node without the variable, as Electron would', () => {
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '' };
  const refused = spawnSync(standIn, ['-e', 'console.log(process.version)'], { encoding: 'utf8', env });
  assert.equal(refused.status, 3);
  assert.match(refused.stderr, /would open an editor window/);
  const asNode = spawnSync(standIn, ['-e', 'console.log(process.version)'], { encoding: 'utf8', env: { ...env, ELECTRON_RUN_AS_NODE: '1' } });
  assert.equal(asNode.status, 0, asNode.stderr);
  assert.equal(asNode.stdout.trim(), process.version);
});
