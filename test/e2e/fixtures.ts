/**
 * Fixtures shared by the integration and e2e suites: a small MovieLens-1M-layout dataset with
 * planted taste clusters (so a model has something to learn), hand-made run directories (one per
 * status, one damaged) and the workspace settings that make Train ask no questions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricsLine, RunRecord, RunStatus } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import { generateMovies, generateRatings, writeFixture } from '../fixtures/generate';

export interface DatasetShape {
  users: number;
  items: number;
  clusters: number;
}

/** Writes a MovieLens-1M-layout dataset (ratings.dat, movies.dat) with planted taste clusters. */
export function writeClusteredDataset(dir: string, shape: DatasetShape = { users: 300, items: 200, clusters: 4 }, seed = 7): void {
  fs.mkdirSync(dir, { recursive: true });
  writeFixture(dir, 'ml-1m', generateRatings({ ...shape, seed }), generateMovies(shape.items, seed));
}

function step(n: number, epoch: number): MetricsLine {
  return { kind: 'step', step: n, epoch, time: n, loss: 500 - n, nll: 490 - n, kl: 10, beta: 0.01 * n, negElbo: 500 - n };
}

/** A finished-looking run directory written per runSchema.ts, as the trainer would leave it. */
export function writeRunFixture(runsDir: string, id: string, status: RunStatus, opts: { best?: number; createdAt?: string; name?: string } = {}): string {
  const dir = path.join(runsDir, id);
  fs.mkdirSync(dir, { recursive: true });
  const createdAt = opts.createdAt ?? '2026-01-01T12:00:00.000Z';
  const record: RunRecord = {
    schemaVersion: 1,
    id,
    name: opts.name ?? id,
    model: 'mvae',
    status,
    config: makeConfig('mvae', '/fixtures/ml-fixture', { epochs: 3, protocol: { heldoutUsers: 30 } }),
    createdAt,
    updatedAt: createdAt,
    finishedAt: status === 'running' ? undefined : createdAt,
    epochsCompleted: 3,
    steps: 6,
    epochSeconds: [1, 1, 1],
    artifacts: {},
    backend: 'cpu',
    ...(opts.best !== undefined ? { best: { epoch: 2, 'ndcg@100': opts.best }, lastValidation: { epoch: 3, 'ndcg@100': opts.best - 0.01 } } : {}),
    ...(status === 'failed' ? { error: 'fixture failure' } : {}),
  };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(record, null, 2));
  const lines: MetricsLine[] = [step(1, 1), step(2, 1), step(3, 2), step(4, 2)];
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return dir;
}

/** A run.json cut in the middle (a crash while writing without the atomic rename). */
export function writeDamagedRunFixture(runsDir: string, id: string): string {
  const dir = path.join(runsDir, id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), '{"schemaVersion": 1, "id": "' + id + '", "model": "mv');
  return dir;
}

export interface WorkspaceOptions {
  /** Absolute path of the dataset folder Train should use without asking. */
  dataset: string;
  epochs: number;
  heldoutUsers: number;
  backend?: string;
}

/** .vscode/settings.json of a test workspace: Train then starts without any quick pick. */
export function writeWorkspaceSettings(folder: string, o: WorkspaceOptions): void {
  fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
  const settings = {
    'vaerec.dataset': o.dataset,
    'vaerec.epochs': o.epochs,
    'vaerec.heldoutUsers': o.heldoutUsers,
    'vaerec.backend': o.backend ?? 'cpu',
    // Small network: the fixture has 200 items, and CI machines have 2 cores.
    'vaerec.hyperparameters': { hidden: 64, latent: 16, batchSize: 100 },
  };
  fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
}
