/**
 * `npm run bench`: speed and quality of the trainer on MovieLens-1M, measured through the real CLI
 * (so what is timed is what users run), with the PyTorch reference timed in the same invocation
 * when its Python and PyTorch are installed. A benchmark, not a test: machines here are shared and
 * noisy, so it reports medians and ratios and asserts nothing.
 *
 *   npm run bench -- [--data DIR] [--timing-epochs N] [--rounds N] [--baseline DIR] [--no-quality] [--no-reference] [--no-scaling] [--no-svae] [--out FILE]
 *
 * --rounds N repeats the timing run and the reference N times, alternating, and reports the median
 * of each and of their ratios: the machine is shared, so one pair can land on a busy moment.
 * --baseline DIR also times another build's CLI in each round (DIR/dist/cli.js, e.g. a checkout of
 * an earlier commit built with npm run build), for before/after figures measured alike.
 *
 * The SVAE section is scripts/bench-svae.ts, run as a child (its own options: see there).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { METRICS_FILE } from '../src/shared/runLayout';
import { readRun } from '../src/shared/runReader';
import { parseMetricsLines } from '../src/shared/runSchema';
import type { RunRecord } from '../src/shared/runSchema';
import { CLI, ML1M, ROOT, flag, median, option } from './benchCommon';

const DATA = path.resolve(option('data', ML1M));
const TIMING_EPOCHS = Number(option('timing-epochs', '7'));
const ROUNDS = Number(option('rounds', '1'));
const BASELINE = option('baseline', '');
const OUT = path.resolve(option('out', path.join(ROOT, 'bench-results', 'bench.json')));
const REFERENCE = path.join(ROOT, '..', 'shared', 'bench', 'ref_multvae.py');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-bench-'));

function log(line: string): void {
  process.stderr.write(line + '\n');
}

/** Trains through the CLI and returns the run record plus per-step durations from metrics.jsonl. */
function train(data: string, args: string[], cli = CLI): { record: RunRecord; stepSeconds: number[]; evalSeconds: number[] } {
  const runs = fs.mkdtempSync(path.join(work, 'runs-'));
  const r = spawnSync(process.execPath, [cli, 'train', '--data', data, '--runs-dir', runs, '--json', '--backend', 'wasm', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vaerec train ${args.join(' ')} failed: ${r.stderr.trim()}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { runDir: string };
  const entry = readRun(out.runDir);
  if (!entry.ok) throw new Error(entry.reason);
  const lines = parseMetricsLines(fs.readFileSync(path.join(out.runDir, METRICS_FILE), 'utf8')).lines;
  const stepSeconds: number[] = [];
  const evalSeconds: number[] = [];
  for (let k = 1; k < lines.length; k++) {
    const a = lines[k - 1];
    const b = lines[k];
    // consecutive steps of one epoch: the difference is one step (the first step of an epoch follows validation)
    if (a.kind === 'step' && b.kind === 'step' && a.epoch === b.epoch) stepSeconds.push(b.time - a.time);
    if (b.kind === 'epoch' && b.evalSeconds !== undefined) evalSeconds.push(b.evalSeconds);
  }
  return { record: entry.record, stepSeconds, evalSeconds };
}

/** Median epoch seconds of the PyTorch reference, measured now on this machine; undefined if it cannot run. */
function referenceEpochSeconds(ratings: string, epochs: number): { median: number; raw: string } | undefined {
  const python = '/usr/bin/python3';
  if (!fs.existsSync(REFERENCE) || !fs.existsSync(python)) return undefined;
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    log('reference: PyTorch is not installed (apt-get install -y python3-torch libopenblas0-pthread); skipping the side-by-side timing');
    return undefined;
  }
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE; // as the reference's README says: let OpenBLAS pick its fast kernels
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(python, [REFERENCE, ratings, '--epochs', String(epochs)], { encoding: 'utf8', env });
  const m = /median epoch s ([\d.]+)/.exec(r.stdout);
  if (r.status !== 0 || !m) {
    log(`reference failed: ${r.stderr.trim().split('\n').pop()}`);
    return undefined;
  }
  return { median: Number(m[1]), raw: r.stdout.trim() };
}

/** A copy of ratings.dat restricted to a fraction of users, or with each item split into `itemFactor` items. */
function derivedDataset(name: string, transform: (user: number, item: number) => string | null): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const out: string[] = [];
  for (const line of fs.readFileSync(path.join(DATA, 'ratings.dat'), 'latin1').split('\n')) {
    if (!line) continue;
    const f = line.split('::');
    const item = transform(Number(f[0]), Number(f[1]));
    if (item !== null) out.push(`${f[0]}::${item}::${f[2]}::${f[3]}`);
  }
  fs.writeFileSync(path.join(dir, 'ratings.dat'), out.join('\n') + '\n');
  return dir;
}

function main(): void {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build`);
  if (!fs.existsSync(path.join(DATA, 'ratings.dat'))) throw new Error(`no ratings.dat in ${DATA} (pass --data DIR)`);
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30) },
    data: DATA,
  };

  // Epoch times leave out the first epoch, which includes warm-up (wasm compilation, buffers).
  const epochMedian = (r: { record: RunRecord }) => median(r.record.epochSeconds.slice(1));
  const baselineCli = BASELINE && path.join(path.resolve(BASELINE), 'dist', 'cli.js');
  if (baselineCli && !fs.existsSync(baselineCli)) throw new Error(`${baselineCli} missing: build the baseline checkout first`);
  const rounds: { loadAverage: number; ours: number; baseline?: number; reference?: number }[] = [];
  let timing: ReturnType<typeof train> | undefined;
  for (let round = 1; round <= ROUNDS; round++) {
    const loadAverage = os.loadavg()[0];
    log(`timing${ROUNDS > 1 ? ` (round ${round} of ${ROUNDS})` : ''}: Mult-VAE, ${TIMING_EPOCHS} epochs on wasm; load average ${loadAverage.toFixed(2)}`);
    timing = train(DATA, ['--model', 'mvae', '--epochs', String(TIMING_EPOCHS)]);
    const entry: (typeof rounds)[number] = { loadAverage, ours: epochMedian(timing) };
    if (baselineCli) {
      log(`baseline: ${baselineCli}`);
      entry.baseline = epochMedian(train(DATA, ['--model', 'mvae', '--epochs', String(TIMING_EPOCHS)], baselineCli));
    }
    if (!flag('no-reference')) {
      log('reference: PyTorch Mult-VAE, same data and protocol, same machine, now');
      entry.reference = referenceEpochSeconds(path.join(DATA, 'ratings.dat'), TIMING_EPOCHS + 1)?.median;
    }
    rounds.push(entry);
    // each round's figures as it ends, so a run cut short on a busy machine still leaves them
    const s = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(2)} s`);
    log(`round ${round}: ours ${s(entry.ours)}, baseline ${s(entry.baseline)}, reference ${s(entry.reference)} median epoch`);
  }
  if (!timing) throw new Error('--rounds must be at least 1');
  const t = timing.record;
  const ours = {
    medianStepSeconds: median(timing.stepSeconds),
    medianEpochSeconds: median(rounds.map((r) => r.ours)),
    firstEpochSeconds: t.epochSeconds[0],
    loadSeconds: t.timings?.loadSeconds,
    splitSeconds: t.timings?.splitSeconds,
    evalSecondsValidation600: median(timing.evalSeconds),
    peakRssMiB: (t.timings?.peakRssBytes ?? NaN) / 2 ** 20,
    backend: t.backend,
    trainUsers: t.split?.trainUsers,
    items: t.split?.items,
  };
  result.ours = ours;
  result.rounds = rounds;
  const ratios = (of: (r: (typeof rounds)[number]) => number | undefined, to: (r: (typeof rounds)[number]) => number | undefined) =>
    rounds.flatMap((r) => (of(r) !== undefined && to(r) !== undefined ? [of(r)! / to(r)!] : []));
  const refRatios = ratios(
    (r) => r.ours,
    (r) => r.reference,
  );
  if (refRatios.length > 0) {
    result.reference = {
      medianEpochSeconds: median(rounds.flatMap((r) => (r.reference === undefined ? [] : [r.reference]))),
      ratioOursToReference: median(refRatios),
    };
  }
  if (baselineCli) {
    const baseRatios = ratios(
      (r) => r.baseline,
      (r) => r.reference,
    );
    result.baseline = {
      dir: BASELINE,
      medianEpochSeconds: median(rounds.map((r) => r.baseline!)),
      ratioOursToBaseline: median(
        ratios(
          (r) => r.ours,
          (r) => r.baseline,
        ),
      ),
      ...(baseRatios.length > 0 ? { ratioBaselineToReference: median(baseRatios) } : {}),
    };
  }

  if (!flag('no-scaling')) {
    const scaling: Record<string, unknown>[] = [];
    for (const fraction of [0.25, 0.5]) {
      log(`scaling: ${fraction * 100}% of users`);
      const dir = derivedDataset(`users-${fraction}`, (user, item) => (((user * 2654435761) % 2 ** 32) / 2 ** 32 < fraction ? String(item) : null));
      const r = train(dir, ['--epochs', '4', '--heldout', String(Math.round(600 * fraction))]);
      scaling.push({
        case: `${fraction * 100}% users`,
        trainUsers: r.record.split?.trainUsers,
        items: r.record.split?.items,
        medianEpochSeconds: median(r.record.epochSeconds.slice(1)),
        peakRssMiB: (r.record.timings?.peakRssBytes ?? NaN) / 2 ** 20,
      });
    }
    scaling.push({
      case: '100% users',
      trainUsers: ours.trainUsers,
      items: ours.items,
      medianEpochSeconds: ours.medianEpochSeconds,
      peakRssMiB: ours.peakRssMiB,
    });
    log('scaling: 4x the items (each item split into 4, interactions unchanged)');
    const dir4 = derivedDataset('items-x4', (user, item) => String(item * 4 + ((user * 31 + item * 17) % 4)));
    const r4 = train(dir4, ['--epochs', '4']);
    scaling.push({
      case: '4x items',
      trainUsers: r4.record.split?.trainUsers,
      items: r4.record.split?.items,
      medianEpochSeconds: median(r4.record.epochSeconds.slice(1)),
      peakRssMiB: (r4.record.timings?.peakRssBytes ?? NaN) / 2 ** 20,
    });
    result.scaling = scaling;
  }

  if (!flag('no-quality')) {
    const quality: Record<string, unknown> = {};
    for (const model of ['mvae', 'pop']) {
      log(`quality: ${model} with default settings`);
      const r = train(DATA, ['--model', model]).record;
      quality[model] = { test: r.test, best: r.best, epochs: r.epochsCompleted, medianEpochSeconds: median(r.epochSeconds) };
    }
    result.quality = quality;
  }

  let svaeSummary = '';
  if (!flag('no-svae')) {
    log('svae: scripts/bench-svae.ts');
    const svaeOut = path.join(work, 'svae.json');
    const args = [
      '--import',
      'tsx',
      path.join(ROOT, 'scripts', 'bench-svae.ts'),
      '--data',
      DATA,
      '--out',
      svaeOut,
      ...(flag('no-quality') ? [] : ['--quality']),
    ];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status === 0) {
      result.svae = JSON.parse(fs.readFileSync(svaeOut, 'utf8'));
      svaeSummary = r.stdout.split('\n\nwritten to')[0] + '\n';
    } else log('svae: the SVAE bench failed (see above)');
  }

  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
  fs.rmSync(work, { recursive: true, force: true });

  const f = (v: unknown, d = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '-');
  const ref = result.reference as { medianEpochSeconds: number; ratioOursToReference: number } | undefined;
  const base = result.baseline as { medianEpochSeconds: number; ratioOursToBaseline: number; ratioBaselineToReference?: number } | undefined;
  const perRound = ROUNDS > 1 ? `, median of ${ROUNDS} rounds` : '';
  const rows = [
    ['median step (batch 500)', `${f(ours.medianStepSeconds)} s`],
    [`median epoch${perRound}`, `${f(ours.medianEpochSeconds, 2)} s`],
    ['reference (PyTorch) median epoch, same run', ref ? `${f(ref.medianEpochSeconds, 2)} s` : 'not measured'],
    ['ours / reference', ref ? `${f(ref.ratioOursToReference, 2)}x` : '-'],
    ...(base
      ? [
          [`baseline ${BASELINE} median epoch`, `${f(base.medianEpochSeconds, 2)} s`],
          ['ours / baseline', `${f(base.ratioOursToBaseline, 3)}x`],
          ['baseline / reference', base.ratioBaselineToReference === undefined ? '-' : `${f(base.ratioBaselineToReference, 2)}x`],
        ]
      : []),
    ['load average (1 min) at the start of each round', rounds.map((r) => r.loadAverage.toFixed(2)).join(', ')],
    ['load + split ML-1M', `${f((ours.loadSeconds ?? NaN) + (ours.splitSeconds ?? NaN), 2)} s`],
    ['evaluate 600 validation users', `${f(ours.evalSecondsValidation600)} s`],
    ['trainer peak memory', `${f(ours.peakRssMiB, 0)} MiB`],
  ];
  for (const s of (result.scaling as Record<string, unknown>[] | undefined) ?? [])
    rows.push([`scaling: ${s.case} (${s.trainUsers} users, ${s.items} items)`, `${f(s.medianEpochSeconds, 2)} s/epoch, ${f(s.peakRssMiB, 0)} MiB`]);
  for (const [model, q] of Object.entries((result.quality as Record<string, { test?: Record<string, number>; best?: { epoch: number } }>) ?? {})) {
    rows.push([
      `quality ${model} test NDCG@100 / R@20 / R@50`,
      `${f(q.test?.['ndcg@100'])} / ${f(q.test?.['recall@20'])} / ${f(q.test?.['recall@50'])} (best epoch ${q.best?.epoch ?? '-'})`,
    ]);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + `\n${svaeSummary}\nwritten to ${OUT}\n`);
}

main();
