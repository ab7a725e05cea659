/**
 * The device-resident Mult-VAE / Mult-DAE (model/deviceMultVae.ts, model/devicePasses.ts) against
 * the host model, on the cpu backend: the same tensor ops the webgpu backend runs, so these checks
 * need no GPU (gpu-webgpu.test.ts repeats the decisive ones on a WebGPU device).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend';
import { evaluateHeldOut, evaluateModel } from '../../src/trainer/evaluate';
import { topK } from '../../src/trainer/metrics';
import { createDeviceMultVae, createMultVaeForBackend, loadMultVaeForBackend } from '../../src/trainer/model/deviceMultVae';
import { DeviceParams, deviceBatch, deviceGradients } from '../../src/trainer/model/devicePasses';
import { type MultVaeConfig, createMultVae, loadMultVae } from '../../src/trainer/model/multvae';
import { forwardBackward } from '../../src/trainer/model/network';
import { Dims, PARAM_NAMES, initParams, paramCount, paramShapes, viewParams } from '../../src/trainer/model/params';
import { Rng } from '../../src/shared/rng';
import type { SparseBatch } from '../../src/trainer/model/types';
import type { HeldOut } from '../../src/trainer/protocol/split';
import { describeAdapter, isSoftwareAdapter } from '../../src/trainer/webgpu';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';

function rows(lists: number[][]): SparseBatch {
  const indptr = new Int32Array(lists.length + 1);
  lists.forEach((l, r) => (indptr[r + 1] = indptr[r] + l.length));
  return { rows: lists.length, indptr, indices: Int32Array.from(lists.flat()) };
}

function randomLists(count: number, items: number, rng: Rng, sizes: [number, number] = [2, 15]): number[][] {
  return Array.from({ length: count }, () => {
    const set = new Set<number>();
    const n = sizes[0] + Math.floor(rng.uniform() * (sizes[1] - sizes[0] + 1));
    while (set.size < n) set.add(Math.floor(rng.uniform() * items));
    return [...set].sort((a, b) => a - b);
  });
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    ref += b[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(ref), 1e-12);
}

const close = (a: number, b: number, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('device-resident Mult-VAE / Mult-DAE (cpu backend)', () => {
  before(async () => {
    await selectBackend('cpu', () => undefined);
  });
  after(() => removeTempDirs());

  for (const variational of [true, false]) {
    const kind = variational ? 'VAE' : 'DAE';
    it(`the tensor-op backward pass equals network.ts's for every parameter (${kind})`, () => {
      const d: Dims = { numItems: 40, hidden: 12, latent: 5, variational };
      const rng = new Rng(variational ? 21 : 22);
      const p = viewParams(d, new Float32Array(paramCount(d)));
      initParams(d, p, rng);
      for (const n of ['b1', 'b2', 'b3', 'b4'] as const) rng.fillNormal(p[n], 0.3);
      const batch = rows([...randomLists(9, d.numItems, rng), []]);
      const keep = Uint8Array.from(batch.indices, () => (rng.uniform() < 0.6 ? 1 : 0));
      const eps = new Float32Array(batch.rows * d.latent);
      rng.fillNormal(eps, 1);
      const g = viewParams(d, new Float32Array(paramCount(d)));
      const host = forwardBackward(d, p, batch, { keep, eps: variational ? eps : null }, 0.4, 0.3, g);

      const shapes = paramShapes(d);
      const result = tf.tidy(() => {
        const params = Object.fromEntries(PARAM_NAMES.map((n) => [n, tf.tensor(p[n], shapes[n])])) as DeviceParams;
        const out = deviceGradients(d, params, deviceBatch(batch, d.numItems, keep, 0.4), variational ? tf.tensor2d(eps, [batch.rows, d.latent]) : null, 0.3);
        return { parts: out.parts.dataSync(), grads: Object.fromEntries(PARAM_NAMES.map((n) => [n, out.grads[n].dataSync()])) };
      });
      assert.ok(close(result.parts[0], host.nll), `nll ${result.parts[0]} vs ${host.nll}`);
      assert.ok(close(result.parts[1], host.kl, 1e-4), `kl ${result.parts[1]} vs ${host.kl}`);
      for (const n of PARAM_NAMES) {
        assert.ok(
          g[n].some((v) => v !== 0),
          `${n}: the host gradient is all zero, the check would be vacuous`,
        );
        const err = relativeError(result.grads[n], g[n]);
        assert.ok(err <= 1e-4, `${n}: relative error ${err.toExponential(2)}`);
      }
    });

    it(`trains as the host model does: same losses for 20 steps, same saved weights (${kind}${variational ? '' : ', l2'})`, async () => {
      const cfg: MultVaeConfig = { numItems: 70, hidden: 16, latent: 6, dropout: 0.5, variational, learningRate: 5e-3, l2: variational ? 0 : 0.02, seed: 31 };
      const rng = new Rng(5);
      const batches = Array.from({ length: 20 }, () => rows(randomLists(25, cfg.numItems, rng)));
      const host = createMultVae(cfg);
      const device = createDeviceMultVae(cfg);
      for (const [i, batch] of batches.entries()) {
        const beta = 0.01 * i;
        const h = host.trainStep(batch, beta);
        const dv = await device.trainStep(batch, beta);
        for (const key of ['loss', 'nll', 'kl'] as const) assert.ok(close(dv[key], h[key]), `step ${i} ${key}: device ${dv[key]} vs host ${h[key]}`);
      }
      const dir = tempDir();
      await device.save(dir);
      const reloaded = await loadMultVae(dir);
      const probe = rows(randomLists(6, cfg.numItems, rng));
      const err = relativeError(reloaded.score(probe), host.score(probe));
      assert.ok(err <= 1e-3, `scores of the saved device weights vs the host model: relative error ${err.toExponential(2)}`);
      for (const m of [host, device, reloaded]) m.dispose();
    });
  }

  it('ranks on the device as the host ranks its scores: fold-in left out, short rows padded with -1', async () => {
    const cfg: MultVaeConfig = { numItems: 30, hidden: 10, latent: 4, dropout: 0.5, variational: true, learningRate: 1e-3, l2: 0, seed: 8 };
    const device = createDeviceMultVae(cfg);
    const dir = tempDir();
    await device.save(dir);
    const host = await loadMultVae(dir);
    const rng = new Rng(6);
    const lists = [...randomLists(7, cfg.numItems, rng), [...Array(cfg.numItems - 3).keys()], []];
    const batch = rows(lists);
    const k = 10;
    const ranked = await device.rankTop(batch, k);
    const scores = host.score(batch);
    lists.forEach((foldIn, r) => {
      const expected = topK(scores, r * cfg.numItems, cfg.numItems, k, foldIn);
      const got = Array.from(ranked.items.subarray(r * k, (r + 1) * k)).filter((i) => i >= 0);
      assert.deepEqual(got, Array.from(expected), `row ${r}`);
      got.forEach((item, rank) => assert.ok(close(ranked.scores[r * k + rank], scores[r * cfg.numItems + item], 1e-5)));
    });
    assert.deepEqual(Array.from(ranked.items.subarray(7 * k + 3, 8 * k)), Array(k - 3).fill(-1), 'a user who rated all but 3 items gets 3');

    const heldOut: HeldOut = {
      users: lists.map((_, r) => `u${r}`),
      foldIn: { users: lists.map((_, r) => `u${r}`), indptr: batch.indptr, indices: batch.indices },
      targets: (() => {
        const t = rows(lists.map((l) => [...Array(cfg.numItems).keys()].filter((i) => !l.includes(i)).slice(0, 3)));
        return { users: lists.map((_, r) => `u${r}`), indptr: t.indptr, indices: t.indices };
      })(),
    };
    const onDevice = await evaluateModel(device, heldOut, 5);
    const onHost = evaluateHeldOut(host, heldOut, 5);
    assert.deepEqual(onDevice.metrics, onHost.metrics);
    assert.deepEqual(
      onDevice.perUser?.map((u) => Array.from(u.top)),
      onHost.perUser?.map((u) => Array.from(u.top)),
    );
    device.dispose();
    host.dispose();
  });

  it('the factories pick the host model off webgpu', async () => {
    const cfg: MultVaeConfig = { numItems: 12, hidden: 4, latent: 2, dropout: 0, variational: false, learningRate: 1e-3, l2: 0, seed: 1 };
    const created = createMultVaeForBackend(cfg);
    assert.ok(!('onDevice' in created));
    const dir = tempDir();
    await created.save(dir);
    const loaded = await loadMultVaeForBackend(dir);
    assert.ok(!('onDevice' in loaded));
    created.dispose();
    loaded.dispose();
  });
});

describe('webgpu adapter classification', () => {
  const info = (vendor: string, architecture: string, device = '', description = '') => ({ vendor, architecture, device, description });
  it('software drivers are software, GPUs are not', () => {
    assert.equal(isSoftwareAdapter(info('google', 'swiftshader'), false), true);
    assert.equal(isSoftwareAdapter(info('mesa', '', '', 'llvmpipe (LLVM 15.0.6, 256 bits)'), false), true);
    assert.equal(isSoftwareAdapter(info('', '', '', 'Microsoft Basic Render Driver'), false), true);
    assert.equal(isSoftwareAdapter(info('nvidia', 'ada-lovelace', '', 'NVIDIA: 550.54'), false), false);
    assert.equal(isSoftwareAdapter(info('apple', 'metal-3', '', 'Apple M2'), false), false);
    assert.equal(isSoftwareAdapter(info('amd', 'rdna-3'), true), true, 'a fallback adapter is software whatever its name');
  });
  it('describes an adapter in one phrase', () => {
    assert.equal(
      describeAdapter({ ...info('nvidia', 'ada-lovelace', '', 'NVIDIA GeForce RTX 4070'), software: false }),
      'nvidia ada-lovelace (NVIDIA GeForce RTX 4070)',
    );
    assert.equal(describeAdapter({ ...info('', ''), software: true }), 'unnamed adapter, software');
  });
});

describe('backends for models without a WebGPU path', () => {
  it("'webgpu' for SVAE falls back to wasm and says why", async () => {
    const log: string[] = [];
    const selected = await selectBackend('webgpu', (m) => log.push(m), { webgpu: false, webgpuUnsupportedBy: 'SVAE' });
    assert.equal(selected.name, 'wasm');
    assert.deepEqual(log.length, 1);
    assert.match(log[0], /SVAE has no WebGPU/);
  });
});
