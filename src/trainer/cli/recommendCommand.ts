/**
 * `vaerec recommend`: re-creates a run's split from its recorded config (checking the data is the
 * same by fingerprint), loads the saved weights and ranks the catalogue for one user, excluding
 * what the model was shown for that user (training items, or fold-in items of a held-out user).
 */
import * as path from 'node:path';
import { readRun } from '../../shared/runReader';
import type { RunRecord } from '../../shared/runSchema';
import { selectBackend } from '../backend';
import { fingerprintOf, loadDataset } from '../data/load';
import type { MovieInfo } from '../data/types';
import { topK } from '../metrics';
import { loadMultVae } from '../model/multvae';
import { loadSvae } from '../model/svae';
import type { Recommender } from '../model/types';
import { PopularityModel } from '../popularity';
import { splitSequential } from '../protocol/sequential';
import { rowsToBatch, splitStrongGeneralisation, type UserRows } from '../protocol/split';
import { MODEL_DIR } from '../train';

export interface Recommendation {
  rank: number;
  item: string;
  score: number;
  title?: string;
  year?: number;
  genres?: string[];
  /** For held-out users: the item is one of the user's held-out targets. */
  hit?: boolean;
}

export interface RecommendResult {
  runId: string;
  model: string;
  user: string;
  role: 'train' | 'validation' | 'test';
  knownItems: number;
  targets?: number;
  items: Recommendation[];
  note?: string;
}

function findRow(rows: UserRows, user: string): number {
  return rows.users.indexOf(user);
}

async function loadModel(record: RunRecord, runDir: string): Promise<Recommender> {
  const dir = path.join(runDir, record.artifacts.model ?? MODEL_DIR);
  if (record.model === 'pop') return PopularityModel.load(dir);
  await selectBackend(record.config.backend, () => undefined);
  return record.model === 'svae' ? loadSvae(dir) : loadMultVae(dir);
}

export async function recommendForUser(runDir: string, user: string, k: number, cacheDir: string): Promise<RecommendResult> {
  const entry = readRun(runDir);
  if (!entry.ok) throw new Error(`${runDir}: ${entry.reason}`);
  const record = entry.record;
  if (!record.artifacts.model) throw new Error(`${runDir}: the run has no saved weights (status ${record.status})`);
  const dataset = await loadDataset(record.config.data, { cacheDir });
  const now = fingerprintOf(dataset);
  if (record.fingerprint && JSON.stringify(now.files.map((f) => f.sha256)) !== JSON.stringify(record.fingerprint.files.map((f) => f.sha256))) {
    throw new Error(`${record.config.data.source}: the data differs from what run ${record.id} was trained on (fingerprint mismatch)`);
  }
  // SVAE's rows are histories in time order: the recommendations follow the user's last item.
  const split = (record.model === 'svae' ? splitSequential : splitStrongGeneralisation)(dataset.interactions, record.config.protocol, record.config.seed);
  let role: RecommendResult['role'] = 'train';
  let known: Int32Array;
  let targets: Set<number> | undefined;
  let row = findRow(split.train, user);
  if (row >= 0) {
    known = split.train.indices.subarray(split.train.indptr[row], split.train.indptr[row + 1]);
  } else {
    const side = findRow(split.validation.foldIn, user) >= 0 ? split.validation : findRow(split.test.foldIn, user) >= 0 ? split.test : undefined;
    if (!side) {
      const inData = dataset.interactions.users.includes(user);
      throw new Error(inData ? `user ${user} has fewer than ${record.config.protocol.minUserItems} ratings above ${record.config.protocol.minRating}, so the run has no place for them` : `user ${user} does not exist in ${record.config.data.source}`);
    }
    role = side === split.validation ? 'validation' : 'test';
    row = findRow(side.foldIn, user);
    known = side.foldIn.indices.subarray(side.foldIn.indptr[row], side.foldIn.indptr[row + 1]);
    targets = new Set(side.targets.indices.subarray(side.targets.indptr[row], side.targets.indptr[row + 1]));
  }
  const model = await loadModel(record, entry.dir);
  try {
    if (model.numItems !== split.items.length) throw new Error(`${entry.dir}: the saved model has ${model.numItems} items but the split has ${split.items.length}`);
    const batch = rowsToBatch({ users: [user], indptr: Int32Array.from([0, known.length]), indices: known });
    const scores = model.score(batch);
    const top = topK(scores, 0, model.numItems, k, known);
    const movies: Map<string, MovieInfo> | null = dataset.movies;
    const items = Array.from(top, (i, r): Recommendation => {
      const item = split.items[i];
      const movie = movies?.get(item);
      return {
        rank: r + 1,
        item,
        score: scores[i],
        ...(movie ? { title: movie.title, year: movie.year, genres: movie.genres } : {}),
        ...(targets ? { hit: targets.has(i) } : {}),
      };
    });
    return {
      runId: record.id,
      model: record.model,
      user,
      role,
      knownItems: known.length,
      ...(targets ? { targets: targets.size } : {}),
      items,
      ...(movies ? {} : { note: 'this dataset has no movie file: items are shown by id' }),
    };
  } finally {
    model.dispose();
  }
}

export function formatRecommendations(r: RecommendResult): string {
  const head = `run ${r.runId} (${r.model}), user ${r.user} (${r.role} user, ${r.knownItems} known items excluded${r.targets !== undefined ? `, ${r.targets} held-out targets` : ''})\n`;
  const lines = r.items.map((it) => {
    const what = it.title ? `${it.title}${it.genres?.length ? `  [${it.genres.join('|')}]` : ''}` : `item ${it.item}`;
    return `${String(it.rank).padStart(3)}. ${what}  score ${it.score.toFixed(4)}${it.hit ? '  HIT' : ''}`;
  });
  return head + lines.join('\n') + '\n' + (r.note ? `note: ${r.note}\n` : '');
}
