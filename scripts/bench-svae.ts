/**
 * SVAE's section of `npm run bench` (also runnable alone): on MovieLens-1M,
 *   1. the median epoch time of `vaerec train --model svae` through the real CLI (default settings,
 *      batches of 16 users), and its validation NDCG@100 per epoch;
 *   2. one-user-per-step training of our own model (the reference's batch size of 1, so one thread:
 *      a step's work is split by rows), timed over a limited number of users and extrapolated to
 *      the epoch by sequence steps (cost follows the items read, not the users: histories range
 *      from 4 to 1,000 items), beside the batched step timed the same way on the same users with the
 *      threads training uses;
 *   3. with --quality, a full default run (25 epochs) and its test metrics.
 * Machines here are shared: it reports medians, wall and CPU seconds, and asserts nothing.
 *
 *   node --import tsx scripts/bench-svae.ts [--data DIR] [--epochs N (0: no CLI timing)] [--users N] [--quality] [--baseline DIR] [--out FILE]
 *
 * --baseline DIR also times another version's batched steps in-process, its steps interleaved with
 * ours on the same batches (DIR a checkout of it with node_modules linked, as for bench-step.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MODEL_INFO } from '../src/shared/modelKinds';
import { readRun } from '../src/shared/runReader';
import type { RunRecord } from '../src/shared/runSchema';
import { autoHeldoutUsers, makeConfig } from '../src/shared/trainConfig';
import { selectBackend } from '../src/trainer/backend';
import { loadDataset } from '../src/trainer/data/load';
import { createSvae } from '../src/trainer/model/svae';
import { trainingSteps } from '../src/trainer/model/svaeBatch';
import { trainingThreads } from '../src/trainer/train';
import { NumpyRandomState } from '../src/trainer/protocol/mt19937';
import { bucketedOrder, splitSequential } from '../src/trainer/protocol/sequential';
import { gatherRows, type UserRows } from '../src/trainer/protocol/split';
import { CLI, ML1M, ROOT, flag, median, option } from './benchCommon';

const DATA = path.resolve(option('data', ML1M));
const EPOCHS = Number(option('epochs', '3'));
const USERS = Number(option('users', '320'));
const OUT = path.resolve(option('out', path.join(ROOT, 'bench-results', 'bench-svae.json')));

const log = (line: string) => process.stderr.write(line + '\n');

function trainCli(args: string[]): RunRecord {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-bench-svae-'));
  const r = spawnSync(process.execPath, [CLI, 'train', '--model', 'svae', '--data', DATA, '--runs-dir', runs, '--json', '--backend', 'wasm', ...args], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`vaerec train --model svae ${args.join(' ')} failed: ${r.stderr.trim()}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { runDir: string };
  const entry = readRun(out.runDir);
  if (!entry.ok) throw new Error(entry.reason);
  fs.rmSync(runs, { recursive: true, force: true });
  return entry.record;
}

interface StepTiming {
  users: number;
  threads: number;
  steps: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** Sequence steps trained (items read), then seconds per step times the epoch's steps. */
  sequenceSteps: number;
  extrapolatedEpochWallSeconds: number;
  extrapolatedEpochCpuSeconds: number;
}

type CreateSvae = typeof createSvae;

/**
 * Trains a fresh default model of each version on the given users in steps of batchSize, their
 * steps interleaved on the same batches, and times each.
 */
function timeSteps(
  rows: UserRows,
  order: Int32Array,
  users: number,
  batchSize: number,
  numItems: number,
  epochSteps: number,
  threads: 1 | 2,
  versions: CreateSvae[] = [createSvae],
): StepTiming[] {
  const c = makeConfig('svae', DATA);
  const create = (version: CreateSvae) =>
    version(
      {
        numItems,
        embed: c.embedding!,
        rnn: c.rnn!,
        hidden: c.hidden,
        latent: c.latent,
        nextK: c.nextK!,
        maxLength: c.maxLength!,
        learningRate: c.learningRate,
        weightDecay: c.weightDecay!,
        seed: c.seed,
      },
      { threads },
    );
  const models = versions.map(create);
  // One warm-up step (wasm compilation, buffers) outside the timing.
  for (const model of models) model.trainStep(gatherRows(rows, order, users, users + batchSize), 0);
  const wall = models.map(() => 0);
  const cpu = models.map(() => 0);
  let steps = 0;
  let sequenceSteps = 0;
  for (let s = 0; s < users; s += batchSize) {
    const batch = gatherRows(rows, order, s, Math.min(users, s + batchSize));
    models.forEach((model, i) => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      model.trainStep(batch, 0.1);
      wall[i] += (performance.now() - t0) / 1000;
      const used = process.cpuUsage(cpu0);
      cpu[i] += (used.user + used.system) / 1e6;
    });
    steps++;
    sequenceSteps += trainingSteps(batch, c.maxLength!);
  }
  const perStep = epochSteps / sequenceSteps;
  return models.map((model, i) => {
    model.dispose();
    return {
      users,
      threads: model.threads,
      steps,
      sequenceSteps,
      wallSeconds: wall[i],
      cpuSeconds: cpu[i],
      extrapolatedEpochWallSeconds: wall[i] * perStep,
      extrapolatedEpochCpuSeconds: cpu[i] * perStep,
    };
  });
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
  if (!fs.existsSync(path.join(DATA, 'ratings.dat'))) throw new Error(`no ratings.dat in ${DATA} (pass --data DIR)`);
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAverage: os.loadavg() },
    data: DATA,
  };

  if (EPOCHS > 0) {
    log(`svae timing: ${EPOCHS} epochs through the CLI, default settings (batch ${MODEL_INFO.svae.defaults.batchSize})`);
    const timed = trainCli(['--epochs', String(EPOCHS)]);
    result.cli = {
      epochSeconds: timed.epochSeconds,
      // The first epoch includes warm-up (wasm compilation, buffers); with one epoch there is nothing else.
      medianEpochSeconds: median(timed.epochSeconds.length > 1 ? timed.epochSeconds.slice(1) : timed.epochSeconds),
      threads: timed.threads,
      bestValidation: timed.best,
      split: timed.split,
      peakRssMiB: (timed.timings?.peakRssBytes ?? NaN) / 2 ** 20,
    };
  }

  log(`svae steps: ${USERS} users one per step (batch size 1) and in batches, timed in-process and extrapolated`);
  await selectBackend('wasm', log);
  const c = makeConfig('svae', DATA);
  const dataset = await loadDataset(c.data, { cacheDir: os.tmpdir() });
  const split = splitSequential(dataset.interactions, { ...c.protocol, heldoutUsers: autoHeldoutUsers(dataset.interactions.users.length, 'svae') }, c.seed);
  const trainUsers = split.train.users.length;
  // The same users for both: the first USERS of the epoch's bucketed order (length-sorted batches
  // as training sees them; for batch size 1 the order does not matter).
  const order = bucketedOrder(split.train, c.batchSize, new NumpyRandomState(c.seed));
  const users = USERS - (USERS % c.batchSize);
  const epochSteps = trainingSteps(gatherRows(split.train, order, 0, trainUsers), c.maxLength!);
  result.batchSize1 = timeSteps(split.train, order, users, 1, split.items.length, epochSteps, 1)[0];
  const baseline = option('baseline', '');
  const versions = [createSvae];
  if (baseline) versions.push(((await import(path.join(path.resolve(baseline), 'src', 'trainer', 'model', 'svae'))) as { createSvae: CreateSvae }).createSvae);
  const [batched, baselineBatched] = timeSteps(split.train, order, users, c.batchSize, split.items.length, epochSteps, trainingThreads('wasm'), versions);
  result.batched = batched;
  if (baselineBatched) result.baselineBatched = { dir: baseline, ...baselineBatched };

  if (flag('quality')) {
    log('svae quality: default settings (25 epochs)');
    const q = trainCli([]);
    result.quality = { test: q.test, best: q.best, epochs: q.epochsCompleted, medianEpochSeconds: median(q.epochSeconds), config: q.config };
  }

  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
  const f = (v: unknown, d = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '-');
  const cli = result.cli as { medianEpochSeconds: number; threads?: number } | undefined;
  const b1 = result.batchSize1 as StepTiming;
  const bb = result.batched as StepTiming;
  const rows = [
    [
      `svae median epoch (CLI, batch ${c.batchSize}, ${EPOCHS} epochs, first excluded)`,
      cli ? `${f(cli.medianEpochSeconds)} s (${cli.threads ?? 1} thread${(cli.threads ?? 1) > 1 ? 's' : ''})` : 'not measured (--epochs 0)',
    ],
    [
      `svae batch ${c.batchSize} (${bb.threads} thread${bb.threads > 1 ? 's' : ''}), ${bb.users} users (${bb.sequenceSteps} steps) in-process, extrapolated to ${epochSteps}`,
      `${f(bb.extrapolatedEpochWallSeconds)} s/epoch wall, ${f(bb.extrapolatedEpochCpuSeconds)} s CPU`,
    ],
    [
      `svae batch 1 (1 thread), same users, extrapolated to ${epochSteps} steps`,
      `${f(b1.extrapolatedEpochWallSeconds)} s/epoch wall, ${f(b1.extrapolatedEpochCpuSeconds)} s CPU`,
    ],
    ['svae batch 1 / batched (extrapolated wall)', `${f(b1.extrapolatedEpochWallSeconds / bb.extrapolatedEpochWallSeconds)}x`],
    ...(baselineBatched
      ? [
          [
            `baseline ${baseline}, batched, the same steps interleaved with ours`,
            `${f(baselineBatched.extrapolatedEpochWallSeconds)} s/epoch wall, ${f(baselineBatched.extrapolatedEpochCpuSeconds)} s CPU`,
          ],
          [
            'svae batched ours / baseline (wall, CPU)',
            `${f(bb.extrapolatedEpochWallSeconds / baselineBatched.extrapolatedEpochWallSeconds, 3)}x, ${f(bb.extrapolatedEpochCpuSeconds / baselineBatched.extrapolatedEpochCpuSeconds, 3)}x`,
          ],
        ]
      : []),
    ['load average at the start (1, 5, 15 min)', (result.machine as { loadAverage: number[] }).loadAverage.map((v) => v.toFixed(2)).join(', ')],
  ];
  const q = result.quality as { test?: Record<string, number>; best?: { epoch: number } } | undefined;
  if (q?.test) {
    rows.push(['svae quality test NDCG@10 / NDCG@100', `${f(q.test['ndcg@10'], 4)} / ${f(q.test['ndcg@100'], 4)} (best epoch ${q.best?.epoch ?? '-'})`]);
    rows.push([
      'svae quality test Precision@10 / Recall@100 (ours) / Recall@100 (reference)',
      `${f(q.test['precision@10'], 4)} / ${f(q.test['recall@100'], 4)} / ${f(q.test['refRecall@100'], 4)}`,
    ]);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + `\n\nwritten to ${OUT}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-svae: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
