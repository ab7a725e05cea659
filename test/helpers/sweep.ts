/** What the sweep suites share: a small fixture, sweep files in temporary folders, and the shapes of the CLI's sweep answers. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeFixtureDir } from '../fixtures/generate';
import { removeLater, tempDir } from '../fixtures/tempDir';

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

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** The only sweep directory under `sweeps`, or undefined. */
export function onlySweepDir(sweeps: string): string | undefined {
  const ids = fs.existsSync(sweeps) ? fs.readdirSync(sweeps) : [];
  return ids.length === 1 ? path.join(sweeps, ids[0]) : undefined;
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
