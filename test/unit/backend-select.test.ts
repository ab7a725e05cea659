import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';

// Native TensorFlow (tfjs-node) is not a dependency and 'auto' never tries it (docs/GPU.md). This
// process sees no Vulkan driver (VK_ICD_FILENAMES points nowhere), as on a machine without a GPU
// driver: 'auto' must say why it did not take webgpu and land on wasm. gpu-webgpu.test.ts covers
// the adapters that exist.
process.env.VK_ICD_FILENAMES = '/nonexistent/vaerec-no-vulkan-driver.json';

describe('selectBackend', () => {
  it("'auto' without a GPU adapter says why in one line and lands on wasm, never trying tfjs-node", async () => {
    const log: string[] = [];
    const selected = await selectBackend('auto', (m) => log.push(m));
    assert.equal(selected.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(selected.adapter, undefined);
    if (process.platform === 'linux') assert.deepEqual(log.length, 1, log.join('\n'));
    assert.match(log[0] ?? '', /webgpu not used: no GPU adapter/);
    assert.ok(!log.some((m) => m.includes('tfjs-node')), log.join('\n'));
    // The wasm backend really computes (initialised single-threaded, binaries found).
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 0, 0, 1], [2, 2])).dataSync());
    assert.deepEqual([...y], [1, 2, 3, 4]);
  });

  it("'cpu' works", async () => {
    const selected = await selectBackend('cpu', () => undefined);
    assert.equal(selected.name, 'cpu');
    assert.equal(
      tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]),
      6,
    );
  });

  it("'tensorflow' fails with a clear error when tfjs-node is missing", async () => {
    await assert.rejects(
      selectBackend('tensorflow', () => undefined),
      /'tensorflow' requested.*@tensorflow\/tfjs-node/,
    );
  });

  it("'wasm' can be selected again after another backend", async () => {
    assert.equal((await selectBackend('wasm', () => undefined)).name, 'wasm');
  });
});
