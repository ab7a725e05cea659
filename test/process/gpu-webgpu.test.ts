/**
 * The webgpu backend on a real WebGPU implementation: Dawn (dawn.node) on SwiftShader, a software
 * Vulkan driver (helpers/swiftshader.ts). SwiftShader is slow (a kernel costs milliseconds, the
 * first use of each compiles it), so the models here are tiny; they prove the GPU path computes
 * what the cpu and wasm backends compute, not its speed (scripts/gpu-check.sh measures that on a
 * real GPU). Under CI a missing driver fails these tests instead of skipping them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import type { TrainerToParent } from '../../src/shared/trainerMessages';
import { selectBackend } from '../../src/trainer/backend';
import { createDeviceMultVae } from '../../src/trainer/model/deviceMultVae';
import { createMultVae, type MultVaeConfig } from '../../src/trainer/model/multvae';
import { Rng } from '../../src/shared/rng';
import type { SparseBatch } from '../../src/trainer/model/types';
import { runTraining } from '../../src/trainer/train';
import { activeDevice, readTensor } from '../../src/trainer/webgpu';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli } from '../helpers/cli';
import { NO_ICD, startSwiftShader } from '../helpers/swiftshader';

/** Float32 on another device: relative 1e-4 (absolute below 1). */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  for (let i = 0; i < expected.length; i++) {
    const bound = tol * Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= bound, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (tolerance ${bound})`);
  }
}

function randomBatches(count: number, rows: number, items: number, seed: number): SparseBatch[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const lists = Array.from({ length: rows }, () => {
      const set = new Set<number>();
      const n = 3 + Math.floor(rng.uniform() * 20);
      while (set.size < n) set.add(Math.floor(rng.uniform() * items));
      return [...set].sort((a, b) => a - b);
    });
    const indptr = new Int32Array(rows + 1);
    lists.forEach((l, r) => (indptr[r + 1] = indptr[r] + l.length));
    return { rows, indptr, indices: Int32Array.from(lists.flat()) };
  });
}

const data = removeLater(makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 }));
/** Tiny widths: SwiftShader's cost is per kernel and per element. */
const runConfig = (backend: TrainConfig['backend'], over: Record<string, unknown> = {}) =>
  makeConfig('mvae', data, { epochs: 3, hidden: 24, latent: 8, batchSize: 100, backend, protocol: { heldoutUsers: 30 }, ...over });

async function train(config: TrainConfig, onMessage: (m: TrainerToParent) => void = () => undefined) {
  const messages: TrainerToParent[] = [];
  const record = await runTraining({
    config,
    runsDir: tempDir(),
    cacheDir: tempDir(),
    signal: new AbortController().signal,
    emit: (m) => {
      messages.push(m);
      onMessage(m);
    },
  });
  assert.ok(record, messages.map((m) => JSON.stringify(m)).join('\n'));
  const started = messages.find((m): m is Extract<TrainerToParent, { type: 'started' }> => m.type === 'started');
  assert.ok(started);
  return { record, messages, runDir: started.runDir };
}

describe('webgpu backend on SwiftShader', { timeout: 10 * 60_000 }, () => {
  let skip: string | null = null;
  before(async () => {
    skip = (await startSwiftShader()).skip;
  });

  it('finds the adapter, reports it as software, and auto does not take it', async (t) => {
    if (skip) return t.skip(skip);
    const log: string[] = [];
    const forced = await selectBackend('webgpu', (m) => log.push(m));
    assert.equal(forced.name, 'webgpu', log.join('\n'));
    assert.ok(forced.adapter, 'the adapter is described');
    assert.match(`${forced.adapter.vendor} ${forced.adapter.architecture}`, /swiftshader/i);
    assert.equal(forced.adapter.software, true);
    const auto = await selectBackend('auto', (m) => log.push(m));
    assert.equal(auto.name, 'wasm');
    assert.ok(
      log.some((m) => /webgpu not used: .*software/.test(m)),
      log.join('\n'),
    );
  });

  it('matMul and softmax equal the cpu backend within 1e-4', async (t) => {
    if (skip) return t.skip(skip);
    const rng = new Rng(3);
    const a = Float32Array.from({ length: 37 * 53 }, () => rng.normal());
    const b = Float32Array.from({ length: 53 * 29 }, () => rng.normal());
    const compute = async () => {
      const product = tf.matMul(tf.tensor2d(a, [37, 53]), tf.tensor2d(b, [53, 29]));
      const soft = tf.softmax(tf.mul(product, 0.3));
      const out = { product: await readTensor(product), soft: await readTensor(soft) };
      tf.dispose([product, soft]);
      return out;
    };
    assert.equal((await selectBackend('webgpu', () => undefined)).name, 'webgpu');
    const gpu = await compute();
    await selectBackend('cpu', () => undefined);
    const cpu = await compute();
    assertClose(gpu.product, cpu.product, 'matMul');
    assertClose(gpu.soft, cpu.soft, 'softmax');
  });

  for (const variational of [true, false]) {
    const name = variational ? 'Mult-VAE' : 'Mult-DAE (with l2)';
    it(`a small ${name}: the first 5 losses on webgpu equal the host model's on cpu within 1e-4`, async (t) => {
      if (skip) return t.skip(skip);
      const cfg: MultVaeConfig = { numItems: 120, hidden: 24, latent: 8, dropout: 0.5, variational, learningRate: 3e-3, l2: variational ? 0 : 0.01, seed: 9 };
      const batches = randomBatches(5, 32, cfg.numItems, 4);
      await selectBackend('cpu', () => undefined);
      const host = createMultVae(cfg);
      const expected = batches.map((b, i) => host.trainStep(b, 0.05 * i));
      host.dispose();
      await selectBackend('webgpu', () => undefined);
      const device = createDeviceMultVae(cfg);
      const actual = [];
      for (const [i, b] of batches.entries()) actual.push(await device.trainStep(b, 0.05 * i));
      device.dispose();
      for (const key of ['loss', 'nll', 'kl'] as const)
        assertClose(
          actual.map((s) => s[key]),
          expected.map((s) => s[key]),
          key,
        );
    });
  }

  it('a full small run on --backend webgpu completes, records the adapter, and its metrics are within 0.01 of the wasm run', async (t) => {
    if (skip) return t.skip(skip);
    const gpu = await train(runConfig('webgpu'));
    const wasm = await train(runConfig('wasm'));
    assert.equal(gpu.record.status, 'completed', gpu.record.error);
    assert.equal(gpu.record.backend, 'webgpu');
    assert.equal(wasm.record.backend, 'wasm');
    assert.match(gpu.record.adapter?.architecture ?? '', /swiftshader/i);
    assert.equal(gpu.record.adapter?.software, true);
    assert.equal(wasm.record.adapter, undefined);
    assert.deepEqual(gpu.record.split, wasm.record.split, 'the same seed gives the same split');
    assert.ok(gpu.record.test && wasm.record.test);
    for (const key of ['ndcg@100', 'recall@20', 'recall@50'] as const) {
      assert.ok(Math.abs(gpu.record.test[key] - wasm.record.test[key]) <= 0.01, `${key}: webgpu ${gpu.record.test[key]} vs wasm ${wasm.record.test[key]}`);
    }
    const losses = (r: { messages: TrainerToParent[] }) => r.messages.flatMap((m) => (m.type === 'epoch' ? [m.loss] : []));
    assertClose(losses(gpu), losses(wasm), 'epoch losses', 1e-3);
    const recommendations = JSON.parse(fs.readFileSync(path.join(gpu.runDir, 'recommendations.json'), 'utf8'));
    assert.equal(recommendations.users.length, 30);
  });

  it('a device lost mid-run fails the run with that reason and keeps the best checkpoint', async (t) => {
    if (skip) return t.skip(skip);
    let destroyed = false;
    const { record, runDir } = await train(runConfig('webgpu', { epochs: 4 }), (m) => {
      if (m.type === 'checkpoint' && !destroyed) {
        destroyed = true;
        activeDevice()?.destroy();
      }
    });
    assert.ok(destroyed, 'a checkpoint was saved before the device went');
    assert.equal(record.status, 'failed');
    assert.match(record.error ?? '', /GPU device was lost \(destroyed/);
    assert.equal(record.best?.epoch, 1);
    assert.ok(fs.existsSync(path.join(runDir, record.artifacts.model ?? 'missing', 'model.json')), 'the best checkpoint is kept');
    // The next run opens a new device.
    assert.equal((await selectBackend('webgpu', () => undefined)).name, 'webgpu');
  });
});

after(() => removeTempDirs());

describe('without a Vulkan driver', { skip: process.platform !== 'linux' && 'VK_ICD_FILENAMES steers the Vulkan loader on Linux only' }, () => {
  it('auto falls back to wasm and says why, in one line', () => {
    const runs = tempDir();
    const r = cli(['train', '--data', data, '--runs-dir', runs, '--epochs', '1', '--heldout', '20'], { VK_ICD_FILENAMES: NO_ICD, VK_DRIVER_FILES: NO_ICD });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n');
    assert.ok(
      lines.some((l) => l.startsWith('backend: wasm')),
      r.stderr,
    );
    const why = lines.filter((l) => l.includes('webgpu not used'));
    assert.equal(why.length, 1, r.stderr);
    assert.match(why[0], /no GPU adapter: no Vulkan driver answered/);
  });
});
