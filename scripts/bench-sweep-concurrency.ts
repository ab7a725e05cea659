/**
 * The local sweep executor's choice on this machine: epochs per hour of two trials at once on one
 * thread each (VAEREC_THREADS=1) against one trial on two threads, each measured as whole
 * `vaerec train` processes (load, split, epochs with validation, test), rounds alternating.
 *
 *   npm run build && node --import tsx scripts/bench-sweep-concurrency.ts [--data DIR] [--epochs 5] [--rounds 3] [--heldout N]
 *
 * Prints every round, the medians, their ratio, and the load average around each measurement
 * (the machine is shared: compare figures of one invocation).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, ML1M, median, option } from './benchCommon';

const data = path.resolve(option('data', ML1M));
const epochs = Number(option('epochs', '5'));
const rounds = Number(option('rounds', '3'));
const heldout = option('heldout', '0');

interface Trial {
  seconds: number;
  epochSeconds: number[];
}

function train(threads: 1 | 2, runsDir: string, seed: number): Promise<Trial> {
  const args = [
    CLI,
    'train',
    '--data',
    data,
    '--epochs',
    String(epochs),
    '--heldout',
    heldout,
    '--seed',
    String(seed),
    '--runs-dir',
    runsDir,
    '--json',
    '--quiet',
  ];
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, VAEREC_THREADS: String(threads) } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) return reject(new Error(`vaerec train exited with ${code}`));
      const summary = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { runDir: string };
      const record = JSON.parse(fs.readFileSync(path.join(summary.runDir, 'run.json'), 'utf8')) as { epochSeconds: number[]; threads: number };
      if (record.threads !== threads) return reject(new Error(`asked for ${threads} threads, the run used ${record.threads}`));
      resolve({ seconds, epochSeconds: record.epochSeconds });
    }),
  );
}

const load = () => os.loadavg()[0].toFixed(1);

async function main(): Promise<void> {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-bench-concurrency-'));
  const oneByTwo: number[] = [];
  const twoByOne: number[] = [];
  const epochOne: number[] = [];
  const epochTwo: number[] = [];
  console.log(`data ${data}, ${epochs} epochs per trial, ${rounds} rounds, ${os.availableParallelism()} cores`);
  try {
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so a change of load during a round is shared.
      const order = r % 2 === 0 ? ['1x2', '2x1'] : ['2x1', '1x2'];
      for (const which of order) {
        const before = load();
        if (which === '1x2') {
          const t = await train(2, runsDir, 98765);
          const rate = (epochs / t.seconds) * 3600;
          oneByTwo.push(rate);
          epochTwo.push(median(t.epochSeconds.slice(1)));
          console.log(
            `round ${r + 1}  1 trial x 2 threads: ${t.seconds.toFixed(1)} s wall, ${rate.toFixed(0)} epochs/h, median epoch ${median(t.epochSeconds.slice(1)).toFixed(2)} s (load ${before} -> ${load()})`,
          );
        } else {
          const start = process.hrtime.bigint();
          const both = await Promise.all([train(1, runsDir, 98765), train(1, runsDir, 98766)]);
          const seconds = Number(process.hrtime.bigint() - start) / 1e9;
          const rate = ((2 * epochs) / seconds) * 3600;
          twoByOne.push(rate);
          const ep = median(both.flatMap((b) => b.epochSeconds.slice(1)));
          epochOne.push(ep);
          console.log(
            `round ${r + 1}  2 trials x 1 thread: ${seconds.toFixed(1)} s wall, ${rate.toFixed(0)} epochs/h, median epoch ${ep.toFixed(2)} s each (load ${before} -> ${load()})`,
          );
        }
      }
    }
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
  const a = median(oneByTwo);
  const b = median(twoByOne);
  console.log(
    `median: 1 trial x 2 threads ${a.toFixed(0)} epochs/h (epoch ${median(epochTwo).toFixed(2)} s); 2 trials x 1 thread ${b.toFixed(0)} epochs/h (epoch ${median(epochOne).toFixed(2)} s each)`,
  );
  console.log(`2 x 1 / 1 x 2 = ${(b / a).toFixed(2)}`);
}

void main();
