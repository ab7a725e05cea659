/**
 * Trials as Slurm jobs: each is a generated sbatch script (`<sweep>/jobs/trial-<i>-a<attempt>.sbatch`,
 * kept, so a user can read or resubmit it) that runs the CLI's `vaerec train` with the trial's
 * configuration into the sweep's runs directory, which must be on a file system the nodes share.
 * Job states come from `squeue`; an ended job's outcome from its run directory (and, when it left
 * none, `scontrol show job` and its output file). Jobs are named `vaerec-<sweep>-t<i>-a<attempt>`,
 * so `resume` finds even a job whose id a killed coordinator never wrote down.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { SlurmExecutorSpec, SweepTrial } from '../../shared/sweepSchema';
import type { Executor, TrialLaunch, TrialProcessInfo } from './executor';

const run = promisify(execFile);
const SLURM_TIMEOUT_MS = 60_000;
/** How long a running job asked to stop (through its run's stop request) may take before it is scancelled. */
const STOP_GRACE_MS = 60_000;

/** Slurm job states in which the job still holds (or waits for) its resources. */
const LIVE_STATES = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'STOPPED',
]);

/** The programs this executor calls; all must be on the PATH before a sweep starts. */
export const SLURM_PROGRAMS = ['sbatch', 'squeue', 'scancel', 'scontrol'] as const;

/** The first of `programs` not found on the PATH, or undefined. */
export function missingProgram(programs: readonly string[], envPath = process.env.PATH ?? ''): string | undefined {
  const dirs = envPath.split(path.delimiter).filter(Boolean);
  return programs.find(
    (p) =>
      !dirs.some((d) => {
        try {
          fs.accessSync(path.join(d, p), fs.constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
  );
}

/** Quotes an argument for /bin/sh: single quotes, with embedded single quotes closed and escaped. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A trial's job, and a resumed trial's: `-r<n>` for its n-th resume, so no two jobs of a sweep share a name. */
export const jobName = (sweepId: string, trial: number, attempt: number, resumes = 0) =>
  `vaerec-${sweepId}-t${trial}-a${attempt}${resumes > 0 ? `-r${resumes}` : ''}`;

/** The trial's files in the jobs folder (script and output), without their extension. */
const jobBase = (t: SweepTrial) => `trial-${t.index}-a${t.attempt}${t.resumes ? `-r${t.resumes}` : ''}`;

export interface SbatchScriptInput {
  spec: SlurmExecutorSpec;
  sweepId: string;
  trial: number;
  attempt: number;
  /** Resumes of the trial's run so far (0: the job starts the run). */
  resumes?: number;
  params: Record<string, number | string>;
  outputFile: string;
  nodePath: string;
  cliPath: string;
  /** `vaerec train` arguments. */
  args: string[];
}

/** The batch script of one trial; everything it needs is in it (no environment from the coordinator but PATH and the user's). */
export function sbatchScript(i: SbatchScriptInput): string {
  const directive = (opt: string) => `#SBATCH ${/\s/.test(opt) ? opt.replace(/=(.*)$/, (_, v: string) => `="${v.replace(/"/g, '\\"')}"`) : opt}`;
  const lines = [
    '#!/bin/sh',
    directive(`--job-name=${jobName(i.sweepId, i.trial, i.attempt, i.resumes)}`),
    directive(`--output=${i.outputFile}`),
    directive('--ntasks=1'),
    directive(`--cpus-per-task=${i.spec.cpusPerTask}`),
  ];
  if (i.spec.partition) lines.push(directive(`--partition=${i.spec.partition}`));
  if (i.spec.time) lines.push(directive(`--time=${i.spec.time}`));
  if (i.spec.mem) lines.push(directive(`--mem=${i.spec.mem}`));
  if (i.spec.gpus !== undefined) lines.push(directive(`--gpus=${i.spec.gpus}`));
  for (const a of i.spec.sbatchArgs) lines.push(directive(a));
  const params = Object.entries(i.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  lines.push(
    `# Trial ${i.trial} (attempt ${i.attempt}${i.resumes ? `, resume ${i.resumes}` : ''}) of vaerec sweep ${i.sweepId}${params ? `: ${params}` : ''}.`,
    // Two training threads only when the job has the cores for them (the trainer uses two by default).
    `export VAEREC_THREADS=${i.spec.cpusPerTask >= 2 ? 2 : 1}`,
    `exec ${[i.nodePath, i.cliPath, ...i.args, '--quiet', '--json'].map(shellQuote).join(' ')}`,
    '',
  );
  return lines.join('\n');
}

interface SlurmTrial {
  jobId: string;
  state: string;
  outputFile?: string;
  /** `scontrol show job` of the ended job, read once. */
  ended?: string;
  /** When the coordinator asked the running trainer to stop (Date.now()); scancel follows after the grace. */
  stopAskedAt?: number;
}

export interface SlurmExecutorOptions {
  spec: SlurmExecutorSpec;
  sweepId: string;
  jobsDir: string;
  cliPath: string;
}

export class SlurmExecutor implements Executor {
  readonly type = 'slurm';
  private readonly jobs = new Map<number, SlurmTrial>();

  constructor(private readonly opts: SlurmExecutorOptions) {}

  get concurrency(): number {
    return this.opts.spec.maxJobs ?? 0;
  }

  get threadsPerTrial(): number {
    return this.opts.spec.cpusPerTask >= 2 ? 2 : 1;
  }

  async launch(l: TrialLaunch): Promise<{ jobId: string }> {
    fs.mkdirSync(this.opts.jobsDir, { recursive: true });
    const base = path.join(this.opts.jobsDir, jobBase(l.trial));
    const outputFile = `${base}.out`;
    const script = sbatchScript({
      spec: this.opts.spec,
      sweepId: this.opts.sweepId,
      trial: l.trial.index,
      attempt: l.trial.attempt,
      resumes: l.trial.resumes ?? 0,
      params: l.trial.params,
      outputFile,
      nodePath: this.opts.spec.nodePath ?? process.execPath,
      cliPath: this.opts.cliPath,
      args: l.resumeRunDir ? ['train', '--resume', l.resumeRunDir] : l.args,
    });
    fs.writeFileSync(`${base}.sbatch`, script, { mode: 0o755 });
    const { stdout } = await run('sbatch', ['--parsable', `${base}.sbatch`], { timeout: SLURM_TIMEOUT_MS });
    const jobId = stdout.trim().split(';')[0];
    if (!/^\d+(_\d+)?$/.test(jobId)) throw new Error(`sbatch printed no job id (${JSON.stringify(stdout.trim().slice(0, 200))})`);
    this.jobs.set(l.trial.index, { jobId, state: 'PENDING', outputFile });
    return { jobId };
  }

  /** Every job of this user that squeue lists, by id. */
  private async queue(): Promise<Map<string, { state: string; name: string }>> {
    const { stdout } = await run('squeue', ['-h', '-u', os.userInfo().username, '-o', '%i|%T|%j'], { timeout: SLURM_TIMEOUT_MS });
    const out = new Map<string, { state: string; name: string }>();
    for (const line of stdout.split('\n')) {
      const [id, state, name] = line.trim().split('|');
      if (id && state) out.set(id, { state, name: name ?? '' });
    }
    return out;
  }

  async refresh(running: readonly SweepTrial[]): Promise<void> {
    const watched = running.map((t) => this.jobs.get(t.index)).filter((j): j is SlurmTrial => j !== undefined && j.state !== 'GONE');
    if (watched.length === 0) return;
    const queue = await this.queue();
    for (const j of watched) {
      const q = queue.get(j.jobId);
      j.state = q && LIVE_STATES.has(q.state) ? q.state : 'GONE';
      if (j.state === 'GONE' && j.ended === undefined) j.ended = await this.describeEnded(j.jobId);
      if (j.state !== 'GONE' && j.stopAskedAt !== undefined && Date.now() - j.stopAskedAt > STOP_GRACE_MS) {
        j.stopAskedAt = Infinity;
        await this.scancelJob(j);
      }
    }
  }

  /** JobState, Reason and ExitCode of an ended job while slurmctld still remembers it (MinJobAge). */
  private async describeEnded(jobId: string): Promise<string> {
    try {
      const { stdout } = await run('scontrol', ['show', 'job', '-o', jobId], { timeout: SLURM_TIMEOUT_MS });
      const field = (k: string) => new RegExp(`\\b${k}=(\\S+)`).exec(stdout)?.[1];
      return [field('JobState'), field('Reason') !== 'None' ? field('Reason') : undefined, field('ExitCode') ? `exit ${field('ExitCode')}` : undefined]
        .filter(Boolean)
        .join(', ');
    } catch {
      return '';
    }
  }

  info(trial: SweepTrial): TrialProcessInfo {
    const j = this.jobs.get(trial.index);
    if (!j) return { alive: false, endReason: 'no Slurm job is known for this trial' };
    if (j.state !== 'GONE') return { alive: true };
    let tail = '';
    try {
      tail =
        fs
          .readFileSync(j.outputFile ?? '', 'utf8')
          .trim()
          .split('\n')
          .filter((l) => l.trim() && !l.startsWith('{'))
          .slice(-1)[0] ?? '';
    } catch {
      // no output file (the job never started)
    }
    return { alive: false, endReason: `Slurm job ${j.jobId} ended${j.ended ? ` (${j.ended})` : ''}${tail ? `: ${tail}` : ''}` };
  }

  async adopt(trial: SweepTrial): Promise<string | undefined> {
    const queue = await this.queue();
    let jobId = trial.jobId;
    if (!jobId) {
      const name = jobName(this.opts.sweepId, trial.index, trial.attempt, trial.resumes);
      jobId = [...queue].find(([, q]) => q.name === name)?.[0];
    }
    const q = jobId ? queue.get(jobId) : undefined;
    if (!jobId || !q || !LIVE_STATES.has(q.state)) return undefined;
    trial.jobId = jobId;
    this.jobs.set(trial.index, { jobId, state: q.state, outputFile: path.join(this.opts.jobsDir, `${jobBase(trial)}.out`) });
    return `its Slurm job ${jobId} is ${q.state.toLowerCase()}`;
  }

  private async scancel(trial: SweepTrial, signal?: string): Promise<void> {
    const j = this.jobs.get(trial.index);
    if (j && j.state !== 'GONE') await this.scancelJob(j, signal);
  }

  private async scancelJob(j: SlurmTrial, signal?: string): Promise<void> {
    try {
      // Slurm sends SIGTERM to the job's processes, then SIGKILL after KillWait: the trainer records its end in between.
      await run('scancel', [...(signal ? [`--signal=${signal}`, '--full'] : []), j.jobId], { timeout: SLURM_TIMEOUT_MS });
    } catch {
      // the job ended meanwhile
    }
  }

  /**
   * The coordinator has written the run's stop request, which the trainer polls and obeys within a
   * second, recording 'stopped'. A running job is scancelled only if it is still there after the
   * grace: a trainer ends at once at a second signal, and a scancelled trainer was seen to leave its
   * run 'running' (scancel's SIGTERM reaching it more than once is the likely cause). A job not yet
   * running is scancelled now.
   */
  async stop(trial: SweepTrial): Promise<void> {
    const j = this.jobs.get(trial.index);
    if (j && j.state === 'RUNNING') j.stopAskedAt ??= Date.now();
    else await this.scancel(trial);
  }

  async cancel(trial: SweepTrial): Promise<void> {
    await this.scancel(trial);
  }

  async killAll(running: readonly SweepTrial[]): Promise<void> {
    for (const t of running) await this.scancel(t, 'KILL');
  }
}
