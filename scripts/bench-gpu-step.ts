/**
 * The GPU-resident Mult-VAE step at ML-1M's size (3,497 items, batch 500, default widths) against
 * the host model: N training steps on the same batches, then one evaluation batch ranked on the
 * device against the host model's scores. Prints each step's time and loss on both, the relative
 * differences, the ranking time and the overlap of the two top-100 lists.
 *
 *   VK_ICD_FILENAMES=... node --import tsx scripts/bench-gpu-step.ts [--steps 3] [--reference wasm|cpu]
 *
 * On a real GPU it times the device step (the first includes shader compilation); on SwiftShader
 * it only checks that full-size tensors compute the host's numbers (minutes per step).
 */
import { BackendChoice, selectBackend } from '../src/trainer/backend';
import { topK } from '../src/trainer/metrics';
import { createDeviceMultVae } from '../src/trainer/model/deviceMultVae';
import { MultVaeConfig, createMultVae } from '../src/trainer/model/multvae';
import { Rng } from '../src/shared/rng';
import { SparseBatch } from '../src/trainer/model/types';
import { median, option } from './benchCommon';

const NUM_ITEMS = 3497;
const ROWS = 500;
const K = 100;

/** Users with 20-170 distinct items each, uniformly over the catalogue. */
function randomBatch(rng: Rng): SparseBatch {
  const indptr = new Int32Array(ROWS + 1);
  const all: number[] = [];
  for (let r = 0; r < ROWS; r++) {
    const picked = new Set<number>();
    const count = 20 + Math.floor(rng.uniform() * 151);
    while (picked.size < count) picked.add(Math.floor(rng.uniform() * NUM_ITEMS));
    all.push(...[...picked].sort((a, b) => a - b));
    indptr[r + 1] = all.length;
  }
  return { rows: ROWS, indptr, indices: Int32Array.from(all) };
}

async function main(): Promise<void> {
  const steps = Number(option('steps', '3'));
  const reference = option('reference', 'wasm') as BackendChoice;
  const rng = new Rng(1);
  const batches = Array.from({ length: steps }, () => randomBatch(rng));
  const evalBatch = randomBatch(rng);
  const cfg: MultVaeConfig = { numItems: NUM_ITEMS, hidden: 600, latent: 200, dropout: 0.5, variational: true, learningRate: 1e-3, l2: 0, seed: 98765 };
  const beta = (i: number) => 0.01 * i;

  console.log(`host model on ${(await selectBackend(reference, console.log)).name}`);
  const host = createMultVae(cfg);
  const hostTimes: number[] = [];
  const expected = batches.map((b, i) => {
    const t = performance.now();
    const s = host.trainStep(b, beta(i));
    hostTimes.push(performance.now() - t);
    return s;
  });
  const scores = host.score(evalBatch);
  host.dispose();

  const gpu = await selectBackend('webgpu', console.log);
  if (gpu.name !== 'webgpu') throw new Error('no WebGPU adapter (see the line above)');
  console.log(`device model on ${gpu.note}`);
  const device = createDeviceMultVae(cfg);
  const deviceTimes: number[] = [];
  for (const [i, b] of batches.entries()) {
    const t = performance.now();
    const s = await device.trainStep(b, beta(i));
    deviceTimes.push(performance.now() - t);
    const rel = (a: number, e: number) => (Math.abs(a - e) / Math.max(1, Math.abs(e))).toExponential(1);
    console.log(
      `step ${i}: device ${deviceTimes[i].toFixed(0)} ms, host ${hostTimes[i].toFixed(0)} ms; loss ${s.loss.toFixed(6)} vs ${expected[i].loss.toFixed(6)} ` +
        `(rel ${rel(s.loss, expected[i].loss)}), kl rel ${rel(s.kl, expected[i].kl)}`,
    );
  }
  const t = performance.now();
  const ranked = await device.rankTop(evalBatch, K);
  const rankMs = performance.now() - t;
  device.dispose();
  let same = 0;
  for (let r = 0; r < ROWS; r++) {
    const mine = new Set(ranked.items.subarray(r * K, (r + 1) * K));
    const theirs = topK(scores, r * NUM_ITEMS, NUM_ITEMS, K, evalBatch.indices.subarray(evalBatch.indptr[r], evalBatch.indptr[r + 1]));
    for (const item of theirs) if (mine.has(item)) same++;
  }
  // The first device step compiles every kernel's shader.
  const deviceMedian =
    deviceTimes.length > 1
      ? `${median(deviceTimes.slice(1)).toFixed(0)} ms (after the first)`
      : `${deviceTimes[0].toFixed(0)} ms (one step, compilation included)`;
  console.log(`median step: device ${deviceMedian}, host ${median(hostTimes).toFixed(0)} ms`);
  console.log(`rankTop of ${ROWS} users: ${rankMs.toFixed(0)} ms; top-${K} overlap with the host ranking ${(same / (ROWS * K)).toFixed(4)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
