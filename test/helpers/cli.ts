/**
 * The bundled `vaerec` CLI (dist/cli.js, built by `npm test` first) as the process tests run it: to
 * its end, or in the background with its output collected; the arguments of a small training run;
 * the last JSON line of its output; and polling for what it writes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CLI = path.resolve(__dirname, '../../dist/cli.js');
if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);

/** Runs the CLI to its end (three minutes at most), with `env` added to this process's environment. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Background {
  child: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  /** The exit code; null when a signal ended the CLI. */
  exited: Promise<number | null>;
  /** The exit code and the whole output, once both streams are closed. */
  closed: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Runs the CLI without waiting for it (in `cwd`, with `env` added), collecting its output. */
export function cliInBackground(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Background {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    child,
    pid: child.pid as number,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ? null : code))),
    closed: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout: out, stderr: err }))),
  };
}

/** `vaerec train` of the default model on `data` into `runs` with 20 held-out users and a JSON summary; `extra` adds or overrides flags. */
export function trainArgs(data: string, runs: string, extra: string[] = []): string[] {
  return ['train', '--data', data, '--runs-dir', runs, '--heldout', '20', '--json', ...extra];
}

/** Trains to the end (the run must complete) and returns the new run's directory. */
export function trainRun(data: string, runs: string, extra: string[] = []): string {
  const r = cli(trainArgs(data, runs, extra));
  assert.equal(r.code, 0, r.stderr);
  return lastJson<{ runDir: string }>(r.stdout).runDir;
}

/** The last line of a command's output, parsed (`--json` prints its answer last). */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** Polls `probe` until it returns a value; a throw counts as not yet (a file caught mid-rename). */
export function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      let v: T | undefined;
      try {
        v = probe();
      } catch {
        v = undefined;
      }
      if (v !== undefined) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}
