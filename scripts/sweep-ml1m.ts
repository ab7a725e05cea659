/**
 * Issue 15's measurement: the 16-configuration Mult-VAE grid on ML-1M (annealCap x dropout x
 * hidden, 100 epochs) run once without early stopping and once with ASHA (grace 10, eta 3), from
 * docs/sweeps/. Prints, for each, wall time, epochs consumed, the best configuration, its
 * validation and test NDCG@100; then ASHA against the goal (within 0.005 validation NDCG@100 of the
 * grid's best with at most 35% of its epochs).
 *
 *   npm run build && node --import tsx scripts/sweep-ml1m.ts [--runs-dir DIR] [--only grid|asha] [--epochs 10]
 *       [--asha-file mvae-ml1m-grid-asha-ray.sweep.json] [--grid SWEEP_ID]
 *
 * --asha-file runs another ASHA twin from docs/sweeps/; --grid compares ASHA with a grid sweep
 * already run into the same runs directory (read with `vaerec sweep status`) instead of running it.
 *
 * Hours of training on two cores: run it on a quiet machine. An interrupted run goes on with
 * `vaerec sweep resume ID --runs-dir DIR` (the sweep record says how far each sweep got).
 */
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSweep } from '../src/shared/sweepReader';
import type { SweepStatusJson } from '../src/shared/sweepSchema';
import { CLI, ROOT, option } from './benchCommon';

const runsDir = path.resolve(option('runs-dir', path.join(ROOT, '.vaerec', 'sweep-ml1m', 'runs')));
const only = option('only', 'both');
/** --epochs 10: the reduced twins (ASHA grace 1, eta 3) that fit an hour or so on a loaded machine. */
const suffix = option('epochs', '100') === '100' ? '' : `-${option('epochs')}`;
const SWEEPS = { grid: `mvae-ml1m-grid${suffix}.sweep.json`, asha: option('asha-file', `mvae-ml1m-grid-asha${suffix}.sweep.json`) };
const finishedGrid = option('grid', '');

function runSweep(file: string): Promise<{ status: SweepStatusJson; seconds: number }> {
  return cli(['sweep', 'run', file, '--runs-dir', runsDir, '--json']);
}

/** A finished sweep's status; its wall time is the coordinator's own clock. */
async function finishedSweep(id: string): Promise<{ status: SweepStatusJson; seconds: number }> {
  const { status } = await cli(['sweep', 'status', id, '--runs-dir', runsDir, '--json']);
  const read = readSweep(status.sweepDir);
  if ('reason' in read) throw new Error(`${status.sweepDir}: ${read.reason}`);
  return { status, seconds: read.record.elapsedSeconds };
}

function cli(args: string[]): Promise<{ status: SweepStatusJson; seconds: number }> {
  const start = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`vaerec ${args.join(' ')} exited with ${code}`));
      resolve({ status: JSON.parse(out.trim().split('\n').pop() ?? '{}') as SweepStatusJson, seconds: (Date.now() - start) / 1000 });
    }),
  );
}

const f4 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4));

function report(name: string, r: { status: SweepStatusJson; seconds: number }): void {
  const s = r.status;
  const b = s.best;
  const params = b
    ? Object.entries(b.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')
    : '-';
  const stopped = s.trials.filter((t) => t.status === 'stopped').length;
  console.log(
    `${name}: ${s.sweepId}  wall ${(r.seconds / 3600).toFixed(2)} h  epochs ${s.progress.epochsDone}  trials ${s.trials.length} (${stopped} stopped)  ` +
      `best ${params}  val NDCG@100 ${f4(b?.metric)}  test NDCG@100 ${f4(b?.test?.mean['ndcg@100'])}`,
  );
}

async function main(): Promise<void> {
  console.log(
    `runs in ${runsDir}; ${os.availableParallelism()} cores; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const results: Partial<Record<keyof typeof SWEEPS, { status: SweepStatusJson; seconds: number }>> = {};
  // ASHA first: if the budget runs out, what is missing is the longer grid, whose sweep record
  // `vaerec sweep status` still reads.
  for (const name of ['asha', 'grid'] as const) {
    if (only !== 'both' && only !== name) continue;
    results[name] = name === 'grid' && finishedGrid ? await finishedSweep(finishedGrid) : await runSweep(path.join(ROOT, 'docs', 'sweeps', SWEEPS[name]));
    report(name, results[name]);
  }
  const { grid, asha } = results;
  if (grid?.status.best && asha?.status.best) {
    const gap = grid.status.best.metric - asha.status.best.metric;
    const share = asha.status.progress.epochsDone / grid.status.progress.epochsDone;
    console.log(
      `ASHA vs grid: validation NDCG@100 ${gap >= 0 ? 'below' : 'above'} the grid's best by ${Math.abs(gap).toFixed(4)} (goal: within 0.005), ` +
        `${(share * 100).toFixed(1)}% of its epochs (goal: at most 35%), ${(asha.seconds / grid.seconds).toFixed(2)} of its wall time`,
    );
  }
  console.log(
    `load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

void main();
