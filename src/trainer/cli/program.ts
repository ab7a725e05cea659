/**
 * `vaerec`: the headless face of the engine. Training runs in the same child process the extension
 * uses; `recommend` loads a run's weights in this process.
 */
import { Command, InvalidArgumentError } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fsReason } from '../../shared/fsErrors';
import type { ModelKind } from '../../shared/modelKinds';
import { listRuns, readRun } from '../../shared/runReader';
import { resumeRefusal } from '../../shared/runResume';
import type { BackendChoice, RunEntry } from '../../shared/runSchema';
import { DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES } from '../../shared/stats/paired';
import { SweepSpecError } from '../../shared/sweepSchema';
import { oneLine } from '../../shared/text';
import { ConfigError } from '../../shared/trainConfig';
import { ComparisonError } from '../stats/perUserMetrics';
import { compareForCli, formatComparison } from './compareCommand';
import { EXIT } from './exitCodes';
import { withFlag } from './flags';
import { registerSweepCommand } from './sweepCommand';
import { trainFromCli } from './trainCommand';
import { addConfigOptions, configFromOptions } from './trainOptions';

export function defaultRunsDir(): string {
  return path.resolve('.vaerec', 'runs');
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'vaerec');
}

/** A mistake in what the user asked for: printed as one line, exit code 2. */
export class UsageError extends Error {}

function intOption(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*-?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function headline(e: RunEntry) {
  if (!e.ok) return { id: e.id, dir: e.dir, status: 'damaged', reason: e.reason };
  const r = e.record;
  return {
    id: r.id,
    dir: e.dir,
    name: r.name,
    model: r.model,
    status: r.status,
    backend: r.backend,
    epochs: r.epochsCompleted,
    createdAt: r.createdAt,
    best: r.best,
    test: r.test,
    ...(r.error ? { error: r.error } : {}),
    ...(e.warning ? { warning: e.warning } : {}),
  };
}

const fmt = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4));

export function buildProgram(): Command {
  const program = new Command('vaerec')
    .description('Train and study variational autoencoders for collaborative filtering (Mult-VAE, Mult-DAE, SVAE) on MovieLens.')
    .exitOverride()
    // Commander's own messages are printed by main() as our one line; the subcommands inherit this.
    .configureOutput({ outputError: () => undefined })
    .allowExcessArguments(false);

  const train = program.command('train').description('train a model; runs are recorded under --runs-dir');
  addConfigOptions(train)
    .option('--name <name>', 'display name of the run')
    .option('--runs-dir <dir>', 'where runs are recorded', defaultRunsDir())
    .option('--cache-dir <dir>', 'where downloaded datasets are kept', defaultCacheDir())
    .option('--json', 'print one JSON object (the last line of stdout) instead of a summary')
    .option('--quiet', 'no progress output')
    .option('--resume <run-dir>', 'continue an interrupted, cancelled, stopped or failed run from its last saved epoch, with its own configuration')
    .action(async (o: Record<string, unknown>) => {
      const given = (name: string) => train.getOptionValueSource(name) === 'cli';
      const cacheDir = path.resolve(String(o.cacheDir));
      const output = { json: Boolean(o.json), quiet: Boolean(o.quiet) };
      if (typeof o.resume === 'string') {
        const { runDir, model } = resumableRun(path.resolve(o.resume), train.options, given);
        process.exitCode = await trainFromCli({
          request: { type: 'resume', runDir, cacheDir, ...(given('backend') ? { backend: o.backend as BackendChoice } : {}) },
          model,
          ...output,
        });
        return;
      }
      const { config, sweep } = configFromOptions(o, given);
      process.exitCode = await trainFromCli({
        request: {
          type: 'start',
          config,
          runsDir: path.resolve(String(o.runsDir)),
          cacheDir,
          name: typeof o.name === 'string' ? o.name : undefined,
          ...(sweep ? { sweep } : {}),
        },
        model: config.model,
        ...output,
      });
    });

  program
    .command('recommend')
    .description("top-k recommendations for one user of a run, the user's known items excluded")
    .requiredOption('--run <dir>', 'a run directory')
    .requiredOption('--user <id>', 'original user id (as in the dataset)')
    .option('--k <n>', 'how many', intOption('--k', 1), 10)
    .option('--cache-dir <dir>', 'where downloaded datasets are kept', defaultCacheDir())
    .option('--explain', "with each recommendation, the user's items behind it (because: [{item, title, share}], and explainMethod)")
    .option('--json', 'print JSON')
    .action(async (o: { run: string; user: string; k: number; cacheDir: string; explain?: boolean; json?: boolean }) => {
      const { recommendForUser, formatRecommendations } = await import('./recommendCommand');
      const result = await recommendForUser(path.resolve(o.run), o.user, o.k, path.resolve(o.cacheDir), Boolean(o.explain));
      process.stdout.write(o.json ? JSON.stringify(result) + '\n' : formatRecommendations(result));
    });

  program
    .command('export')
    .description('recommendations of a run for a set of users as CSV (one row per user and rank)')
    .requiredOption('--run <dir>', 'a run directory')
    .requiredOption('--out <file.csv>', 'where the CSV is written')
    .option('--users <set>', 'test | validation | all, or comma-separated user ids', 'test')
    .option('--k <n>', 'recommendations per user', intOption('--k', 1), 100)
    .option('--cache-dir <dir>', 'where downloaded datasets are kept', defaultCacheDir())
    .action(async (o: { run: string; out: string; users: string; k: number; cacheDir: string }) => {
      const { exportRecommendations } = await import('./recommendCommand');
      const set =
        o.users === 'test' || o.users === 'validation' || o.users === 'all'
          ? o.users
          : o.users
              .split(',')
              .map((u) => u.trim())
              .filter((u) => u.length > 0);
      if (Array.isArray(set) && set.length === 0) throw new UsageError('--users names no user');
      const out = path.resolve(o.out);
      checkWritableTarget(out);
      const r = await exportRecommendations(path.resolve(o.run), out, { users: set, k: o.k, cacheDir: path.resolve(o.cacheDir) });
      process.stdout.write(`wrote ${r.rows} recommendations for ${r.users} users to ${out}\n`);
    });

  program
    .command('compare')
    .description(
      'paired comparison of two runs over their common test users: NDCG@100 and Recall@20 differences with a bootstrap interval, t-test and Wilcoxon p-values',
    )
    .argument('<runA>', 'a run directory, or the id of a run in --runs-dir')
    .argument('<runB>', 'the run to compare with (differences are A - B)')
    .option('--runs-dir <dir>', 'where run ids are looked up', defaultRunsDir())
    .option('--resamples <n>', 'bootstrap resamples', intOption('--resamples', 100), DEFAULT_RESAMPLES)
    .option('--seed <n>', 'seed of the bootstrap', intOption('--seed', 0), DEFAULT_BOOTSTRAP_SEED)
    .option('--json', 'print one JSON object')
    .action((runA: string, runB: string, o: { runsDir: string; resamples: number; seed: number; json?: boolean }) => {
      try {
        const r = compareForCli(runA, runB, { runsDir: path.resolve(o.runsDir), resamples: o.resamples, seed: o.seed });
        for (const w of r.warnings) process.stderr.write(`vaerec: warning: ${w}\n`);
        process.stdout.write(o.json ? JSON.stringify(r) + '\n' : formatComparison(r));
      } catch (err) {
        throw err instanceof ComparisonError && err.badInput ? new UsageError(err.message) : err;
      }
    });

  program
    .command('runs')
    .description('every run with its status and headline metrics')
    .option('--runs-dir <dir>', 'where runs are recorded', defaultRunsDir())
    .option('--json', 'print JSON')
    .action((o: { runsDir: string; json?: boolean }) => {
      checkRunsDir(path.resolve(o.runsDir));
      const runs = listRuns(path.resolve(o.runsDir)).map(headline);
      if (o.json) {
        process.stdout.write(JSON.stringify(runs) + '\n');
        return;
      }
      if (runs.length === 0) {
        process.stdout.write(`no runs in ${path.resolve(o.runsDir)}\n`);
        return;
      }
      for (const r of runs) {
        if (r.status === 'damaged') {
          process.stdout.write(`${r.id}  damaged: ${'reason' in r ? r.reason : ''}\n`);
          continue;
        }
        const h = r as Exclude<ReturnType<typeof headline>, { reason: string }>;
        process.stdout.write(
          `${h.id}  ${h.model}  ${h.status}  epochs ${h.epochs}  best val NDCG@100 ${fmt(h.best?.['ndcg@100'])}  test NDCG@100 ${fmt(h.test?.['ndcg@100'])} R@20 ${fmt(h.test?.['recall@20'])} R@50 ${fmt(h.test?.['recall@50'])}${h.warning ? `  warning: ${h.warning}` : ''}\n`,
        );
      }
    });

  registerSweepCommand(program, { runsDir: defaultRunsDir, cacheDir: defaultCacheDir });
  return program;
}

/** What may accompany --resume: the run's configuration is its own, but where it runs and what is printed are not. */
const RESUME_COMPANIONS = new Set(['resume', 'backend', 'cacheDir', 'json', 'quiet']);

/**
 * The run --resume names, checked before a trainer starts: a run that is completed or still
 * running, a damaged one, or another flag of the configuration is one line and exit 2.
 */
function resumableRun(
  runDir: string,
  options: readonly { attributeName(): string; long?: string }[],
  given: (name: string) => boolean,
): { runDir: string; model: ModelKind } {
  const extra = options.find((opt) => given(opt.attributeName()) && !RESUME_COMPANIONS.has(opt.attributeName()));
  if (extra)
    throw new UsageError(
      `${extra.long} cannot be given with --resume: a resumed run keeps its own configuration (only --backend, --cache-dir, --json and --quiet apply)`,
    );
  let stats: fs.Stats;
  try {
    stats = fs.statSync(runDir);
  } catch (err) {
    throw new UsageError(`${runDir}: ${fsReason(err)}`);
  }
  if (!stats.isDirectory()) throw new UsageError(`${runDir}: not a run directory`);
  const entry = readRun(runDir);
  const refusal = resumeRefusal(entry);
  if (refusal || !entry.ok) throw new UsageError(refusal ?? `${runDir}: not a run`);
  return { runDir, model: entry.record.model };
}

/** `vaerec runs` on a path that is not a readable directory says so, instead of "no runs". */
function checkRunsDir(dir: string): void {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(dir);
    if (stats.isDirectory()) fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
  } catch (err) {
    throw new UsageError(`${dir}: ${fsReason(err)}${(err as NodeJS.ErrnoException).code === 'ENOENT' ? ' (no run was recorded there yet?)' : ''}`);
  }
  if (!stats.isDirectory()) throw new UsageError(`${dir}: not a directory (--runs-dir names the folder that holds the runs)`);
}

/** The export's target must be a file in an existing directory: checked before the run is loaded. */
function checkWritableTarget(file: string): void {
  let stats: fs.Stats | undefined;
  try {
    stats = fs.statSync(file);
  } catch {
    stats = undefined;
  }
  if (stats?.isDirectory()) throw new UsageError(`${file}: is a directory; --out names the CSV file to write`);
  const dir = path.dirname(file);
  try {
    if (!fs.statSync(dir).isDirectory()) throw new UsageError(`${dir}: not a directory`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${dir}: ${fsReason(err)}`);
  }
}

/** The subcommand named on the command line, for the "see --help" hint. */
function subcommandOf(argv: string[]): string | undefined {
  const name = argv[2];
  return name === 'train' || name === 'recommend' || name === 'export' || name === 'runs' || name === 'compare' ? name : undefined;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
      process.exitCode = EXIT.ok;
      return;
    }
    if (e.code?.startsWith('commander.')) {
      // "error: unknown option '--epoch'\n(Did you mean --epochs?)": one line, our prefix, where to look.
      const text = e.message
        .replace(/^error: /, '')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0)
        .join(' ');
      const sub = subcommandOf(argv);
      process.stderr.write(`vaerec: error: ${oneLine(text)} (see vaerec ${sub ? `${sub} ` : ''}--help)\n`);
      process.exitCode = EXIT.badInput;
      return;
    }
    process.stderr.write(`vaerec: error: ${err instanceof ConfigError ? withFlag(oneLine(e.message), err.field) : oneLine(e.message)}\n`);
    // An InspectError about the question (unknown user, bad k) is bad input; one about the run (damaged,
    // no weights) is a failure. Matched by name so the inference code loads only for its commands.
    const badInput =
      err instanceof UsageError ||
      err instanceof ConfigError ||
      err instanceof SweepSpecError ||
      (e.name === 'InspectError' && (err as { badRequest?: boolean }).badRequest === true);
    process.exitCode = badInput ? EXIT.badInput : EXIT.failed;
  }
}
