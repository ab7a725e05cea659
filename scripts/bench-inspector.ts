/**
 * Per-user latency of the inspector after the model is loaded, measured the way the panel sees it:
 * the inference process (dist/inference.js) opens the run once, then each user's view (top N with
 * titles, history, per-user NDCG@100 / Recall@20) is one IPC round trip. Also times the in-process
 * recommend() alone, and checks that `vaerec recommend --json` prints exactly the inspector's result for
 * a few test users. Prints medians and the 90th percentile; no timing assertion (the machine is shared).
 *
 *   npm run build && node --import tsx scripts/bench-inspector.ts --run RUN_DIR [--users 200] [--k 20] [--cache-dir DIR]
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { RunInspector } from '../src/trainer/inspect/runInspector';
import { InferenceClient } from '../src/trainer/process/inferenceClient';
import { option } from './benchCommon';

const runDir = path.resolve(option('run'));
const count = Number(option('users', '200'));
const k = Number(option('k', '20'));
const cacheDir = path.resolve(option('cache-dir', path.join(process.env.HOME ?? '.', '.cache', 'vaerec')));

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms (${s.length} users)`;
}

/** Every n-th user of each role, so test, validation and training users are all measured. */
function sample(all: string[], n: number): string[] {
  const step = Math.max(1, Math.floor(all.length / n));
  return all.filter((_, i) => i % step === 0).slice(0, n);
}

async function main(): Promise<void> {
  const client = new InferenceClient({ script: path.resolve(__dirname, '..', 'dist', 'inference.js') });
  try {
    let t = performance.now();
    const info = await client.request({ type: 'open', runDir, cacheDir });
    console.log(`inference process: open (load data, split, load weights) ${(performance.now() - t).toFixed(0)} ms; ${info.model}, ${info.items} items`);
    t = performance.now();
    const users = await client.request({ type: 'users', runDir });
    console.log(
      `inference process: user lists with per-user NDCG of ${info.users.validation + info.users.test} held-out users ${(performance.now() - t).toFixed(0)} ms`,
    );
    const picked = sample(
      users.map((u) => u.user),
      count,
    );
    await client.request({ type: 'user', runDir, user: picked[0], k }); // warm-up (first kernels)
    const ipc: number[] = [];
    for (const user of picked) {
      const s = performance.now();
      await client.request({ type: 'user', runDir, user, k });
      ipc.push(performance.now() - s);
    }
    console.log(`inference process, one user's view (top ${k}, history, metrics) over IPC: ${stats(ipc)}`);
    // The inspector and `vaerec recommend` must show the same list: compare a few test users.
    const cli = path.resolve(__dirname, '..', 'dist', 'cli.js');
    for (const user of users
      .filter((u) => u.role === 'test')
      .slice(0, 3)
      .map((u) => u.user)) {
      const shown = await client.request({ type: 'user', runDir, user, k });
      const printed = spawnSync(
        process.execPath,
        [cli, 'recommend', '--run', runDir, '--user', user, '--k', String(k), '--explain', '--json', '--cache-dir', cacheDir],
        {
          encoding: 'utf8',
        },
      );
      const same = printed.status === 0 && JSON.stringify(JSON.parse(printed.stdout)) === JSON.stringify(shown.result);
      console.log(`test user ${user}: vaerec recommend --json ${same ? 'is identical to' : 'DIFFERS from'} the inspector's result`);
      if (!same) process.exitCode = 1;
    }
    if (info.hasLatent) {
      t = performance.now();
      const l = await client.request({ type: 'latent', runDir });
      console.log(`inference process: latent space (${l.users.length} users, ${l.latentDims}-d means, PCA) ${(performance.now() - t).toFixed(0)} ms`);
    }
  } finally {
    client.dispose();
  }

  const inspector = await RunInspector.open(runDir, { cacheDir });
  try {
    const all = inspector.usersOf('all');
    const picked = sample(all, count);
    inspector.recommend(picked[0], k);
    const direct: number[] = [];
    for (const user of picked) {
      const s = performance.now();
      inspector.recommend(user, k);
      direct.push(performance.now() - s);
    }
    console.log(`in process, recommend() alone: ${stats(direct)}`);
  } finally {
    inspector.dispose();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
