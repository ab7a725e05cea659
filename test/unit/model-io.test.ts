import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { selectBackend } from '../../src/trainer/backend';
import { MultVaeConfig, createMultVae, loadMultVae } from '../../src/trainer/model/multvae';
import { SparseBatch } from '../../src/trainer/model/types';

const batch: SparseBatch = { rows: 3, indptr: Int32Array.from([0, 3, 5, 8]), indices: Int32Array.from([1, 4, 9, 0, 2, 3, 7, 11]) };

describe('Mult-VAE save / load', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'vaerec-model-io-'));
  before(async () => {
    await selectBackend('wasm', () => undefined);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const variational of [true, false]) {
    it(`round-trips to identical scores and latents (${variational ? 'VAE' : 'DAE'})`, async () => {
      const cfg: MultVaeConfig = { numItems: 12, hidden: 6, latent: 3, dropout: 0.5, variational, learningRate: 1e-2, l2: 0.01, seed: 3 };
      const model = createMultVae(cfg);
      for (let s = 0; s < 3; s++) model.trainStep(batch, 0.2);
      const dir = path.join(root, variational ? 'vae' : 'dae');
      await model.save(dir);

      assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'weights.bin'], 'no temporary files left');
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
      assert.deepEqual(json.userDefinedMetadata.config, cfg);
      assert.equal(json.weightsManifest[0].paths[0], 'weights.bin');

      const loaded = await loadMultVae(dir);
      assert.equal(loaded.numItems, 12);
      assert.deepEqual(loaded.score(batch), model.score(batch));
      assert.deepEqual(loaded.encode(batch), model.encode(batch));
    });
  }

  it('scores more rows than one chunk exactly as row by row', () => {
    const model = createMultVae({ numItems: 12, hidden: 6, latent: 3, dropout: 0.5, variational: true, learningRate: 1e-2, l2: 0, seed: 4 });
    const rows = 1205;
    const indptr = new Int32Array(rows + 1);
    const indices: number[] = [];
    for (let r = 0; r < rows; r++) {
      indices.push(r % 12, (r * 7 + 3) % 12 === r % 12 ? (r + 1) % 12 : (r * 7 + 3) % 12);
      indices.splice(indices.length - 2, 2, ...indices.slice(-2).sort((a, b) => a - b));
      indptr[r + 1] = indices.length;
    }
    const all = model.score({ rows, indptr, indices: Int32Array.from(indices) });
    assert.equal(all.length, rows * 12);
    for (const r of [0, 999, 1000, 1204]) {
      const one = model.score({ rows: 1, indptr: Int32Array.from([0, 2]), indices: Int32Array.from(indices.slice(2 * r, 2 * r + 2)) });
      assert.deepEqual(all.subarray(r * 12, (r + 1) * 12), one, `row ${r}`);
    }
  });

  it('rejects a directory without a model', async () => {
    await assert.rejects(loadMultVae(path.join(root, 'missing')), /ENOENT/);
  });
});
