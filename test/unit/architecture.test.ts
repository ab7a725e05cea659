/**
 * Boundaries that keep the code base's shape: the extension host reaches the trainer only through
 * its process clients and the download (an ESLint rule, checked here to fire), and the unit tests
 * start no process (those live in test/process and run as `npm run test:process`).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../..');

async function restrictedImports(file: string, code: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: ROOT }).lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries (eslint)', () => {
  it('src/extension imports from src/trainer only process/client, process/inferenceClient and data/download', async () => {
    const allowed = [
      "import { startTrainer } from '../trainer/process/client';",
      "import { InferenceClient } from '../trainer/process/inferenceClient';",
      "import { ensureMovieLens1M } from '../trainer/data/download';",
      'export const used = [startTrainer, InferenceClient, ensureMovieLens1M];',
    ].join('\n');
    assert.deepEqual(await restrictedImports('src/extension/probe.ts', allowed), []);
    for (const module of ['../trainer/train', '../trainer/process/childProcess', '../trainer/data/load', '../trainer/model/multvae']) {
      const found = await restrictedImports('src/extension/probe.ts', `import * as m from '${module}';\nexport const used = m;`);
      assert.equal(found.length, 1, `${module} is refused`);
    }
  });

  it('src/shared imports neither vscode nor TensorFlow.js nor src/extension', async () => {
    for (const module of ['vscode', '@tensorflow/tfjs-core', '../extension/runsStore']) {
      const found = await restrictedImports('src/shared/probe.ts', `import * as m from '${module}';\nexport const used = m;`);
      assert.equal(found.length, 1, `${module} is refused`);
    }
  });
});

describe('what the extension host loads', () => {
  /** The source files esbuild bundles from an entry, as scripts/build-extension.mjs does. */
  async function bundledInputs(entry: string): Promise<string[]> {
    const r = await esbuild.build({
      entryPoints: [path.join(ROOT, entry)],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['vscode'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    return Object.keys(r.metafile.inputs);
  }

  it("dist/extension.js carries no TensorFlow.js and no statistics; the comparison worker and the sweep view's statistics carry them and no TensorFlow.js", async () => {
    const extension = await bundledInputs('src/extension/extension.ts');
    assert.deepEqual(
      extension.filter((f) => /@tensorflow|@stdlib|src\/(trainer|shared)\/stats\//.test(f)),
      [],
    );
    const worker = await bundledInputs('src/extension/dashboard/comparisonWorker.ts');
    assert.deepEqual(
      worker.filter((f) => /@tensorflow/.test(f)),
      [],
    );
    assert.ok(worker.includes('src/trainer/stats/runComparison.ts') && worker.some((f) => f.includes('@stdlib/')));
    // The sweep view's statistics: their own bundle, loaded when a sweep view first opens.
    const sweepStats = await bundledInputs('src/extension/sweepView/sweepStats.ts');
    assert.deepEqual(
      sweepStats.filter((f) => /@tensorflow/.test(f)),
      [],
    );
    assert.ok(sweepStats.includes('src/shared/stats/importance.ts') && sweepStats.includes('src/trainer/stats/runComparison.ts'));
  });
});

describe('test layout', () => {
  it('unit tests start no process: spawning tests live in test/process', () => {
    const dir = path.join(ROOT, 'test/unit');
    const spawning = /node:child_process|helpers\/cli|process\/client|process\/inferenceClient|dist\/(cli|trainer|inference)\.js/;
    const self = path.basename(__filename);
    const offenders = fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts') && f !== self && spawning.test(fs.readFileSync(path.join(dir, f), 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
