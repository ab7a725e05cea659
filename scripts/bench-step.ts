/**
 * Times Mult-VAE training steps and scoring on a random batch shaped like ML-1M after the Liang et
 * al. protocol (I = 3,497 items, batch 500, ~100 positives per user).
 *
 *   node --import tsx scripts/bench-step.ts [--backends wasm,cpu] [--threads 1,2] [--steps 15] [--baseline DIR]
 *
 * --baseline DIR times another version of the code in the same run, its steps interleaved with
 * ours: DIR is a checkout of it (e.g. `git worktree add DIR COMMIT`, or `git archive COMMIT | tar -x
 * -C DIR`, with node_modules linked to this one's), whose src/trainer/model/multvae.ts is loaded.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendChoice, selectBackend } from '../src/trainer/backend';
import { createMultVae } from '../src/trainer/model/multvae';
import { Rng } from '../src/shared/rng';
import { SparseBatch } from '../src/trainer/model/types';
import { median, option } from './benchCommon';

const NUM_ITEMS = 3497;
const MEAN_POSITIVES = 100;

/** Rows with a skewed count of distinct items (between 5 and 3x the mean), popular items more likely. */
function randomBatch(rng: Rng, rows: number): SparseBatch {
  const indptr = new Int32Array(rows + 1);
  const all: number[] = [];
  for (let r = 0; r < rows; r++) {
    const count = Math.max(5, Math.min(3 * MEAN_POSITIVES, Math.round(-Math.log(1 - rng.uniform()) * MEAN_POSITIVES)));
    const picked = new Set<number>();
    while (picked.size < count) picked.add(Math.floor(NUM_ITEMS * rng.uniform() ** 2));
    all.push(...[...picked].sort((a, b) => a - b));
    indptr[r + 1] = all.length;
  }
  return { rows, indptr, indices: Int32Array.from(all) };
}

function timeMs(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

type Create = typeof createMultVae;

/**
 * Times each version and thread setting on the same batches, interleaving their steps so that load
 * from other processes on this shared machine hits them alike.
 */
async function benchBackend(choice: BackendChoice, threads: (1 | 2)[], steps: number, versions: { label: string; create: Create }[]): Promise<void> {
  const selected = await selectBackend(choice, (msg) => console.log(`  ${msg}`));
  const rng = new Rng(7);
  const batches = Array.from({ length: 4 }, () => randomBatch(rng, 500));
  const users = randomBatch(rng, 600);
  const runs = versions.flatMap((v) => threads.map((t) => ({ label: v.label, threads: t, create: v.create })));
  const models = runs.map((r) =>
    r.create({ numItems: NUM_ITEMS, hidden: 600, latent: 200, dropout: 0.5, variational: true, learningRate: 1e-3, l2: 0, seed: 1 }, { threads: r.threads }),
  );
  const warmup = 3;
  const stepTimes = models.map((): number[] => []);
  // Process CPU time per step (all threads): a load-independent view of the work on a shared machine.
  const stepCpu = models.map((): number[] => []);
  const scoreTimes = models.map((): number[] => []);
  for (let s = 0; s < warmup + steps; s++) {
    models.forEach((model, m) => {
      const cpu = process.cpuUsage();
      const t = timeMs(() => model.trainStep(batches[s % batches.length], 0.2));
      const used = process.cpuUsage(cpu);
      if (s >= warmup) {
        stepTimes[m].push(t);
        stepCpu[m].push((used.user + used.system) / 1000);
      }
    });
  }
  for (let s = 0; s < 2 + 7; s++) {
    models.forEach((model, m) => {
      const t = timeMs(() => model.score(users));
      if (s >= 2) scoreTimes[m].push(t);
    });
  }
  const nnz = batches.reduce((n, b) => n + b.indices.length, 0) / batches.length / 500;
  console.log(`${selected.name} (${selected.note ?? ''}); batch 500, I=${NUM_ITEMS}, ${nnz.toFixed(0)} nnz/row; ${steps} timed steps`);
  models.forEach((model, m) => {
    const st = stepTimes[m];
    const base = runs.findIndex((r) => r.threads === runs[m].threads);
    const ratio = base === m ? '' : `; ${(median(st) / median(stepTimes[base])).toFixed(3)}x the step of ${runs[base].label}`;
    console.log(
      `  ${runs[m].label}, ${model.threads} thread(s): train step median ${median(st).toFixed(1)} ms [min ${Math.min(...st).toFixed(1)}, max ${Math.max(...st).toFixed(1)}], ` +
        `CPU ${median(stepCpu[m]).toFixed(1)} ms; ` +
        `score 600 users median ${median(scoreTimes[m]).toFixed(1)} ms${ratio}`,
    );
    model.dispose();
  });
  console.log(`  tensors left: ${tf.memory().numTensors}`);
}

async function main(): Promise<void> {
  const backends = option('backends', 'wasm').split(',') as BackendChoice[];
  const steps = Number(option('steps', '15'));
  const threads = option('threads', '1,2')
    .split(',')
    .map((t): 1 | 2 => (t === '2' ? 2 : 1));
  const versions: { label: string; create: Create }[] = [];
  const baseline = option('baseline', '');
  if (baseline) {
    const file = path.join(path.resolve(baseline), 'src', 'trainer', 'model', 'multvae');
    versions.push({ label: `baseline ${baseline}`, create: ((await import(file)) as { createMultVae: Create }).createMultVae });
  }
  versions.push({ label: 'this checkout', create: createMultVae });
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const b of backends) await benchBackend(b, threads, b === 'cpu' ? Math.min(steps, 3) : steps, versions);
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
