/**
 * Starts a trainer child process and speaks the typed protocol with it. Used by the CLI and by the
 * extension host; it never loads TensorFlow.js itself (only the child does).
 */
import type { JobRequest, ResumeRequest, StartRequest, TrainerToParent } from '../../shared/trainerMessages';
import { isTrainerMessage } from '../../shared/trainerMessages';
import { forkChild } from './childProcess';

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the child wrote to stderr, for crash reports. */
  stderrTail: string;
}

export interface TrainerHandle {
  readonly pid: number | undefined;
  /**
   * Asks the trainer to stop at the next batch boundary (or between chunks of an evaluation); it then
   * tests the best weights and records the run as cancelled. No timer: only kill() ends it sooner.
   */
  cancel(): void;
  kill(): void;
  readonly exited: Promise<TrainerExit>;
}

export interface StartTrainerOptions {
  /** Path of the bundled child entry (dist/trainer.js). */
  trainerScript: string;
  /** Node executable; defaults to the current one. In VS Code, process.execPath is Electron: pass a real node or rely on ELECTRON_RUN_AS_NODE. */
  nodePath?: string;
  /** The run to start or resume; whether it outlives this process follows from `detached`. */
  request: Omit<StartRequest, 'whenOrphaned'> | Omit<ResumeRequest, 'whenOrphaned'>;
  onMessage(message: TrainerToParent): void;
  /** Extra environment for the child. */
  env?: NodeJS.ProcessEnv;
  /** Where the child's stderr lines go as they arrive (besides the kept tail). */
  onStderr?(line: string): void;
  /**
   * Run the trainer in its own process group and let it finish its run when this process goes away:
   * a reloaded VS Code window tears down the extension host's process group, and the run goes on and
   * is picked up from its run directory. Off (the CLI): a parent that dies, however it dies, takes
   * the run with it; the trainer sees its IPC channel close and records the run as cancelled.
   */
  detached?: boolean;
}

const STDERR_TAIL_LINES = 40;

export function startTrainer(opts: StartTrainerOptions): TrainerHandle {
  const detached = opts.detached === true;
  const child = forkChild({
    script: opts.trainerScript,
    nodePath: opts.nodePath,
    env: opts.env,
    detached,
    tailLines: STDERR_TAIL_LINES,
    onStderr: opts.onStderr,
    onMessage: (m) => {
      if (isTrainerMessage(m)) opts.onMessage(m);
    },
  });
  const request: JobRequest = { ...opts.request, whenOrphaned: detached ? 'finish' : 'cancel' };
  // A closed channel (a child that failed to spawn or already died) is reported through `exited`.
  const ignoreClosedChannel = () => undefined;
  child.process.send(request, ignoreClosedChannel);
  const exited = child.exited.then((e) => ({ code: e.code, signal: e.signal, stderrTail: e.stderrTail.join('\n') }));
  return {
    pid: child.process.pid,
    exited,
    cancel() {
      if (!child.running) return;
      // The trainer treats SIGTERM like a cancel message: the way in when the channel is gone.
      if (child.process.connected) child.process.send({ type: 'cancel' }, ignoreClosedChannel);
      else child.process.kill('SIGTERM');
    },
    kill() {
      if (child.running) child.process.kill('SIGKILL');
    },
  };
}
