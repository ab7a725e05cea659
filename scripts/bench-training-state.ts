/**
 * The cost of one training-state save (what the trainer writes at every epoch's end for --resume) at
 * Mult-VAE's size (hidden 600, latent 200) for NUM_ITEMS items: the median of 7 saves through
 * RunWriter.saveCheckpoint into a temporary runs directory.
 *   node --import tsx scripts/bench-training-state.ts [NUM_ITEMS]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { paramCount } from '../src/trainer/model/params';
import { Rng } from '../src/shared/rng';
import { writeTrainingCheckpoint } from '../src/trainer/trainingCheckpoint';
import { RunWriter } from '../src/trainer/runStore';
import { makeConfig } from '../src/shared/trainConfig';

async function main() {
  const numItems = Number(process.argv[2] ?? 3497);
  const n = paramCount({ numItems, hidden: 600, latent: 200, variational: true });
  const arrays = ['params', 'm', 'v'].map((name) => ({ name, data: new Float32Array(n).fill(0.5) }));
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'state-bench-'));
  const run = RunWriter.create(runs, makeConfig('mvae', '/x', {}));
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = process.hrtime.bigint();
    await run.saveCheckpoint('training-state', (d) =>
      writeTrainingCheckpoint(d, {
        loop: {
          epoch: i,
          step: i,
          metricsBytes: 0,
          epochLine: '{}\n',
          shuffle: { words: new Array(624).fill(1), index: 0 },
          elapsedSeconds: 0,
          epochSeconds: [],
          backend: 'wasm',
          threads: 2,
        },
        model: { format: 'vaerec-multvae', counters: { step: i }, rng: new Rng(1).state(), arrays },
      }),
    );
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  run.close();
  times.sort((a, b) => a - b);
  console.log(
    `numItems ${numItems}: ${n} parameters, state ${((3 * n * 4) / 1e6).toFixed(1)} MB; save ms: ${times.map((x) => x.toFixed(0)).join(' ')}; median ${times[3].toFixed(0)} ms; load avg ${os.loadavg()[0].toFixed(1)}`,
  );
  fs.rmSync(runs, { recursive: true, force: true });
}
void main();
