/**
 * The platform packages (scripts/package.mjs): the universal .vsix carries no dawn.node, a platform
 * .vsix carries exactly its own. Each package's trainer, unpacked as VS Code installs it and started
 * as desktop VS Code starts it (the editor's executable with ELECTRON_RUN_AS_NODE=1; Electron cannot
 * be downloaded here, so a stand-in that refuses to run without that variable plays it, as in
 * test/unit/ext-electronRuntime.test.ts), must find dawn.node in its own node_modules: the platform
 * package trains on webgpu (SwiftShader), the universal one says it has no WebGPU runtime and
 * trains on wasm. Needs linux-x64 and the provisioned SwiftShader driver (scripts/ci/provision.sh).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import yauzl from 'yauzl';
import type { RunRecord } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import type { TrainerToParent } from '../../src/shared/trainerMessages';
import { extractZip } from '../../src/trainer/data/zipExtract';
import { startTrainer } from '../../src/trainer/process/client';
import { makeFixtureDir } from '../fixtures/generate';
import { SWIFTSHADER_ICD } from '../helpers/swiftshader';
import { REPO_ROOT } from './codeServer';

const PLATFORM = `${process.platform}-${process.arch}`;
const DAWN = /^extension\/node_modules\/webgpu\/dist\/([^/]+)\/dawn\.node$/;

function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error(`cannot open ${file}`));
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe(
  'platform packages',
  { skip: PLATFORM !== 'linux-x64' && `the packaged trainer is run on linux-x64 only (this is ${PLATFORM})`, timeout: 10 * 60_000 },
  () => {
    let tmp: string;
    let standIn: string;
    let data: string;
    const vsix = (target: string) => path.join(tmp, target === 'universal' ? 'vae-recommender-lab.vsix' : `vae-recommender-lab-${target}.vsix`);

    before(() => {
      if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'trainer.js'))) throw new Error('dist/trainer.js is missing: run npm run build first');
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-e2e-platforms-'));
      standIn = path.join(tmp, 'electron');
      fs.writeFileSync(
        standIn,
        `#!/bin/sh\nif [ "$ELECTRON_RUN_AS_NODE" != "1" ]; then echo "stand-in Electron: would open an editor window" >&2; exit 3; fi\nexec ${JSON.stringify(process.execPath)} "$@"\n`,
        { mode: 0o755 },
      );
      data = makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 });
    });

    after(() => {
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      if (data) fs.rmSync(data, { recursive: true, force: true });
    });

    it('packages the universal .vsix without dawn.node and the linux-x64 one with only its own', { timeout: 300_000 }, async () => {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--targets', 'universal,linux-x64', '--out-dir', tmp],
        {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          timeout: 280_000,
        },
      );
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      process.stdout.write(`package sizes:\n${r.stdout}`);
      const universal = await zipEntries(vsix('universal'));
      const linux = await zipEntries(vsix('linux-x64'));
      assert.deepEqual(
        universal.filter((e) => DAWN.test(e)),
        [],
      );
      assert.deepEqual(
        linux.filter((e) => DAWN.test(e)),
        ['extension/node_modules/webgpu/dist/linux-x64/dawn.node'],
      );
      for (const entries of [universal, linux]) {
        assert.ok(entries.includes('extension/node_modules/webgpu/index.js'));
        assert.ok(entries.includes('extension/node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.node.js'));
        assert.ok(!entries.some((e) => e.startsWith('extension/node_modules/webgpu/build/') || e.startsWith('extension/node_modules/debug/')));
      }
      // Only the dawn.node differs.
      assert.deepEqual(
        linux.filter((e) => !DAWN.test(e) && e !== 'extension.vsixmanifest').sort(),
        universal.filter((e) => e !== 'extension.vsixmanifest').sort(),
      );
    });

    /** Unpacks a package and trains with its dist/trainer.js the way desktop VS Code starts it. */
    async function trainPackaged(target: string): Promise<{ record: RunRecord; logs: string[] }> {
      const dir = path.join(tmp, `installed-${target}`);
      await extractZip(vsix(target), dir);
      const trainer = path.join(dir, 'extension', 'dist', 'trainer.js');
      const config = makeConfig('mvae', data, { epochs: 1, hidden: 16, latent: 8, batchSize: 100, backend: 'webgpu', protocol: { heldoutUsers: 30 } });
      const messages: TrainerToParent[] = [];
      const handle = startTrainer({
        trainerScript: trainer,
        nodePath: standIn,
        env: { ELECTRON_RUN_AS_NODE: '1', VK_ICD_FILENAMES: SWIFTSHADER_ICD },
        request: { type: 'start', config, runsDir: path.join(tmp, `runs-${target}`), cacheDir: tmp },
        onMessage: (m) => messages.push(m),
      });
      const exit = await handle.exited;
      assert.equal(exit.code, 0, exit.stderrTail);
      const done = messages.find((m): m is Extract<TrainerToParent, { type: 'done' }> => m.type === 'done');
      assert.ok(done?.runDir, JSON.stringify(messages));
      const record = JSON.parse(fs.readFileSync(path.join(done.runDir, 'run.json'), 'utf8')) as RunRecord;
      const logs = messages.flatMap((m) => (m.type === 'log' ? [m.message] : []));
      return { record, logs };
    }

    it("the linux-x64 package's trainer loads its own dawn.node under ELECTRON_RUN_AS_NODE and trains on webgpu", { timeout: 300_000 }, async () => {
      assert.ok(fs.existsSync(SWIFTSHADER_ICD), `${SWIFTSHADER_ICD} is missing: run scripts/ci/provision.sh`);
      const { record, logs } = await trainPackaged('linux-x64');
      assert.equal(record.status, 'completed', record.error);
      assert.equal(record.backend, 'webgpu', logs.join('\n'));
      assert.match(record.adapter?.architecture ?? '', /swiftshader/i);
    });

    it('the universal package has no WebGPU runtime: one line, and the run goes on on wasm', { timeout: 300_000 }, async () => {
      const { record, logs } = await trainPackaged('universal');
      assert.equal(record.status, 'completed', record.error);
      assert.equal(record.backend, 'wasm');
      assert.deepEqual(
        logs.filter((l) => l.includes('webgpu')),
        ['backend: webgpu not used: this installation carries no WebGPU runtime (the npm package "webgpu"; the universal .vsix leaves it out); trying wasm'],
      );
    });
  },
);
