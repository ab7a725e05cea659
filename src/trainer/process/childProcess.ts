/**
 * The one way the host side (the CLI, the extension host) starts our Node child processes: fork with
 * an IPC channel, stderr split into whole lines (a line cut across two chunks is kept until its end),
 * the last lines kept for crash reports, and a single promise for the exit. Both process clients
 * (client.ts for the trainer, inferenceClient.ts for the inspector) are built on it.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** Splits a stream of text chunks into lines; a line's fragments are joined until its newline arrives. */
export class LineSplitter {
  private partial = '';

  /** The lines completed by this chunk, without their newline (a CRLF's '\r' removed too). */
  push(chunk: string): string[] {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    return parts.map(stripCr);
  }

  /** The unfinished last line, if any (at the end of the stream). */
  end(): string | undefined {
    const rest = this.partial;
    this.partial = '';
    return rest.length > 0 ? stripCr(rest) : undefined;
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the child wrote to stderr (and a spawn error, if any), oldest first. */
  stderrTail: string[];
}

export interface ForkOptions {
  /** The bundled entry script (dist/trainer.js, dist/inference.js). */
  script: string;
  /** Node executable; defaults to the current one. */
  nodePath?: string;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** In its own process group, so that it can outlive its parent (see client.ts). */
  detached?: boolean;
  /** How many stderr lines to keep for the exit report. */
  tailLines: number;
  /** Each complete stderr line as it arrives. */
  onStderr?(line: string): void;
  onMessage(message: unknown): void;
}

export interface ForkedChild {
  readonly process: ChildProcess;
  readonly exited: Promise<ChildExit>;
  /** The stderr lines kept so far (for a report before the exit). */
  tail(): readonly string[];
  readonly running: boolean;
}

export function forkChild(opts: ForkOptions): ForkedChild {
  const child = fork(opts.script, [], {
    execPath: opts.nodePath,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, ...opts.env },
    serialization: 'json',
    detached: opts.detached === true && process.platform !== 'win32',
  });
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > opts.tailLines) tail.shift();
  };
  const lines = new LineSplitter();
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    for (const line of lines.push(chunk)) {
      if (line.length === 0) continue;
      keep(line);
      opts.onStderr?.(line);
    }
  });
  child.on('message', (m: unknown) => opts.onMessage(m));
  let running = true;
  const exited = new Promise<ChildExit>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (!running) return;
      running = false;
      const rest = lines.end();
      if (rest !== undefined) {
        keep(rest);
        opts.onStderr?.(rest);
      }
      resolve({ code, signal, stderrTail: [...tail] });
    };
    // 'close' comes after the child's stdio is drained, so the tail holds its last words.
    child.on('close', finish);
    child.on('error', (err) => {
      keep(String(err));
      finish(null, null);
    });
  });
  return {
    process: child,
    exited,
    tail: () => tail,
    get running() {
      return running;
    },
  };
}
