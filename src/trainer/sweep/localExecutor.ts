/**
 * Trials as trainer child processes on this machine (the same dist/trainer.js `vaerec train` and the
 * extension start), each with its threads fixed by VAEREC_THREADS. Each trainer's stderr goes to
 * `<sweep>/logs/trial-<i>-a<attempt>.log`. Trainers are detached (own process group, and they finish
 * their run when the coordinator goes away): a coordinator killed however it dies leaves them
 * training, for `resume` to adopt; Ctrl-C reaches them through the coordinator, which cancels them
 * (and kills them at a second Ctrl-C).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessAlive, trainerLiveness } from '../../shared/runLiveness';
import type { RunRecord } from '../../shared/runSchema';
import type { SweepTrial } from '../../shared/sweepSchema';
import type { TrainerExit, TrainerHandle } from '../process/client';
import { startTrainer } from '../process/client';
import type { Executor, TrialLaunch, TrialProcessInfo } from './executor';

/** How long a trainer asked to stop may finish its batch and record its end before it is killed. */
const STOP_GRACE_MS = 60_000;

interface LocalTrial {
  handle?: TrainerHandle;
  killTimer?: NodeJS.Timeout;
  /** An adopted trainer (started by an earlier coordinator) is known by its pid only. */
  pid?: number;
  exit?: TrainerExit;
  runDir?: string;
  error?: string;
}

export interface LocalExecutorOptions {
  trainerScript: string;
  runsDir: string;
  cacheDir: string;
  logsDir: string;
  concurrency: number;
  threadsPerTrial: 1 | 2;
  /** Called when a trainer has news (an epoch, its end), so the coordinator looks at once. */
  wake(): void;
}

export class LocalExecutor implements Executor {
  readonly type = 'local';
  private readonly trials = new Map<number, LocalTrial>();

  constructor(private readonly opts: LocalExecutorOptions) {}

  get concurrency(): number {
    return this.opts.concurrency;
  }

  get threadsPerTrial(): number {
    return this.opts.threadsPerTrial;
  }

  async launch(l: TrialLaunch): Promise<{ pid?: number }> {
    fs.mkdirSync(this.opts.logsDir, { recursive: true });
    // Appended to: a resumed trial's trainer writes after the one that died.
    const log = fs.openSync(path.join(this.opts.logsDir, `trial-${l.trial.index}-a${l.trial.attempt}.log`), 'a');
    const entry: LocalTrial = {};
    entry.handle = startTrainer({
      trainerScript: this.opts.trainerScript,
      request: l.resumeRunDir
        ? { type: 'resume', runDir: l.resumeRunDir, cacheDir: this.opts.cacheDir }
        : { type: 'start', config: l.config, runsDir: this.opts.runsDir, cacheDir: this.opts.cacheDir, name: l.name, sweep: l.tag },
      env: { VAEREC_THREADS: String(this.opts.threadsPerTrial) },
      detached: true,
      onStderr: (line) => fs.writeSync(log, line + '\n'),
      onMessage: (m) => {
        if (m.type === 'started') entry.runDir = m.runDir;
        else if (m.type === 'error') entry.error = m.message;
        if (m.type === 'started' || m.type === 'epoch' || m.type === 'done') this.opts.wake();
      },
    });
    entry.pid = entry.handle.pid;
    this.trials.set(l.trial.index, entry);
    void entry.handle.exited.then((exit) => {
      entry.exit = exit;
      clearTimeout(entry.killTimer);
      fs.closeSync(log);
      this.opts.wake();
    });
    return { pid: entry.pid };
  }

  async refresh(): Promise<void> {}

  info(trial: SweepTrial): TrialProcessInfo {
    const e = this.trials.get(trial.index);
    if (!e) return { alive: false, endReason: 'no trainer process is known for this trial' };
    const alive = e.handle ? e.exit === undefined : e.pid !== undefined && isProcessAlive(e.pid);
    let endReason = e.error;
    if (!endReason && e.exit) {
      const how = e.exit.signal ? `was killed by ${e.exit.signal}` : `exited with code ${e.exit.code}`;
      const tail = e.exit.stderrTail.trim().split('\n').slice(-1)[0];
      endReason = `the trainer ${how}${tail ? `: ${tail}` : ''}`;
    }
    if (!endReason && !alive) endReason = `the trainer (pid ${e.pid}) is gone`;
    return { alive, ...(e.runDir ? { runDir: e.runDir } : {}), ...(endReason ? { endReason } : {}) };
  }

  async adopt(trial: SweepTrial, run?: RunRecord): Promise<string | undefined> {
    if (run?.host !== undefined && run.host !== os.hostname()) return undefined;
    const pid = run?.pid ?? trial.pid;
    // The run's own record says best whether its trainer lives (a reused pid is not it).
    if (pid === undefined || !(run?.status === 'running' ? trainerLiveness(run).alive : isProcessAlive(pid))) return undefined;
    this.trials.set(trial.index, { pid });
    return `its trainer (pid ${pid}) is still running`;
  }

  private signal(trial: SweepTrial, how: 'cancel' | 'kill'): void {
    const e = this.trials.get(trial.index);
    if (!e) return;
    if (e.handle) {
      if (how === 'kill') return e.handle.kill();
      e.handle.cancel();
      const handle = e.handle;
      e.killTimer ??= setTimeout(() => handle.kill(), STOP_GRACE_MS);
      return;
    }
    if (e.pid === undefined) return;
    try {
      // The trainer treats SIGTERM as a cancel; an adopted one is not our child, so no IPC.
      process.kill(e.pid, how === 'cancel' ? 'SIGTERM' : 'SIGKILL');
    } catch {
      // already gone
    }
  }

  async stop(trial: SweepTrial): Promise<void> {
    this.signal(trial, 'cancel');
  }

  async cancel(trial: SweepTrial): Promise<void> {
    this.signal(trial, 'cancel');
  }

  async killAll(running: readonly SweepTrial[]): Promise<void> {
    for (const t of running) this.signal(t, 'kill');
  }
}
