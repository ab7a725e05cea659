/**
 * The pieces `vaerec train --resume` rests on: the generators continue draw for draw from a saved
 * state, a model's training state goes back into a model of the same shape only, and the state on
 * disk reads back bit for bit, from the swap's previous copy too, and names its file when damaged.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../src/shared/rng';
import { selectBackend } from '../../src/trainer/backend';
import { createMultVae } from '../../src/trainer/model/multvae';
import { NumpyRandomState } from '../../src/trainer/protocol/mt19937';
import { readTrainingCheckpoint, writeTrainingCheckpoint, type TrainingCheckpoint } from '../../src/trainer/trainingCheckpoint';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tempRun = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-state-'));
  dirs.push(d);
  return d;
};

describe('generators continue from a saved state', () => {
  it('Rng: the same draws after restore, the spare normal of a Box-Muller pair included', () => {
    const a = new Rng(7);
    for (let i = 0; i < 5; i++) a.uniform();
    a.normal(); // leaves the pair's second value waiting
    const b = new Rng(123);
    b.restore(JSON.parse(JSON.stringify(a.state())));
    assert.deepEqual(
      Array.from({ length: 9 }, () => b.normal()),
      Array.from({ length: 9 }, () => a.normal()),
    );
    assert.equal(b.nextUint32(), a.nextUint32());
  });

  it('NumpyRandomState: the same permutations after restore, across a twist', () => {
    const a = new NumpyRandomState(98765);
    a.permutation(1000);
    const b = new NumpyRandomState(1);
    b.restore(JSON.parse(JSON.stringify(a.state())));
    assert.deepEqual(b.permutation(700), a.permutation(700));
    assert.throws(() => b.restore({ words: [1, 2, 3], index: 0 }), /not a MT19937 state/);
  });
});

describe("a model's training state", () => {
  before(async () => {
    await selectBackend('wasm', () => undefined);
  });
  const cfg = { numItems: 12, hidden: 6, latent: 3, dropout: 0.5, variational: true, learningRate: 0.01, l2: 0, seed: 3 };
  const batch = { rows: 3, indptr: Int32Array.from([0, 2, 3, 5]), indices: Int32Array.from([1, 4, 2, 0, 11]) };

  it("Mult-VAE: a model given another one's state takes the same next steps", async () => {
    const a = createMultVae(cfg);
    for (let i = 0; i < 3; i++) a.trainStep(batch, 0.1);
    const b = createMultVae({ ...cfg, seed: 99 });
    const state = await a.trainingState();
    b.restoreTrainingState({ ...state, arrays: state.arrays.map((x) => ({ name: x.name, data: x.data.slice() })) });
    for (let i = 0; i < 3; i++) assert.deepEqual(b.trainStep(batch, 0.2), a.trainStep(batch, 0.2));
    assert.deepEqual(b.score(batch), a.score(batch));
    a.dispose();
    b.dispose();
  });

  it('refuses a state of another shape or kind, naming what differs', async () => {
    const a = createMultVae(cfg);
    const wider = createMultVae({ ...cfg, hidden: 7 });
    const state = await a.trainingState();
    assert.throws(() => wider.restoreTrainingState(state), /the training state's 'params' holds \d+ values where the model has \d+/);
    assert.throws(() => wider.restoreTrainingState({ ...state, format: 'vaerec-svae' }), /is of a 'vaerec-svae' model, not 'vaerec-multvae'/);
    assert.throws(() => wider.restoreTrainingState({ ...state, counters: {} }), /'step' is not a step count/);
    a.dispose();
    wider.dispose();
  });
});

describe('the training state on disk', () => {
  const checkpoint = (): TrainingCheckpoint => ({
    loop: {
      epoch: 4,
      step: 40,
      metricsBytes: 1234,
      epochLine: '{"kind":"epoch","epoch":4}\n',
      shuffle: new NumpyRandomState(5).state(),
      elapsedSeconds: 12.5,
      epochSeconds: [3, 3.1, 3.2, 3.3],
      best: { epoch: 3, 'ndcg@100': 0.41 },
      lastValidation: { epoch: 4, 'ndcg@100': 0.4 },
      backend: 'wasm',
      threads: 2,
    },
    model: {
      format: 'vaerec-multvae',
      counters: { step: 40 },
      rng: new Rng(2).state(),
      arrays: [
        { name: 'params', data: Float32Array.from([1.5, -2.25, Math.PI, 1e-30]) },
        { name: 'm', data: Float32Array.from([0.125]) },
        { name: 'v', data: new Float32Array(0) },
      ],
    },
  });

  it('reads back what was written, bit for bit; a run without one has none', async () => {
    const run = tempRun();
    assert.equal(readTrainingCheckpoint(run), undefined);
    fs.mkdirSync(path.join(run, 'training-state'));
    await writeTrainingCheckpoint(path.join(run, 'training-state'), checkpoint());
    assert.deepEqual(readTrainingCheckpoint(run), checkpoint());
  });

  it('a swap cut between its two renames: the previous copy is read', async () => {
    const run = tempRun();
    fs.mkdirSync(path.join(run, '.training-state.prev'));
    await writeTrainingCheckpoint(path.join(run, '.training-state.prev'), checkpoint());
    assert.equal(readTrainingCheckpoint(run)?.loop.epoch, 4);
  });

  it('a damaged state names its file', async () => {
    const run = tempRun();
    const dir = path.join(run, 'training-state');
    fs.mkdirSync(dir);
    await writeTrainingCheckpoint(dir, checkpoint());
    fs.truncateSync(path.join(dir, 'state.bin'), 10);
    assert.throws(() => readTrainingCheckpoint(run), new RegExp(`^Error: ${dir}/state\\.bin: holds 10 bytes where state\\.json describes 20$`));
    fs.writeFileSync(path.join(dir, 'state.json'), '{"format": "vaerec-train');
    assert.throws(() => readTrainingCheckpoint(run), new RegExp(`^Error: ${dir}/state\\.json: damaged \\(truncated or not valid JSON\\)$`));
  });
});
