/**
 * Reading a large metrics.jsonl whole, as the dashboard does for a run it opens: writes a file of
 * --mb megabytes of step lines (10 000 per epoch) and reads it with readMetricsFile, reporting the
 * time, the longest stall of the event loop (a 10 ms timer) and the peak resident memory.
 *
 *   node --import tsx scripts/bench-metrics-read.ts --mb 300
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMetricsFile } from '../src/shared/metricsFollower';
import { option } from './benchCommon';

const MB = Number(option('mb', '300'));

function writeFile(file: string): number {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let step = 0;
  while (bytes < MB * 1e6) {
    let chunk = '';
    for (let k = 0; k < 10_000; k++) {
      step++;
      chunk +=
        JSON.stringify({
          kind: 'step',
          step,
          epoch: 1 + Math.floor(step / 10_000),
          time: step / 100,
          loss: 400,
          nll: 390,
          kl: 10.5,
          beta: 0.2,
          negElbo: 400.5,
        }) + '\n';
    }
    chunk +=
      JSON.stringify({
        kind: 'epoch',
        epoch: step / 10_000,
        step,
        time: step / 100,
        seconds: 100,
        loss: 400,
        nll: 390,
        kl: 10,
        beta: 0.2,
        negElbo: 400,
        'val_ndcg@100': 0.4,
      }) + '\n';
    fs.writeSync(fd, chunk);
    bytes += chunk.length;
  }
  fs.closeSync(fd);
  return bytes;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-bench-metrics-'));
  const file = path.join(dir, 'metrics.jsonl');
  try {
    const bytes = writeFile(file);
    let last = Date.now();
    let longestStallMs = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      longestStallMs = Math.max(longestStallMs, now - last);
      last = now;
    }, 10);
    const start = Date.now();
    const series = await readMetricsFile(file);
    clearInterval(timer);
    const result = {
      bytes,
      seconds: (Date.now() - start) / 1000,
      longestStallMs,
      stepLines: series.stepLines,
      keptLines: series.lines.length,
      stride: series.stride,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      load: os.loadavg()[0],
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
