/**
 * Dashboard update lag: from the trainer's write of a step line to metrics.jsonl to the chart that
 * draws it, in a real VS Code (code-server + Chromium, as the e2e suites run it).
 *
 * This process plays the trainer through the trainer's own writer (RunWriter: a running run whose
 * pid and start time are this process's, lines appended one write each). The dashboard is opened on
 * that run, an observer in the page records when the Negative ELBO card's point count grows, and
 * each line's lag is the page's time of the growth minus the time of its write (one machine, one
 * clock). Lines are written --interval-ms apart, so each growth belongs to one line.
 *
 *   npm run build && node --import tsx scripts/bench-live-lag.ts [--lines 40] [--interval-ms 400]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MetricsLine } from '../src/shared/runSchema';
import { makeConfig } from '../src/shared/trainConfig';
import { RunWriter } from '../src/trainer/runStore';
import { chart, points } from '../test/e2e/dashboardChecks';
import { E2eSession } from '../test/e2e/session';
import { median, option } from './benchCommon';

const LINES = Number(option('lines', '40'));
const INTERVAL_MS = Number(option('interval-ms', '400'));

const step = (n: number): MetricsLine => ({ kind: 'step', step: n, epoch: 1, time: n, loss: 500 - n, nll: 490 - n, kl: 10, beta: 0.01, negElbo: 500 - n });

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function main(): Promise<void> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-lag-'));
  const runs = path.join(workspace, '.vaerec', 'runs');
  const run = RunWriter.create(runs, makeConfig('mvae', path.join(workspace, 'data'), { epochs: 1 }), 'lag probe');
  run.update({ split: { trainUsers: 100, validationUsers: 10, testUsers: 10, items: 50, trainInteractions: 1000, droppedUsers: 0, droppedRatings: 0 } });
  for (let n = 1; n <= 5; n++) run.appendMetrics([step(n)]);

  const session = new E2eSession('bench-live-lag');
  try {
    const wb = await session.open(workspace);
    await wb.openRunsView();
    await wb.runFromPalette('Recommender: Open Dashboard');
    const card = chart(wb.dashboard(), 'negElbo');
    await wb.poll(
      () => points(card).catch(() => NaN),
      (n) => n === 5,
      'the first five points',
      60_000,
    );
    // Every change of the card's point count, with the page's clock.
    await card.evaluate((el) => {
      const log: [number, number][] = [];
      (window as unknown as { lagLog: [number, number][] }).lagLog = log;
      new MutationObserver(() => log.push([Date.now(), Number(el.getAttribute('data-points'))])).observe(el, {
        attributes: true,
        attributeFilter: ['data-points'],
      });
    });
    const written: number[] = [];
    for (let k = 1; k <= LINES; k++) {
      written.push(Date.now());
      run.appendMetrics([step(5 + k)]);
      await new Promise((r) => setTimeout(r, INTERVAL_MS));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const log = await card.evaluate(() => (window as unknown as { lagLog: [number, number][] }).lagLog);
    const lags: number[] = [];
    for (let k = 1; k <= LINES; k++) {
      const seen = log.find(([, n]) => n >= 5 + k);
      if (seen) lags.push(seen[0] - written[k - 1]);
    }
    const result = {
      lines: LINES,
      drawn: lags.length,
      intervalMs: INTERVAL_MS,
      medianMs: median(lags),
      p90Ms: quantile(lags, 0.9),
      maxMs: Math.max(...lags),
      load: os.loadavg()[0],
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    run.close();
    await session.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-live-lag: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
