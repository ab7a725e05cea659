/** Two-thread training (parallel.ts) must compute the same steps as one thread, up to float rounding, for Mult-VAE, SVAE and RecVAE. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../src/trainer/backend';
import { MultVaeConfig, createMultVae } from '../../src/trainer/model/multvae';
import { GradientWorker } from '../../src/trainer/model/parallel';
import { paramCount } from '../../src/trainer/model/params';
import { RecVaeConfig, createRecVae } from '../../src/trainer/model/recvae';
import { Rng } from '../../src/shared/rng';
import { SvaeConfig, createSvae } from '../../src/trainer/model/svae';
import { splitForThreads, trainingSteps } from '../../src/trainer/model/svaeBatch';
import { Recommender, SparseBatch } from '../../src/trainer/model/types';

function randomBatch(rows: number, numItems: number, rng: Rng): SparseBatch {
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < numItems; i++) if (rng.uniform() < 0.2) indices.push(i);
    indptr[r + 1] = indices.length;
  }
  return { rows, indptr, indices: Int32Array.from(indices) };
}

function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

type Threaded = Recommender & { readonly threads: number };

/** Trains `one` (one thread) and `two` (two threads) on the same batches: every step's loss parts, then the scores of `probe`, must agree. */
function expectSameSteps(one: Threaded, two: Threaded, batches: SparseBatch[], beta: number, probe: SparseBatch): void {
  try {
    assert.equal(one.threads, 1);
    assert.equal(two.threads, 2);
    for (const [s, batch] of batches.entries()) {
      const a = one.trainStep(batch, beta);
      const b = two.trainStep(batch, beta);
      close(b.loss, a.loss, `step ${s} loss`);
      close(b.nll, a.nll, `step ${s} nll`);
      close(b.kl, a.kl, `step ${s} kl`);
    }
    const sa = one.score(probe);
    const sb = two.score(probe);
    let maxDiff = 0;
    for (let i = 0; i < sa.length; i++) maxDiff = Math.max(maxDiff, Math.abs(sa[i] - sb[i]));
    assert.ok(maxDiff < 1e-4, `scores differ by ${maxDiff}`);
  } finally {
    one.dispose();
    two.dispose();
  }
}

before(async () => {
  await selectBackend('wasm', () => undefined);
});

describe('Mult-VAE on two threads', () => {
  for (const variational of [true, false]) {
    it(`matches the single-thread run step for step (${variational ? 'VAE' : 'DAE'})`, () => {
      const cfg: MultVaeConfig = { numItems: 40, hidden: 16, latent: 6, dropout: 0.5, variational, learningRate: 1e-2, l2: 1e-3, seed: 8 };
      const rng = new Rng(1);
      const batches = [randomBatch(21, 40, rng), randomBatch(20, 40, rng), randomBatch(1, 40, rng), randomBatch(33, 40, rng)];
      expectSameSteps(createMultVae(cfg, { threads: 1 }), createMultVae(cfg, { threads: 2 }), batches, 0.1, randomBatch(5, 40, rng));
    });
  }
});

/** Sequences of random lengths in 0..maxLen (some longer than the model's maxLength). */
function randomSequences(rows: number, numItems: number, maxLen: number, rng: Rng): SparseBatch {
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  for (let r = 0; r < rows; r++) {
    const n = Math.floor(rng.uniform() * (maxLen + 1));
    for (let k = 0; k < n; k++) indices.push(Math.floor(rng.uniform() * numItems));
    indptr[r + 1] = indices.length;
  }
  return { rows, indptr, indices: Int32Array.from(indices) };
}

describe('SVAE on two threads', () => {
  it('splits a batch into two parts of about equal steps that hold every row and its noise once', () => {
    const rng = new Rng(4);
    const batch = randomSequences(17, 30, 40, rng);
    const maxLength = 25;
    const Z = 3;
    const eps = Float32Array.from({ length: trainingSteps(batch, maxLength) * Z }, (_, k) => k);
    const parts = splitForThreads(batch, maxLength, Z, eps);
    assert.equal(parts[0].batch.rows + parts[1].batch.rows, batch.rows);
    const steps = parts.map((p) => trainingSteps(p.batch, maxLength));
    assert.equal(steps[0] + steps[1], trainingSteps(batch, maxLength));
    assert.ok(Math.abs(steps[0] - steps[1]) <= maxLength - 1, `unbalanced: ${steps.join(' vs ')}`);
    // Every noise value once, each part holding as many as its steps need.
    const seen = [...parts[0].eps, ...parts[1].eps].sort((a, b) => a - b);
    assert.deepEqual(seen, Array.from(eps));
    for (const p of parts) assert.equal(p.eps.length, trainingSteps(p.batch, maxLength) * Z);
  });

  it('matches the single-thread run step for step', () => {
    const cfg: SvaeConfig = { numItems: 30, embed: 8, rnn: 6, hidden: 7, latent: 3, nextK: 2, maxLength: 12, learningRate: 1e-2, weightDecay: 5e-3, seed: 5 };
    const rng = new Rng(2);
    const batches = [randomSequences(9, 30, 20, rng), randomSequences(2, 30, 15, rng), randomSequences(1, 30, 10, rng), randomSequences(16, 30, 20, rng)];
    expectSameSteps(createSvae(cfg, { threads: 1 }), createSvae(cfg, { threads: 2 }), batches, 0.2, randomSequences(6, 30, 12, rng));
  });
});

describe('RecVAE on two threads', () => {
  it('matches the single-thread run step for step, through encoder and decoder passes and the refreshed prior', () => {
    const cfg: RecVaeConfig = {
      numItems: 40,
      hidden: 12,
      latent: 5,
      dropout: 0.5,
      gamma: 0.01,
      learningRate: 1e-2,
      encoderEpochs: 2,
      decoderEpochs: 1,
      seed: 9,
    };
    const rng = new Rng(3);
    const batches = [randomBatch(21, 40, rng), randomBatch(1, 40, rng), randomBatch(20, 40, rng)];
    const one = createRecVae(cfg, 1);
    const two = createRecVae(cfg, 2);
    try {
      assert.equal(one.threads, 1);
      assert.equal(two.threads, 2);
      // Two epochs of three passes: encoder, encoder, decoder.
      for (let epoch = 1; epoch <= 2; epoch++) {
        for (let pass = 0; pass < 3; pass++) {
          one.beginPass(pass);
          two.beginPass(pass);
          for (const [i, batch] of batches.entries()) {
            const a = one.trainStep(batch, 0);
            const b = two.trainStep(batch, 0);
            const what = `epoch ${epoch} pass ${pass} batch ${i}`;
            close(b.loss, a.loss, `${what} loss`);
            close(b.nll, a.nll, `${what} nll`);
            close(b.kl, a.kl, `${what} kl`);
          }
        }
      }
      const probe = randomBatch(5, 40, rng);
      const sa = one.score(probe);
      const sb = two.score(probe);
      let maxDiff = 0;
      for (let i = 0; i < sa.length; i++) maxDiff = Math.max(maxDiff, Math.abs(sa[i] - sb[i]));
      assert.ok(maxDiff < 1e-4, `scores differ by ${maxDiff}`);
    } finally {
      one.dispose();
      two.dispose();
    }
  });
});

describe('the gradient worker', () => {
  const dims = { numItems: 10, hidden: 4, latent: 2, variational: true };
  const shared = (n: number) => new SharedArrayBuffer(4 * n);
  const init = (backend: string) => {
    const n = paramCount(dims);
    return {
      backend,
      model: { kind: 'multvae', dims } as const,
      buffers: { params: shared(n), m: shared(n), v: shared(n), gradsMain: shared(n), gradsWorker: shared(n) },
    };
  };
  const adamJob = { kind: 'adam', adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, t: 1, l2: 0, from: 0, to: 0 } as const;

  it('that cannot start is not used: start() returns null with the reason as a warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      assert.equal(GradientWorker.start(init('no-such-backend')), null);
      // Buffers that do not fit the model fail in the worker after its backend is up.
      assert.equal(GradientWorker.start({ ...init('wasm'), model: { kind: 'multvae', dims: { ...dims, hidden: 5 } } }), null);
      await new Promise((r) => setImmediate(r));
      assert.equal(warnings.length, 2, warnings.join('; '));
      assert.match(warnings[0], /training on one thread: gradient worker: unknown backend 'no-such-backend'/);
      assert.match(warnings[1], /training on one thread: gradient worker: parameter buffer has \d+ floats/);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('reports its own failure, and a failure on the main thread leaves no job in flight', () => {
    const worker = GradientWorker.start(init('wasm'));
    assert.ok(worker);
    try {
      assert.throws(
        () =>
          worker.alongside(adamJob, () => {
            throw new Error('main share failed');
          }),
        /main share failed/,
      );
      // The worker's result for that job was collected: the next job's result is its own.
      assert.deepEqual(
        worker.alongside(adamJob, () => 7),
        { mine: 7, theirs: { nll: 0, kl: 0 } },
      );
      const wrong = {
        kind: 'svaeGrad',
        batch: { rows: 0, indptr: new Int32Array(1), indices: new Int32Array(0) },
        eps: new Float32Array(0),
        opts: { nextK: 1, maxLength: 2, beta: 0 },
      } as const;
      assert.throws(() => worker.alongside(wrong, () => 0), /a Mult-VAE worker cannot run a 'svaeGrad' job/);
      // A failed worker fails every later job at once rather than after a time-out.
      assert.throws(() => worker.alongside(adamJob, () => 0), /gradient worker/);
    } finally {
      worker.dispose();
    }
  });
});
