/**
 * Inference on a finished run, shared by `vaerec recommend` / `vaerec export` and the inspector's
 * inference process: re-creates the run's split from its recorded config (checking by fingerprint
 * that the data is what the run was trained on), loads the saved weights once, and answers per-user
 * questions. Recommendations exclude what the model was shown for the user (training items, or a
 * held-out user's fold-in items), so CLI and inspector give the same list by construction.
 */
import * as path from 'node:path';
import type {
  Because,
  ExportSummary,
  HistoryItem,
  LatentSpace,
  Recommendation,
  RecommendResult,
  RunInfo,
  UserRole,
  UserSet,
  UserSummary,
  UserView,
} from '../../shared/inferenceResults';
import { EXPLAIN_METHOD_TEXT, formatBecauseShare } from '../../shared/inferenceResults';
import { csvLine } from '../../shared/csv';
import { MODEL_INFO } from '../../shared/modelKinds';
import { MODEL_DIR } from '../../shared/runLayout';
import { readRun } from '../../shared/runReader';
import type { DataSourceSpec, RunRecord } from '../../shared/runSchema';
import { selectBackend } from '../backend';
import { fingerprintOf, loadDataset } from '../data/load';
import type { Dataset, MovieInfo } from '../data/types';
import { evaluateHeldOut } from '../evaluate';
import { ndcgAtK, recallAtK, topK } from '../metrics';
import { isDeviceRecommender, type Recommender, type SparseBatch } from '../model/types';
import { TRAINER_KINDS } from '../modelKinds';
import { rowsToBatch, type HeldOut, type Split, type UserRows } from '../protocol/split';
import { explainRecommendations } from './explain';
import { pca } from './pca';

/**
 * A user-facing problem, reported as one clear line. `badRequest`: the question was wrong (unknown
 * user, bad k; the CLI exits 2); otherwise the run cannot answer (damaged, no weights, other data;
 * exit 1).
 */
export class InspectError extends Error {
  constructor(
    message: string,
    readonly badRequest = false,
  ) {
    super(message);
    this.name = 'InspectError';
  }
}

type Encoder = Recommender & { encode(batch: SparseBatch): Float32Array; readonly config: { latent: number } };

function hasEncoder(m: Recommender): m is Encoder {
  return typeof (m as Partial<Encoder>).encode === 'function';
}

/** A dataset with its rows grouped by user, loaded once and shared by every run trained on it. */
export interface LoadedData {
  dataset: Dataset;
  /** Original user id -> index into dataset.interactions.users. */
  userIndex: Map<string, number>;
  /** Rows of user u: order[start[u] .. start[u + 1]). */
  start: Int32Array;
  order: Int32Array;
}

function groupRows(dataset: Dataset): LoadedData {
  const { users, user, length } = dataset.interactions;
  const start = new Int32Array(users.length + 1);
  for (let r = 0; r < length; r++) start[user[r] + 1]++;
  for (let u = 0; u < users.length; u++) start[u + 1] += start[u];
  const fill = start.slice(0, users.length);
  const order = new Int32Array(length);
  for (let r = 0; r < length; r++) order[fill[user[r]]++] = r;
  return { dataset, userIndex: new Map(users.map((id, i) => [id, i])), start, order };
}

/** Datasets by source spec and cache directory: the inspector's comparison run usually shares the data. */
export class DatasetCache {
  private readonly loaded = new Map<string, Promise<LoadedData>>();

  get(spec: DataSourceSpec, cacheDir: string): Promise<LoadedData> {
    const key = JSON.stringify([spec, cacheDir]);
    let entry = this.loaded.get(key);
    if (!entry) {
      entry = loadDataset(spec, { cacheDir }).then(groupRows);
      // A failed load is not cached: the user may fix the data and try again.
      entry.catch(() => this.loaded.delete(key));
      this.loaded.set(key, entry);
    }
    return entry;
  }
}

interface Located {
  role: UserRole;
  row: number;
  /** Item indices the model sees for this user. */
  known: Int32Array;
  /** Held-out targets (validation and test users). */
  targets?: Set<number>;
}

function rowOf(rows: UserRows, r: number): Int32Array {
  return rows.indices.subarray(rows.indptr[r], rows.indptr[r + 1]);
}

export async function loadRunModel(record: RunRecord, runDir: string): Promise<Recommender> {
  const dir = path.join(runDir, record.artifacts.model ?? MODEL_DIR);
  const kind = TRAINER_KINDS[record.model];
  // A few small batches, answered synchronously: the host models serve them (on webgpu, results come back asynchronously).
  if (kind.create) await selectBackend(record.config.backend, () => undefined, { webgpu: false });
  const model = await kind.load(dir);
  if (isDeviceRecommender(model)) throw new Error(`${dir}: loaded on the GPU, where it cannot answer synchronously`);
  return model;
}

export class RunInspector {
  private readonly itemIndex: Map<string, number>;
  private readonly locations = new Map<string, { side: 'train' | 'validation' | 'test'; row: number }>();
  private summaries: UserSummary[] | undefined;
  private latentSpace: LatentSpace | undefined;

  private constructor(
    readonly record: RunRecord,
    readonly runDir: string,
    private readonly data: LoadedData,
    readonly split: Split,
    private readonly model: Recommender,
  ) {
    this.itemIndex = new Map(split.items.map((id, i) => [id, i]));
    split.train.users.forEach((u, row) => this.locations.set(u, { side: 'train', row }));
    split.validation.users.forEach((u, row) => this.locations.set(u, { side: 'validation', row }));
    split.test.users.forEach((u, row) => this.locations.set(u, { side: 'test', row }));
  }

  static async open(runDir: string, opts: { cacheDir: string; datasets?: DatasetCache }): Promise<RunInspector> {
    const entry = readRun(runDir);
    if (!entry.ok) throw new InspectError(`${runDir}: ${entry.reason}`);
    const record = entry.record;
    if (!record.artifacts.model) throw new InspectError(`${runDir}: the run has no saved weights (status ${record.status})`);
    const data = await (opts.datasets ?? new DatasetCache()).get(record.config.data, opts.cacheDir);
    const now = fingerprintOf(data.dataset);
    if (record.fingerprint && JSON.stringify(now.files.map((f) => f.sha256)) !== JSON.stringify(record.fingerprint.files.map((f) => f.sha256))) {
      throw new InspectError(`${record.config.data.source}: the data differs from what run ${record.id} was trained on (fingerprint mismatch)`);
    }
    // The split training made (for a sequential model, histories in time order: its
    // recommendations follow the user's last item).
    const split = TRAINER_KINDS[record.model].split(data.dataset.interactions, record.config.protocol, record.config.seed);
    const model = await loadRunModel(record, entry.dir);
    if (model.numItems !== split.items.length) {
      model.dispose();
      throw new InspectError(`${entry.dir}: the saved model has ${model.numItems} items but the split has ${split.items.length}`);
    }
    return new RunInspector(record, entry.dir, data, split, model);
  }

  get movies(): Map<string, MovieInfo> | null {
    return this.data.dataset.movies;
  }

  info(): RunInfo {
    return {
      runId: this.record.id,
      name: this.record.name,
      model: this.record.model,
      dataSource: this.record.config.data.source,
      hasMovies: this.movies !== null,
      items: this.split.items.length,
      users: { train: this.split.train.users.length, validation: this.split.validation.users.length, test: this.split.test.users.length },
      hasLatent: hasEncoder(this.model),
    };
  }

  private heldOut(side: 'validation' | 'test'): HeldOut {
    return side === 'validation' ? this.split.validation : this.split.test;
  }

  /** Where the user is in the run, or a clear reason why they are not. */
  locate(user: string): Located {
    const at = this.locations.get(user);
    if (!at) {
      const inData = this.data.userIndex.has(user);
      const p = this.record.config.protocol;
      throw new InspectError(
        inData
          ? `user ${user} has fewer than ${p.minUserItems} ratings above ${p.minRating}, so the run has no place for them`
          : `user ${user} does not exist in ${this.record.config.data.source}`,
        true,
      );
    }
    if (at.side === 'train') return { role: 'train', row: at.row, known: rowOf(this.split.train, at.row) };
    const h = this.heldOut(at.side);
    return { role: at.side, row: at.row, known: rowOf(h.foldIn, at.row), targets: new Set(rowOf(h.targets, at.row)) };
  }

  private describe(item: number, rank: number, score: number, targets?: Set<number>): Recommendation {
    const id = this.split.items[item];
    const movie = this.movies?.get(id);
    return {
      rank,
      item: id,
      score,
      ...(movie ? { title: movie.title, year: movie.year, genres: movie.genres } : {}),
      ...(targets ? { hit: targets.has(item) } : {}),
    };
  }

  /** The top k for a user; with `explain`, each with the user's items behind it (explain.ts), where the model's scores depend on them. */
  recommend(user: string, k: number, options: { explain?: boolean } = {}): RecommendResult {
    if (!Number.isInteger(k) || k < 1) throw new InspectError(`k must be a positive integer (got ${k})`, true);
    const at = this.locate(user);
    const scores = this.model.score(rowsToBatch({ users: [user], indptr: Int32Array.from([0, at.known.length]), indices: at.known }));
    // Ranked deep enough for NDCG@100 even when fewer are shown.
    const ranked = topK(scores, 0, this.model.numItems, Math.max(k, 100), at.known);
    const shown = ranked.subarray(0, k);
    const items = Array.from(shown, (i, r) => this.describe(i, r + 1, scores[i], at.targets));
    const method = options.explain ? MODEL_INFO[this.record.model].explain : undefined;
    if (method) {
      const reasons = explainRecommendations(method, this.model, at.known, scores, shown);
      items.forEach((it, r) => (it.because = reasons[r].map((reason) => this.because(at.known[reason.known], reason.share))));
    }
    const targets = at.targets;
    return {
      runId: this.record.id,
      model: this.record.model,
      user,
      role: at.role,
      knownItems: at.known.length,
      ...(targets ? { targets: targets.size } : {}),
      items,
      ...(targets && targets.size > 0 ? { metrics: { 'ndcg@100': ndcgAtK(ranked, targets, 100), 'recall@20': recallAtK(ranked, targets, 20) } } : {}),
      ...(method ? { explainMethod: method } : {}),
      ...(this.movies ? {} : { note: 'this dataset has no movie file: items are shown by id' }),
    };
  }

  private because(item: number, share: number): Because {
    const id = this.split.items[item];
    const title = this.movies?.get(id)?.title;
    return { item: id, ...(title ? { title } : {}), share };
  }

  /** Every rating of the user in the dataset, marked by how the run used it. */
  history(user: string): { items: HistoryItem[]; timeOrdered: boolean } {
    const at = this.locate(user);
    const { interactions } = this.data.dataset;
    const u = this.data.userIndex.get(user);
    if (u === undefined) return { items: [], timeOrdered: false };
    const known = new Set(at.known);
    const rows = Array.from(this.data.order.subarray(this.data.start[u], this.data.start[u + 1]));
    const ts = interactions.timestamp;
    if (ts) rows.sort((a, b) => ts[a] - ts[b] || a - b);
    const items = rows.map((r): HistoryItem => {
      const id = interactions.items[interactions.item[r]];
      const index = this.itemIndex.get(id) ?? -1;
      const mark = index < 0 ? 'unused' : known.has(index) ? (at.role === 'train' ? 'train' : 'fold-in') : at.targets?.has(index) ? 'held-out' : 'unused';
      const movie = this.movies?.get(id);
      return {
        item: id,
        ...(movie ? { title: movie.title, year: movie.year, genres: movie.genres } : {}),
        rating: interactions.rating[r],
        ...(ts ? { timestamp: ts[r] } : {}),
        mark,
      };
    });
    return { items, timeOrdered: ts !== null };
  }

  userView(user: string, k: number): UserView {
    const result = this.recommend(user, k, { explain: true });
    const { items, timeOrdered } = this.history(user);
    return { result, history: items, timeOrdered };
  }

  /** All users of the run with their activity, and NDCG@100 for held-out users (one batched pass). */
  users(): UserSummary[] {
    if (this.summaries) return this.summaries;
    const out: UserSummary[] = [];
    for (const side of ['test', 'validation'] as const) {
      const h = this.heldOut(side);
      const perUser = evaluateHeldOut(this.model, h, 1).perUser ?? [];
      h.users.forEach((user, r) => {
        const ndcg = perUser[r]?.metrics['ndcg@100'];
        const activity = h.foldIn.indptr[r + 1] - h.foldIn.indptr[r] + h.targets.indptr[r + 1] - h.targets.indptr[r];
        out.push({ user, role: side, activity, ...(ndcg !== undefined && !Number.isNaN(ndcg) ? { ndcg } : {}) });
      });
    }
    const t = this.split.train;
    t.users.forEach((user, r) => out.push({ user, role: 'train', activity: t.indptr[r + 1] - t.indptr[r] }));
    this.summaries = out;
    return out;
  }

  /** PCA of every user's posterior mean (held-out users from their fold-in items), with genre affinities. */
  latent(): LatentSpace {
    if (this.latentSpace) return this.latentSpace;
    const model = this.model;
    if (!hasEncoder(model))
      throw new InspectError(
        `run ${this.record.id} (${this.record.model}) has no latent space to project (${MODEL_INFO[this.record.model].noLatent ?? 'the model encodes no users'})`,
        true,
      );
    const sets: UserRows[] = [this.split.train, this.split.validation.foldIn, this.split.test.foldIn];
    const users = sets.flatMap((s) => s.users);
    const latentDims = model.config.latent;
    const means = new Float32Array(users.length * latentDims);
    let offset = 0;
    for (const s of sets) {
      means.set(model.encode(rowsToBatch(s)), offset);
      offset += s.users.length * latentDims;
    }
    const p = pca(means, users.length, latentDims, 2);

    const genreIndex = new Map<string, number>();
    const movies = this.movies;
    if (movies) for (const id of this.split.items) for (const g of movies.get(id)?.genres ?? []) if (!genreIndex.has(g)) genreIndex.set(g, genreIndex.size);
    const genres = [...genreIndex.keys()].sort();
    const order = new Map(genres.map((g, i) => [g, i]));
    const itemGenres = this.split.items.map((id) => (movies?.get(id)?.genres ?? []).map((g) => order.get(g) ?? -1).filter((g) => g >= 0));
    const affinity = genres.map(() => new Array<number>(users.length).fill(0));
    const activity: number[] = [];
    const targetsOf = new Map<UserRows, UserRows>([
      [this.split.validation.foldIn, this.split.validation.targets],
      [this.split.test.foldIn, this.split.test.targets],
    ]);
    let u = 0;
    for (const s of sets) {
      for (let r = 0; r < s.users.length; r++, u++) {
        const row = rowOf(s, r);
        // Activity as the picker counts it (held-out users: fold-in + held-out items); the genre
        // affinity is over the items the model encoded.
        activity.push(row.length + (targetsOf.get(s)?.indptr[r + 1] ?? 0) - (targetsOf.get(s)?.indptr[r] ?? 0));
        for (const i of row) for (const g of itemGenres[i]) affinity[g][u] += 1;
        if (row.length > 0) for (const a of affinity) a[u] /= row.length;
      }
    }
    const round = (x: number) => Math.round(x * 1e4) / 1e4;
    const total = p.totalVariance || 1;
    this.latentSpace = {
      runId: this.record.id,
      users,
      x: Array.from(p.projections[0], round),
      y: Array.from(p.projections[1] ?? new Float64Array(users.length), round),
      activity,
      genres,
      affinity: affinity.map((a) => a.map(round)),
      explained: [p.variances[0] / total, (p.variances[1] ?? 0) / total],
      latentDims,
    };
    return this.latentSpace;
  }

  /** The users a set names, in the run's order. */
  usersOf(set: UserSet): string[] {
    if (set === 'test') return [...this.split.test.users];
    if (set === 'validation') return [...this.split.validation.users];
    return [...this.split.train.users, ...this.split.validation.users, ...this.split.test.users];
  }

  /** One CSV row per recommendation: what `vaerec export` writes and the inspector's Export saves. */
  exportCsv(users: UserSet | readonly string[], k: number): ExportSummary {
    const list = typeof users === 'string' ? this.usersOf(users) : [...users];
    let csv = csvLine(['run_id', 'model', 'user', 'role', 'rank', 'item', 'score', 'title', 'year', 'genres', 'hit']);
    let rows = 0;
    for (const user of list) {
      const r = this.recommend(user, k);
      for (const it of r.items) {
        csv += csvLine([
          r.runId,
          r.model,
          r.user,
          r.role,
          it.rank,
          it.item,
          it.score,
          it.title,
          it.year,
          it.genres?.join('|'),
          it.hit === undefined ? '' : it.hit ? 1 : 0,
        ]);
        rows++;
      }
    }
    return { csv, rows, users: list.length };
  }

  dispose(): void {
    this.model.dispose();
  }
}

export function formatRecommendations(r: RecommendResult): string {
  const head = `run ${r.runId} (${r.model}), user ${r.user} (${r.role} user, ${r.knownItems} known items excluded${r.targets !== undefined ? `, ${r.targets} held-out targets` : ''})\n`;
  const metrics = r.metrics ? `NDCG@100 ${r.metrics['ndcg@100'].toFixed(4)}  Recall@20 ${r.metrics['recall@20'].toFixed(4)}\n` : '';
  const lines = r.items.map((it) => {
    const what = it.title ? `${it.title}${it.genres?.length ? `  [${it.genres.join('|')}]` : ''}` : `item ${it.item}`;
    const line = `${String(it.rank).padStart(3)}. ${what}  score ${it.score.toFixed(4)}${it.hit ? '  HIT' : ''}`;
    const method = r.explainMethod;
    if (!it.because || !method) return line;
    const reasons = it.because.map((b) => `${b.title ?? `item ${b.item}`} (${formatBecauseShare(b.share, method)})`);
    return `${line}\n       because you liked: ${reasons.length > 0 ? reasons.join(', ') : '-'}`;
  });
  const method = r.explainMethod ? `because you liked: ${EXPLAIN_METHOD_TEXT[r.explainMethod]}\n` : '';
  return head + metrics + method + lines.join('\n') + '\n' + (r.note ? `note: ${r.note}\n` : '');
}
