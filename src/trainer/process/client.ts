/**
 * Starts a trainer child process and speaks the typed protocol with it. Used by the CLI and by the
 * extension host; it never loads TensorFlow.js itself (only the child does).
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { StartRequest, TrainerToParent } from '../../shared/trainerMessages';
import { isTrainerMessage } from '../../shared/trainerMessages';

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the child wrote to stderr, for crash reports. */
  stderrTail: string;
}

export interface TrainerHandle {
  readonly pid: number | undefined;
  /** Asks the trainer to stop at the next batch boundary; kills it if it has not exited after graceMs. */
  cancel(graceMs?: number): void;
  kill(): void;
  readonly exited: Promise<TrainerExit>;
}

export interface StartTrainerOptions {
  /** Path of the bundled child entry (dist/trainer.js). */
  trainerScript: string;
  /** Node executable; defaults to the current one. In VS Code, process.execPath is Electron: pass a real node or rely on ELECTRON_RUN_AS_NODE. */
  nodePath?: string;
  request: StartRequest;
  onMessage(message: TrainerToParent): void;
  /** Extra environment for the child. */
  env?: NodeJS.ProcessEnv;
  /** Where the child's stderr lines go as they arrive (besides the kept tail). */
  onStderr?(line: string): void;
  /**
   * Run the trainer in its own process group, so that it outlives its parent: a reloaded VS Code
   * window tears down the extension host's process group, and the run should go on and be picked
   * up from its run directory. The CLI leaves this off: a killed CLI takes its trainer with it.
   */
  detached?: boolean;
}

const STDERR_TAIL_LINES = 40;

export function startTrainer(opts: StartTrainerOptions): TrainerHandle {
  const child: ChildProcess = fork(opts.trainerScript, [], {
    execPath: opts.nodePath,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, ...opts.env },
    serialization: 'json',
    detached: opts.detached === true && process.platform !== 'win32',
  });
  const tail: string[] = [];
  let partial = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      tail.push(line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
      opts.onStderr?.(line);
    }
  });
  child.on('message', (m: unknown) => {
    if (isTrainerMessage(m)) opts.onMessage(m);
  });
  let killTimer: NodeJS.Timeout | undefined;
  const exited = new Promise<TrainerExit>((resolve) => {
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      if (partial) tail.push(partial);
      resolve({ code, signal, stderrTail: tail.join('\n') });
    };
    child.on('exit', finish);
    child.on('error', (err) => {
      tail.push(String(err));
      finish(null, null);
    });
  });
  child.send(opts.request);
  return {
    pid: child.pid,
    exited,
    cancel(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'cancel' });
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), graceMs);
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}
