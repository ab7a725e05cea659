/** What the sweep suites share: a small fixture, sweep files in temporary folders, and the bundled CLI run in the background. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, tempDir } from '../fixtures/tempDir';
import { CLI } from './cli';

/** 240 users, 90 items: an epoch takes a few tens of milliseconds. */
export function sweepFixture(): string {
  return removeLater(makeFixtureDir('ml-1m', { users: 240, items: 90, seed: 11, clusters: 3 }));
}

/** A folder with the sweep file in it; runs go to <folder>/.vaerec/runs, sweeps to <folder>/.vaerec/sweeps. */
export function sweepFolder(spec: Record<string, unknown>, file = 't.sweep.json'): { dir: string; file: string; runs: string; sweeps: string } {
  const dir = tempDir('vaerec-sweep-');
  fs.writeFileSync(path.join(dir, file), JSON.stringify(spec, null, 2));
  return { dir, file: path.join(dir, file), runs: path.join(dir, '.vaerec', 'runs'), sweeps: path.join(dir, '.vaerec', 'sweeps') };
}

export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** The only sweep directory under `sweeps`, or undefined. */
export function onlySweepDir(sweeps: string): string | undefined {
  const ids = fs.existsSync(sweeps) ? fs.readdirSync(sweeps) : [];
  return ids.length === 1 ? path.join(sweeps, ids[0]) : undefined;
}

export function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      let v: T | undefined;
      try {
        v = probe();
      } catch {
        v = undefined; // a file being replaced
      }
      if (v !== undefined) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

export interface Background {
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs the CLI without waiting for it, in `cwd`. */
export function cliInBackground(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Background {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    pid: child.pid as number,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ? null : code))),
  };
}

export interface TrialJson {
  index: number;
  runId: string | null;
  params: Record<string, number | string>;
  seed: number;
  status: string;
  epochs: number;
  metric: number | null;
  stop?: { rule: string; epoch: number; rung?: number; reason: string };
  error?: string;
  jobId?: string;
}

export interface StatusJson {
  sweepId: string;
  sweepDir: string;
  status: string;
  trials: TrialJson[];
  best: {
    index: number;
    runId?: string;
    params: Record<string, number>;
    metric: number;
    test?: { mean: Record<string, number>; std: Record<string, number>; n: number };
  } | null;
  progress: { epochsDone: number; epochsPlanned: number; trialsDone: number; trials: number };
}
