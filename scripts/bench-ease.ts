/**
 * Times EASE's float64 inverse (src/trainer/linalg) on a generated SPD matrix of ML-1M's width or
 * any other, and its memory.
 *
 *   node --import tsx scripts/bench-ease.ts [--n 3497] [--threads 1,2] [--kernels wasm,js] [--rounds 3]
 *   node --import tsx scripts/bench-ease.ts --n 20108 --steps 3        # ML-20M's width: the first steps only
 *
 * The matrix is G + 500 I for G = X^T X of random users (skewed item popularity), as EASE inverts.
 * Every block step of the sweep updates the whole lower triangle outside its block, so all steps cost
 * the same: with --steps S it times S of them and extrapolates to the whole inversion (steps x median
 * step); its memory is measured, not extrapolated. Prints one JSON line per configuration.
 */
import { SpdInverter, type KernelChoice } from '../src/trainer/linalg/spdInverse';
import { Rng } from '../src/shared/rng';
import { median, option } from './benchCommon';

const n = Number(option('n', '3497'));
const threadsList = option('threads', '1,2').split(',').map(Number) as (1 | 2)[];
const kernels = option('kernels', 'wasm').split(',') as KernelChoice[];
const rounds = Number(option('rounds', '1'));
const steps = Number(option('steps', '0'));
const USERS_PER_ITEM = 1.4;
const ITEMS_PER_USER = 60;

/** The lower triangle of X^T X + 500 I for random users, written straight into the inverter's matrix. */
function fill(inv: SpdInverter, rng: Rng): void {
  const a = inv.matrix;
  const s = inv.stride;
  for (let i = 0; i < n; i++) a.fill(0, i * s, i * s + i + 1);
  const users = Math.round(n * USERS_PER_ITEM);
  const items = new Int32Array(ITEMS_PER_USER);
  for (let u = 0; u < users; u++) {
    for (let k = 0; k < ITEMS_PER_USER; k++) items[k] = Math.floor(n * rng.uniform() ** 2);
    for (const i of items) for (const j of items) if (j <= i) a[i * s + j]++;
  }
  for (let i = 0; i < n; i++) a[i * s + i] += 500;
}

const rssGiB = () => process.memoryUsage().rss / 2 ** 30;

async function main(): Promise<void> {
  for (const kernel of kernels) {
    for (const threads of threadsList) {
      const inv = await SpdInverter.create(n, { threads, kernel });
      try {
        const times: number[] = [];
        const stepMs: number[] = [];
        let total = 0;
        for (let r = 0; r < rounds; r++) {
          fill(inv, new Rng(r + 1));
          const controller = new AbortController();
          let last = performance.now();
          const start = last;
          await inv
            .invert({
              signal: controller.signal,
              onStep: (done, all) => {
                const now = performance.now();
                stepMs.push(now - last);
                last = now;
                total = all;
                if (steps > 0 && done >= steps) controller.abort(new Error('enough steps'));
              },
            })
            .catch((err: Error) => {
              if (err.message !== 'enough steps') throw err;
            });
          times.push((performance.now() - start) / 1000);
        }
        const perStep = median(stepMs);
        const line = {
          n,
          kernel: inv.kernelName,
          threads: inv.threads,
          ...(steps > 0
            ? { stepsTimed: stepMs.length, medianStepSeconds: perStep / 1000, extrapolatedSeconds: (perStep * total) / 1000, blockSteps: total }
            : { medianSeconds: median(times), gflops: n ** 3 / median(times) / 1e9 }),
          rssGiB: Number(rssGiB().toFixed(2)),
        };
        process.stdout.write(JSON.stringify(line) + '\n');
      } finally {
        inv.dispose();
      }
    }
  }
}

void main();
