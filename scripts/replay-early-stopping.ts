/**
 * What early stopping would have done with a sweep already run in full (no early stopping): every
 * trial's recorded validation curve and epoch durations replayed through the coordinator's own
 * ASHA and median rules (src/trainer/sweep/replay.ts), for each rule asked or for a scan of them.
 * Prints, per rule, the epochs it consumes (and their share of the full sweep's), the configuration
 * it picks, and that pick's metric against the full sweep's best.
 *
 *   node --import tsx scripts/replay-early-stopping.ts SWEEP_DIR [--asha GRACE,ETA]... [--median AFTER[,MIN]]...
 *       [--scan] [--concurrency N] [--orders N] [--within 0.005] [--share 0.35]
 *
 * --scan tries ASHA with grace 1..50 and eta 2..5 and the median rule after 1..50 epochs.
 * --orders N replays each rule with the trials also started in N seeded random orders (the
 * arrival order is the one thing a replay cannot know), and reports how many meet the goal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { METRICS_FILE } from '../src/shared/runLayout';
import { parseMetricsLines } from '../src/shared/runSchema';
import { readSweep } from '../src/shared/sweepReader';
import type { EarlyStoppingSpec } from '../src/shared/sweepSchema';
import { better } from '../src/shared/sweepSchema';
import { replayEarlyStopping, type RecordedTrial } from '../src/trainer/sweep/replay';

const argv = process.argv.slice(2);
const dir = argv.find((a, i) => !a.startsWith('--') && (i === 0 || !argv[i - 1].startsWith('--') || argv[i - 1] === '--scan'));
const all = (name: string) => argv.flatMap((a, i) => (a === `--${name}` && i + 1 < argv.length ? [argv[i + 1]] : []));
const one = (name: string, fallback: string) => all(name)[0] ?? fallback;
if (!dir) {
  console.error('usage: replay-early-stopping.ts SWEEP_DIR [--asha GRACE,ETA]... [--median AFTER[,MIN]]... [--scan] [--concurrency N] [--orders N]');
  process.exit(2);
}

const read = readSweep(path.resolve(dir));
if ('reason' in read) {
  console.error(`${dir}: ${read.reason}`);
  process.exit(2);
}
const { record } = read;
if (record.spec.earlyStopping.type !== 'none') console.warn(`${record.id} ran with early stopping: only its trials' recorded epochs can be replayed`);
const metric = record.spec.metric;
if (metric.name !== 'val_ndcg@100') {
  console.error(`replay reads val_ndcg@100 curves; this sweep's metric is ${metric.name}`);
  process.exit(2);
}

const recorded: RecordedTrial[] = [];
for (const t of record.trials) {
  if (!t.runId || t.state !== 'completed') {
    console.error(`trial ${t.index} is ${t.state}${t.runId ? '' : ' without a run'}: a replay needs every trial completed`);
    process.exit(2);
  }
  const { lines } = parseMetricsLines(fs.readFileSync(path.join(record.runsDir, t.runId, METRICS_FILE), 'utf8'));
  const epochs = lines.flatMap((l) => (l.kind === 'epoch' ? [l] : []));
  recorded.push({
    index: t.index,
    points: epochs.flatMap((l) => (l['val_ndcg@100'] === undefined ? [] : [{ epoch: l.epoch, value: l['val_ndcg@100'] }])),
    epochSeconds: epochs.map((l) => l.seconds + (l.evalSeconds ?? 0)),
  });
}
const fullEpochs = recorded.reduce((s, t) => s + t.epochSeconds.length, 0);
const finalBest = (t: RecordedTrial) =>
  t.points.reduce((b, p) => (better(metric.goal, p.value, b) ? p.value : b), metric.goal === 'max' ? -Infinity : Infinity);
const gridBest = recorded.reduce(
  (b, t) => (!b || better(metric.goal, finalBest(t), finalBest(b)) ? t : b),
  undefined as RecordedTrial | undefined,
) as RecordedTrial;
const within = Number(one('within', '0.005'));
const share = Number(one('share', '0.35'));
const concurrency = Number(one('concurrency', String(record.executor.concurrency)));
const orders = Number(one('orders', '0'));
const maxEpochs = Math.max(...recorded.map((t) => t.epochSeconds.length));
const params = (i: number) =>
  Object.entries(record.trials[i].params)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

const rules: { label: string; spec: EarlyStoppingSpec }[] = [];
for (const a of all('asha')) {
  const [grace, eta] = a.split(',').map(Number);
  rules.push({ label: `ASHA grace ${grace}, eta ${eta}`, spec: { type: 'asha', graceEpochs: grace, reductionFactor: eta, maxEpochs } });
}
for (const m of all('median')) {
  const [after, min] = m.split(',').map(Number);
  rules.push({ label: `median after ${after}${min ? `, min ${min}` : ''}`, spec: { type: 'median', afterEpochs: after, minTrials: min || 1 } });
}
if (argv.includes('--scan')) {
  for (let eta = 2; eta <= 5; eta++)
    for (let grace = 1; grace <= 50; grace++)
      rules.push({ label: `ASHA grace ${grace}, eta ${eta}`, spec: { type: 'asha', graceEpochs: grace, reductionFactor: eta, maxEpochs } });
  for (let after = 1; after <= 50; after++) rules.push({ label: `median after ${after}`, spec: { type: 'median', afterEpochs: after, minTrials: 1 } });
}

// Seeded permutations (mulberry32), so that a rerun prints the same figures.
function permutation(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p.map((k) => recorded[k].index);
}

console.log(
  `${record.id}: ${recorded.length} trials, ${fullEpochs} epochs in full, best trial ${gridBest.index} (${params(gridBest.index)}) ${finalBest(gridBest).toFixed(4)}; ` +
    `goal: within ${within} of it with at most ${(share * 100).toFixed(0)}% of the epochs; ${concurrency} trials at a time`,
);
let met = 0;
for (const rule of rules) {
  const r = replayEarlyStopping(recorded, rule.spec, metric, concurrency);
  const gap = r.best ? Math.abs(finalBest(gridBest) - r.best.metric) : NaN;
  const ok = r.best !== undefined && gap <= within && r.epochs <= share * fullEpochs;
  if (ok) met++;
  let orderNote = '';
  if (orders > 0) {
    let good = 0;
    for (let k = 0; k < orders; k++) {
      const o = replayEarlyStopping(recorded, rule.spec, metric, concurrency, permutation(recorded.length, k + 1));
      if (o.best && Math.abs(finalBest(gridBest) - o.best.metric) <= within && o.epochs <= share * fullEpochs) good++;
    }
    orderNote = `; goal met in ${good}/${orders} random orders`;
  }
  if (argv.includes('--scan') && !ok && orders === 0 && !all('asha').length && !all('median').length) continue;
  console.log(
    `${rule.label}: ${r.epochs} epochs (${((100 * r.epochs) / fullEpochs).toFixed(1)}%), picks trial ${r.best?.index ?? '-'} ` +
      `(${r.best ? params(r.best.index) : 'none completed'}) ${r.best?.metric.toFixed(4) ?? '-'}, ${gap.toFixed(4)} below; goal ${ok ? 'met' : 'not met'}${orderNote}`,
  );
}
if (argv.includes('--scan')) console.log(`${met} of ${rules.length} rules meet the goal in the recorded order`);
