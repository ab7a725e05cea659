/**
 * `vaerec sweep run|resume|status|stop|replay`: the command-line face of the sweep coordinator
 * (src/trainer/sweep/). Bad input is one line on stderr naming the file and the key, exit 2, and
 * nothing is created; `run` exits 0 when the sweep completed (some trials may have failed), 1 when
 * every trial failed, 130 when it was stopped.
 */
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRun, runDirFor } from '../../shared/runReader';
import { isProcessAlive } from '../../shared/runLiveness';
import type { SweepRecord, SweepSpec, SweepStatus } from '../../shared/sweepSchema';
import { GRID_TRIAL_LIMIT, SWEEP_SCHEMA_VERSION, SweepSpecError, parseSweepSpec } from '../../shared/sweepSchema';
import { ConfigError } from '../../shared/trainConfig';
import { localPlan } from '../sweep/concurrency';
import { SWEEP_STOP_FILE, SweepCoordinator } from '../sweep/coordinator';
import { CurveFollower } from '../sweep/curves';
import type { SweepDisplay } from '../sweep/display';
import { LineDisplay, SilentDisplay, TtyDisplay, formatDuration, formatParams, formatTable, tableRows } from '../sweep/display';
import { bestUpTo } from '../sweep/earlyStopping';
import type { Executor } from '../sweep/executor';
import { LocalExecutor } from '../sweep/localExecutor';
import { SLURM_PROGRAMS, SlurmExecutor, missingProgram } from '../sweep/slurmExecutor';
import { statusJson } from '../../shared/sweepSummary';
import { SweepLookupError, readSweep, resolveSweepDir, sweepsDirFor } from '../../shared/sweepReader';
import { ReplayInputError, recordedTrials, replayRules } from '../sweep/replay';
import { formatReplay, replayJson, replayRulesFrom } from '../sweep/replayReport';
import { createSweepDir, writeSweep } from '../sweep/sweepStore';
import { trialConfig } from '../../shared/sweepTrialConfig';
import { allTrials, expandTrials } from '../sweep/trials';

/** Bad input to a sweep command: one line, exit 2. */
class SweepInputError extends Error {}

export interface SweepDefaults {
  runsDir: () => string;
  cacheDir: () => string;
}

interface RunOptions {
  runsDir: string;
  cacheDir: string;
  json?: boolean;
  yes?: boolean;
  quiet?: boolean;
}

const DATA_OPTIONS_FILE = 'data-options.json';

function readSpecFile(file: string): SweepSpec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SweepInputError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SweepInputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  try {
    return parseSweepSpec(raw);
  } catch (err) {
    if (err instanceof SweepSpecError) throw new SweepInputError(`${file}: ${err.message}`);
    throw err;
  }
}

function makeDisplay(o: { json?: boolean; quiet?: boolean }): SweepDisplay {
  if (o.quiet) return new SilentDisplay();
  // With --json stdout is for the JSON line; what resume did with each trial still goes to stderr.
  if (o.json) return new SilentDisplay(process.stderr);
  return process.stderr.isTTY ? new TtyDisplay(process.stderr) : new LineDisplay(process.stderr);
}

/** `where`: the sweep file, for `run`; a sweep being resumed names none. */
function checkSlurm(where?: string): void {
  const missing = missingProgram(SLURM_PROGRAMS);
  if (missing) throw new SweepInputError(`${where ? `${where}: ` : ''}executor.type: slurm needs ${missing} on the PATH (is this a Slurm login node?)`);
}

function makeExecutor(record: SweepRecord, sweepDir: string, wake: () => void): Executor {
  const spec = record.spec.executor;
  if (spec.type === 'slurm')
    return new SlurmExecutor({ spec, sweepId: record.id, jobsDir: path.join(sweepDir, 'jobs'), cliPath: path.join(__dirname, 'cli.js') });
  return new LocalExecutor({
    trainerScript: path.join(__dirname, 'trainer.js'),
    runsDir: record.runsDir,
    cacheDir: record.cacheDir,
    logsDir: path.join(sweepDir, 'logs'),
    concurrency: record.executor.concurrency,
    threadsPerTrial: record.executor.threadsPerTrial === 2 ? 2 : 1,
    wake,
  });
}

/** Creates the sweep record of a validated spec; throws SweepInputError before anything is written. */
function prepare(file: string, o: RunOptions): { record: SweepRecord; dir: string } {
  const specFile = path.resolve(file);
  const spec = readSpecFile(specFile);
  const dataSource = spec.dataset === 'ml-1m' ? 'ml-1m' : path.resolve(path.dirname(specFile), spec.dataset);
  if (dataSource !== 'ml-1m' && !fs.existsSync(dataSource)) throw new SweepInputError(`${specFile}: dataset: ${dataSource} does not exist`);
  const all = allTrials(spec);
  if (spec.method === 'grid' && all.length > GRID_TRIAL_LIMIT && !o.yes) {
    const sizes = Object.entries(spec.parameters).map(([k, p]) => `${'values' in p ? p.values.length : 1} ${k}`);
    throw new SweepInputError(
      `${specFile}: parameters: the grid has ${all.length} trials (${[...sizes, `${spec.repeats} repeats`].join(' x ')}), more than ${GRID_TRIAL_LIMIT}: run with --yes to start it`,
    );
  }
  const trials = expandTrials(spec);
  const runsDir = path.resolve(o.runsDir);
  const cacheDir = path.resolve(o.cacheDir);
  for (const t of trials) {
    try {
      trialConfig(spec, dataSource, t);
    } catch (err) {
      if (err instanceof ConfigError) throw new SweepInputError(`${specFile}: trial ${t.index} (${formatParams(t.params)}): ${err.message}`);
      throw err;
    }
  }
  if (spec.executor.type === 'slurm') checkSlurm(specFile);
  const plan =
    spec.executor.type === 'local'
      ? localPlan(spec.executor, { cores: os.availableParallelism(), freeMemoryBytes: os.freemem() }, trials.length)
      : { concurrency: spec.executor.maxJobs ?? 0, threadsPerTrial: spec.executor.cpusPerTask >= 2 ? 2 : 1 };
  const { id, dir } = createSweepDir(sweepsDirFor(runsDir), spec.name);
  const created = new Date().toISOString();
  const record: SweepRecord = {
    schemaVersion: SWEEP_SCHEMA_VERSION,
    id,
    name: spec.name,
    status: 'running',
    specFile,
    spec,
    dataSource,
    runsDir,
    cacheDir,
    createdAt: created,
    updatedAt: created,
    elapsedSeconds: 0,
    executor: { type: spec.executor.type, concurrency: plan.concurrency, threadsPerTrial: plan.threadsPerTrial },
    trials: trials.map((t) => ({ ...t, state: 'pending', command: [], attempt: 0, epochs: 0, rungs: [], previousAttempts: [] })),
    log: [],
  };
  writeSweep(dir, record);
  return { record, dir };
}

async function coordinate(record: SweepRecord, dir: string, o: { json?: boolean; quiet?: boolean }, resumed: boolean): Promise<number> {
  const display = makeDisplay(o);
  let coordinator: SweepCoordinator | undefined = undefined;
  const executor = makeExecutor(record, dir, () => coordinator?.wake());
  const dataOptionsFile = record.spec.base.data !== undefined ? path.join(dir, DATA_OPTIONS_FILE) : undefined;
  if (dataOptionsFile) fs.writeFileSync(dataOptionsFile, JSON.stringify({ data: record.spec.base.data }, null, 2) + '\n');
  coordinator = new SweepCoordinator({ sweepDir: dir, record, executor, display, pollMs: record.spec.executor.type === 'slurm' ? 3000 : 500, dataOptionsFile });
  const c = coordinator;
  if (!o.json && !o.quiet) {
    const ex = record.executor;
    display.event(
      `sweep ${record.id}: ${record.trials.length} trials, ${ex.type === 'local' ? `${ex.concurrency} at once on ${ex.threadsPerTrial} thread${ex.threadsPerTrial > 1 ? 's' : ''} each` : `Slurm jobs${ex.concurrency ? `, ${ex.concurrency} at once` : ''}`}; record ${path.join(dir, 'sweep.json')}`,
    );
  }
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      const n = c.current.trials.filter((t) => t.state === 'running').length;
      process.stderr.write(
        `\nstopping the sweep (${signal}): cancelling ${n} running trials; \`vaerec sweep resume ${record.id}\` goes on later (Ctrl-C again to kill them)\n`,
      );
      c.requestStop();
    } else {
      void c.killAll().then(() => process.exit(130));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (resumed) await c.reconcile();
    const final = await c.run();
    printResult(final, dir, { ...o, liveTable: display instanceof TtyDisplay });
    return final.status === 'completed' ? 0 : final.status === 'stopped' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const f4 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4));

function printResult(record: SweepRecord, dir: string, o: { json?: boolean; liveTable?: boolean }, status: SweepStatus = record.status): void {
  if (o.json) {
    process.stdout.write(JSON.stringify(statusJson(record, dir, status)) + '\n');
    return;
  }
  const s = statusJson(record, dir, status);
  const count = (st: string) => record.trials.filter((t) => t.state === st).length;
  const counts = ['completed', 'stopped', 'failed', 'running', 'pending', 'cancelled', 'skipped']
    .filter((st) => count(st) > 0)
    .map((st) => `${count(st)} ${st}`)
    .join(', ');
  const lines = [
    // The live display has left the table on the terminal already.
    ...(o.liveTable ? [] : [...formatTable(tableRows(record)), '']),
    `sweep ${record.id}: ${status}; ${record.trials.length} trials (${counts}); ${s.progress.epochsDone} epochs in ${formatDuration(record.elapsedSeconds)}`,
  ];
  const b = s.best;
  if (b) {
    const m = record.spec.metric.name;
    lines.push(
      `best: trial ${b.index}${b.runId ? ` (run ${b.runId})` : ''}: ${formatParams(b.params) || 'base configuration'}; ${m} ${f4(b.metric)} ± ${f4(b.metricStd)} over ${b.repeats} repeat${b.repeats > 1 ? 's' : ''}`,
    );
    if (b.test) {
      const t = (k: string) => `${k} ${f4(b.test?.mean[k])} ± ${f4(b.test?.std[k])}`;
      lines.push(`test (n = ${b.test.n}): ${['ndcg@100', 'recall@20', 'recall@50'].map(t).join('  ')}`);
    }
  } else lines.push('no configuration completed');
  lines.push(`record: ${path.join(dir, 'sweep.json')}`);
  process.stdout.write(lines.join('\n') + '\n');
}

function loadSweep(arg: string, runsDir: string): { record: SweepRecord; dir: string } {
  let dir: string;
  try {
    dir = resolveSweepDir(arg, sweepsDirFor(runsDir));
  } catch (err) {
    if (err instanceof SweepLookupError) throw new SweepInputError(err.message);
    throw err;
  }
  const r = readSweep(dir);
  if ('reason' in r) throw new SweepInputError(r.reason);
  return { record: r.record, dir };
}

/** The coordinator's pid when it is alive on this machine; 'elsewhere' when it runs on another host. */
function liveCoordinator(record: SweepRecord): number | 'elsewhere' | undefined {
  const c = record.coordinator;
  if (!c || record.status !== 'running') return undefined;
  if (c.host !== os.hostname()) return 'elsewhere';
  return c.pid !== process.pid && isProcessAlive(c.pid) ? c.pid : undefined;
}

/** The status a reader sees: a running sweep whose coordinator is gone is interrupted. */
function effectiveStatus(record: SweepRecord): SweepStatus {
  return record.status === 'running' && liveCoordinator(record) === undefined ? 'interrupted' : record.status;
}

/** Brings running trials' epochs and metric up to the moment from their metrics.jsonl (nothing is written). */
function refreshRunning(record: SweepRecord): void {
  for (const t of record.trials) {
    if (t.state !== 'running' || !t.runId) continue;
    const f = new CurveFollower(runDirFor(record.runsDir, t.runId), record.spec.metric.name);
    f.read();
    t.epochs = Math.max(t.epochs, f.curve.lastEpoch);
    const best = bestUpTo(f.curve, Infinity, record.spec.metric.goal);
    if (best) {
      t.metric = best.value;
      t.metricEpoch = best.epoch;
    }
  }
}

async function sweepStop(arg: string, o: { runsDir: string }): Promise<number> {
  const { record, dir } = loadSweep(arg, o.runsDir);
  const live = liveCoordinator(record);
  if (record.status !== 'running') {
    process.stdout.write(`sweep ${record.id} is not running (${record.status})\n`);
    return 0;
  }
  fs.writeFileSync(path.join(dir, SWEEP_STOP_FILE), new Date().toISOString() + '\n');
  if (live === 'elsewhere') {
    process.stdout.write(`sweep ${record.id} runs on ${record.coordinator?.host}: asked it to stop (it reads ${SWEEP_STOP_FILE} within seconds)\n`);
    return 0;
  }
  if (live !== undefined) {
    process.kill(live, 'SIGTERM');
    // The coordinator records the end before it exits (and an exited one may linger as a zombie until its parent reaps it).
    const over = () => {
      const r = readSweep(dir);
      return ('record' in r && r.record.status !== 'running') || !isProcessAlive(live);
    };
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline && !over()) await new Promise((r) => setTimeout(r, 250));
    const after = readSweep(dir);
    process.stdout.write(`sweep ${record.id}: ${'record' in after ? after.record.status : 'stop requested'}\n`);
    return 0;
  }
  // No coordinator: end the trials it left running ourselves.
  const slurm = record.spec.executor.type === 'slurm';
  for (const t of record.trials) {
    if (t.state !== 'running') continue;
    if (slurm && t.jobId) {
      const { execFileSync } = await import('node:child_process');
      try {
        execFileSync('scancel', [t.jobId], { stdio: 'ignore', timeout: 60_000 });
      } catch {
        // gone already
      }
    } else if (t.runId) {
      const entry = readRun(runDirFor(record.runsDir, t.runId));
      const pid = entry.ok && entry.record.status === 'running' && entry.record.host === os.hostname() ? entry.record.pid : undefined;
      if (pid !== undefined && isProcessAlive(pid)) process.kill(pid, 'SIGTERM');
    }
    t.state = 'cancelled';
    t.finishedAt = new Date().toISOString();
  }
  record.status = 'stopped';
  delete record.coordinator;
  record.updatedAt = new Date().toISOString();
  writeSweep(dir, record);
  fs.rmSync(path.join(dir, SWEEP_STOP_FILE), { force: true });
  process.stdout.write(`sweep ${record.id}: stopped (no coordinator was running; its running trials were cancelled)\n`);
  return 0;
}

const collect = (v: string, all: string[]) => [...all, v];

export function registerSweepCommand(program: Command, defaults: SweepDefaults): void {
  const sweep = program.command('sweep').description('grid and random search with early stopping, on this machine or a Slurm cluster; resumable');
  // Commander reports errors of nested commands through the top program's exitOverride.
  const guarded =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      try {
        process.exitCode = await fn(...args);
      } catch (err) {
        if (!(err instanceof SweepInputError) && !(err instanceof ReplayInputError)) throw err;
        process.stderr.write(`vaerec: error: ${err.message.split('\n')[0]}\n`);
        process.exitCode = 2;
      }
    };

  sweep
    .command('run <file>')
    .description('start a sweep from a sweep file (*.sweep.json) and follow it to its end')
    .option('--runs-dir <dir>', 'where the trials are recorded (the sweep record goes to sweeps/ beside it)', defaults.runsDir())
    .option('--cache-dir <dir>', 'where downloaded datasets are kept', defaults.cacheDir())
    .option('--json', 'print one JSON object (the last line of stdout): the sweep status')
    .option('--yes', `start a grid of more than ${GRID_TRIAL_LIMIT} trials`)
    .option('--quiet', 'no progress output')
    .action(
      guarded(async (file: string, o: RunOptions) => {
        const { record, dir } = prepare(file, o);
        return coordinate(record, dir, o, false);
      }),
    );

  sweep
    .command('resume <id|dir>')
    .description('carry on a sweep whose coordinator stopped or died: finished trials are kept, live ones adopted, lost ones restarted')
    .option('--runs-dir <dir>', 'the runs directory the sweep was started with (to find a sweep by id)', defaults.runsDir())
    .option('--json', 'print one JSON object (the last line of stdout): the sweep status')
    .option('--quiet', 'no progress output')
    .action(
      guarded(async (arg: string, o: { runsDir: string; json?: boolean; quiet?: boolean }) => {
        const { record, dir } = loadSweep(arg, o.runsDir);
        const live = liveCoordinator(record);
        if (live !== undefined)
          throw new SweepInputError(
            `sweep ${record.id} is being run by ${live === 'elsewhere' ? `a coordinator on ${record.coordinator?.host}` : `pid ${live}`}`,
          );
        if (record.status === 'completed' || record.status === 'failed') {
          process.stderr.write(`sweep ${record.id} is already over (${record.status}): nothing to do\n`);
          printResult(record, dir, o);
          return record.status === 'completed' ? 0 : 1;
        }
        if (record.spec.executor.type === 'slurm') checkSlurm();
        fs.rmSync(path.join(dir, SWEEP_STOP_FILE), { force: true });
        return coordinate(record, dir, o, true);
      }),
    );

  sweep
    .command('status <id|dir>')
    .description("a sweep's trials, progress and best configuration so far")
    .option('--runs-dir <dir>', 'the runs directory the sweep was started with (to find a sweep by id)', defaults.runsDir())
    .option('--json', 'print one JSON object')
    .action(
      guarded(async (arg: string, o: { runsDir: string; json?: boolean }) => {
        const { record, dir } = loadSweep(arg, o.runsDir);
        refreshRunning(record);
        printResult(record, dir, o, effectiveStatus(record));
        return 0;
      }),
    );

  sweep
    .command('replay <id|dir>')
    .description('what early stopping would have done with a sweep run in full: epochs, pick and its distance to the best, replayed on the recorded curves')
    .option('--runs-dir <dir>', 'the runs directory the sweep was started with (to find a sweep by id)', defaults.runsDir())
    .option('--asha <grace,eta>', 'an ASHA rule to replay (repeatable)', collect, [])
    .option('--median <after[,minTrials]>', 'a median rule to replay (repeatable)', collect, [])
    .option('--scan', 'replay ASHA with grace 1..50 and eta 2..5, and the median rule after 1..50 epochs')
    .option('--concurrency <n>', "trials at a time (default: the sweep's own)")
    .option('--orders <n>', 'also replay each rule with the trials started in N seeded random orders', '0')
    .option('--within <gap>', "with --orders: count the orders whose pick is within this of the full sweep's best")
    .option('--json', 'print one JSON object')
    .action(
      guarded(
        async (
          arg: string,
          o: { runsDir: string; asha: string[]; median: string[]; scan?: boolean; concurrency?: string; orders: string; within?: string; json?: boolean },
        ) => {
          const { record } = loadSweep(arg, o.runsDir);
          const recorded = recordedTrials(record);
          const rules = replayRulesFrom(o, Math.max(...recorded.map((t) => t.epochSeconds.length)));
          const count = (flag: string, v: string | undefined, fallback: number) => {
            const n = v === undefined ? fallback : Number(v);
            if (!Number.isInteger(n) || n < 0) throw new SweepInputError(`${flag} ${v}: expected a whole number`);
            return n;
          };
          const concurrency = Math.max(1, count('--concurrency', o.concurrency, record.executor.concurrency || record.trials.length));
          const within = o.within === undefined ? undefined : Number(o.within);
          if (within !== undefined && !(within >= 0)) throw new SweepInputError(`--within ${o.within}: expected a number >= 0`);
          const replay = replayRules(recorded, rules, record.spec.metric, concurrency, {
            orders: count('--orders', o.orders, 0),
            ...(within !== undefined ? { within } : {}),
          });
          if (o.json) process.stdout.write(JSON.stringify(replayJson(record, concurrency, replay)) + '\n');
          else process.stdout.write(formatReplay(record, concurrency, replay, within).join('\n') + '\n');
          return 0;
        },
      ),
    );

  sweep
    .command('stop <id|dir>')
    .description('stop a running sweep: running trials are cancelled, `resume` continues them')
    .option('--runs-dir <dir>', 'the runs directory the sweep was started with (to find a sweep by id)', defaults.runsDir())
    .action(guarded((arg: string, o: { runsDir: string }) => sweepStop(arg, o)));
}
