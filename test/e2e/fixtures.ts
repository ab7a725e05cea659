/**
 * Fixtures shared by the integration and e2e suites: a small MovieLens-1M-layout dataset with
 * planted taste clusters (so a model has something to learn), hand-made run directories (one per
 * status, one damaged) and the workspace settings that make Train ask no questions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricsLine, RunRecord, RunStatus } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';

/** Deterministic PRNG (mulberry32): the fixture is the same at every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DatasetShape {
  users: number;
  items: number;
  clusters: number;
}

/**
 * Writes ratings.dat and movies.dat (`::` separated, ids from 1). Each user belongs to one of the
 * clusters, rates mostly items of its cluster highly (4-5) and a few others low (1-3).
 */
export function writeClusteredDataset(dir: string, shape: DatasetShape = { users: 300, items: 200, clusters: 4 }, seed = 7): void {
  fs.mkdirSync(dir, { recursive: true });
  const rand = rng(seed);
  const genres = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi'];
  const movies: string[] = [];
  for (let item = 1; item <= shape.items; item++) {
    const cluster = (item - 1) % shape.clusters;
    movies.push(`${item}::Fixture Movie ${item} (${1990 + (item % 30)})::${genres[cluster % genres.length]}`);
  }
  const ratings: string[] = [];
  const perCluster = Math.ceil(shape.items / shape.clusters);
  for (let user = 1; user <= shape.users; user++) {
    const cluster = (user - 1) % shape.clusters;
    const rated = new Set<number>();
    const liked = 12 + Math.floor(rand() * 12);
    while (rated.size < liked) rated.add(cluster + 1 + shape.clusters * Math.floor(rand() * perCluster));
    const others = 3 + Math.floor(rand() * 5);
    for (let i = 0; i < others; i++) rated.add(1 + Math.floor(rand() * shape.items));
    for (const item of rated) {
      if (item > shape.items) continue;
      const inCluster = (item - 1) % shape.clusters === cluster;
      const rating = inCluster ? 4 + Math.floor(rand() * 2) : 1 + Math.floor(rand() * 3);
      ratings.push(`${user}::${item}::${rating}::${978300000 + ratings.length}`);
    }
  }
  fs.writeFileSync(path.join(dir, 'movies.dat'), movies.join('\n') + '\n', 'latin1');
  fs.writeFileSync(path.join(dir, 'ratings.dat'), ratings.join('\n') + '\n');
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
