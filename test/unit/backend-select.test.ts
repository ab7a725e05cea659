import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';

// tfjs-node cannot be installed on this machine (it downloads libtensorflow), so these tests pin
// the fallback path. On a machine with native TensorFlow, 'auto' would rightly pick 'tensorflow'.
describe('selectBackend', () => {
  it("'auto' logs the missing native backends and lands on wasm", async () => {
    const log: string[] = [];
    const selected = await selectBackend('auto', (m) => log.push(m));
    assert.equal(selected.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(
      log.some((m) => m.includes('@tensorflow/tfjs-node') && m.includes('not installed')),
      log.join('\n'),
    );
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
