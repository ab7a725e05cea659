/**
 * Fuzzing of everything that reads untrusted input: the dataset parsers (every layout), the run-store
 * readers (run.json validation, metrics lines, listRuns over random directories) and the validators of
 * messages from the webview and the trainer process. Inputs are random or mutations of valid ones.
 * The contract: no crash (only the module's own clean error type), no hang, and what is accepted is
 * safe for its consumers (the Runs tree, the CLI, the dashboard) to use.
 *
 * Bounded by iterations AND time per target, so it cannot slow CI down on a busy machine. The seed is
 * printed; VAEREC_FUZZ_SEED=<seed> replays a run, VAEREC_FUZZ_MS=<ms> gives each target more time.
 * Under CI (CI=true) the seed is fixed, so a red build is reproducible and not a roll of the dice;
 * local runs draw a new seed each time and so keep exploring.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { formatRunsCsv, formatRunsJson } from '../../src/extension/dashboard/exportFormat';
import { isInferenceReply, isInferenceRequest } from '../../src/shared/inferenceMessages';
import { isValidUserId } from '../../src/shared/inferenceResults';
import { MAX_K, parseInspectorRequest } from '../../src/shared/inspectorMessages';
import { sanitizeSelection } from '../../src/extension/dashboard/selection';
import { runContextValue, runDescription, runLabel, runTooltipMarkdown } from '../../src/extension/runPresentation';
import { parseDashboardRequest } from '../../src/shared/dashboardMessages';
import { formatDuration, runDurationSeconds } from '../../src/shared/runFormat';
import { MetricsFollower, readMetricsFile } from '../../src/shared/metricsFollower';
import { listRuns, readRun, runDirFor } from '../../src/shared/runReader';
import { isValidRunId, parseMetricsLines, validateRunRecord, type RunEntry, type RunRecord } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import { isParentMessage, isTrainerMessage } from '../../src/shared/trainerMessages';
import { loadDataset } from '../../src/trainer/data/load';
import type { Dataset } from '../../src/trainer/data/types';
import { filterRows, sortRows, toRow, DETAIL_COLUMNS } from '../../webview/dashboard/runRows';
import { GENERIC_FILES, generateMovies, generateRatings, seededRandom, writeFixture, type FixtureLayout } from '../fixtures/generate';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';

after(removeTempDirs);

const CI_SEED = 20261127;
const SEED = process.env.VAEREC_FUZZ_SEED ? Number(process.env.VAEREC_FUZZ_SEED) : process.env.CI === 'true' ? CI_SEED : Math.floor(Math.random() * 2 ** 31);
const BUDGET_MS = Number(process.env.VAEREC_FUZZ_MS ?? 1000);
/** A single parse of a few-kilobyte file takes milliseconds; this long means a hang. */
const HANG_MS = 10_000;
console.log(`fuzz seed ${SEED} (replay with VAEREC_FUZZ_SEED=${SEED}), ${BUDGET_MS} ms per target`);

/** A target's own RNG, so adding a target does not change the inputs of the others. */
function rngFor(target: string): Rng {
  let h = SEED >>> 0;
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x9e3779b1) >>> 0;
  return new Rng(h);
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

/** Runs `body` for up to `maxIterations` or BUDGET_MS, whichever ends first; a failure names the seed and iteration. */
async function fuzz(target: string, maxIterations: number, body: (rng: Rng, iteration: number) => Promise<void> | void): Promise<number> {
  const rng = rngFor(target);
  const start = Date.now();
  let i = 0;
  for (; i < maxIterations && Date.now() - start < BUDGET_MS; i++) {
    try {
      await body(rng, i);
    } catch (error) {
      const e = error as Error;
      e.message = `[fuzz ${target}, seed ${SEED}, iteration ${i}] ${e.message}`;
      throw e;
    }
  }
  assert.ok(i > 0, 'at least one iteration ran');
  // How many inputs each target ran (CI's log shows it; the budget is time, so it varies with load).
  console.log(`fuzz ${target}: ${i} inputs in ${Date.now() - start} ms`);
  return i;
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} did not settle in ${HANG_MS} ms`)), HANG_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Mutations

const TOKENS = [
  '\n',
  '\r\n',
  '\r',
  '\t',
  ',',
  ';',
  '::',
  '|',
  '"',
  '""',
  ' ',
  '\0',
  '\uFEFF',
  '-',
  '.',
  'e',
  '0',
  '5',
  '9',
  '007',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1',
  '0.5',
  '5.5',
  '4.25',
  '9'.repeat(20),
  '1'.repeat(16),
  'é',
  '\u00e9',
  '😀',
  'userId,movieId,rating,timestamp',
  'movieId,title,genres',
  '"a,b"',
  '(1995)',
  '(no genres listed)',
  '\\',
  '..',
  '/',
];
const BYTES = [0x00, 0x0a, 0x0d, 0x09, 0x2c, 0x3a, 0x7c, 0x22, 0x80, 0xc3, 0xe9, 0xef, 0xbb, 0xbf, 0xff, 0xfe];

function randomBytes(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.chance(0.5) ? rng.pick(BYTES) : rng.int(256);
  return b;
}

/** One to a few byte- or line-level edits of `input`. */
function mutate(rng: Rng, input: Buffer): Buffer {
  let b = Buffer.from(input);
  const edits = 1 + rng.int(rng.chance(0.2) ? 12 : 3);
  for (let k = 0; k < edits; k++) {
    const at = b.length === 0 ? 0 : rng.int(b.length);
    switch (rng.int(10)) {
      case 0: // overwrite a byte
        if (b.length) b[at] = rng.chance(0.5) ? rng.pick(BYTES) : rng.int(256);
        break;
      case 1: // insert a token
        b = Buffer.concat([b.subarray(0, at), Buffer.from(rng.pick(TOKENS), rng.chance(0.3) ? 'latin1' : 'utf8'), b.subarray(at)]);
        break;
      case 2: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(40)))]);
        break;
      case 3: // truncate (a torn file)
        b = b.subarray(0, at);
        break;
      case 4: // random bytes
        b = Buffer.concat([b.subarray(0, at), randomBytes(rng, 1 + rng.int(16)), b.subarray(at)]);
        break;
      case 5: {
        // duplicate or drop whole lines
        const lines = b.toString('latin1').split('\n');
        const i = rng.int(lines.length);
        if (rng.chance(0.5)) lines.splice(i, 0, lines[rng.int(lines.length)]);
        else lines.splice(i, 1);
        b = Buffer.from(lines.join('\n'), 'latin1');
        break;
      }
      case 6: {
        // replace one field of one line with a token
        const lines = b.toString('latin1').split('\n');
        const i = rng.int(lines.length);
        const sep = rng.pick(['::', ',', '\t', '|', ';']);
        const fields = lines[i].split(sep);
        fields[rng.int(fields.length)] = rng.pick(TOKENS);
        lines[i] = fields.join(sep);
        b = Buffer.from(lines.join('\n'), 'latin1');
        break;
      }
      case 7: // CRLF everywhere
        b = Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
        break;
      case 8: // blank and whitespace lines
        b = Buffer.concat([b.subarray(0, at), Buffer.from(rng.pick(['\n\n', '\n   \n', '\r\n\t\r\n'])), b.subarray(at)]);
        break;
      default: // swap the delimiter of the whole file
        b = Buffer.from(
          b
            .toString('latin1')
            .split(rng.pick(['::', ',', '\t', '|']))
            .join(rng.pick(['::', ',', '\t', '|', ';', ' '])),
          'latin1',
        );
        break;
    }
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Dataset parsers

interface Corpus {
  layout: string;
  files: Record<string, Buffer>;
  /** The source to load: the directory, or one file in it. */
  source(dir: string): string;
  spec?: {
    columns?: { user: string | number; item: string | number; rating: string | number; timestamp?: string | number };
    delimiter?: string;
    hasHeader?: boolean;
  };
  movieLensRange: boolean;
}

function corpusOf(layout: FixtureLayout): Corpus['files'] {
  const dir = tempDir();
  writeFixture(
    dir,
    layout,
    generateRatings({ users: 12, items: 15, seed: 3, itemsPerUser: [2, 6] }),
    layout.startsWith('generic') ? null : generateMovies(15, 3),
  );
  return Object.fromEntries(fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name))]));
}

const CORPORA: Corpus[] = [
  { layout: 'ml-100k', files: corpusOf('ml-100k'), source: (d) => d, movieLensRange: true },
  { layout: 'movielens-dat', files: corpusOf('ml-1m'), source: (d) => d, movieLensRange: true },
  { layout: 'movielens-csv', files: corpusOf('movielens-csv'), source: (d) => d, movieLensRange: true },
  { layout: 'generic-csv', files: corpusOf('generic-csv'), source: (d) => path.join(d, GENERIC_FILES['generic-csv']), movieLensRange: false },
  { layout: 'generic-tsv', files: corpusOf('generic-tsv'), source: (d) => path.join(d, GENERIC_FILES['generic-tsv']), movieLensRange: false },
  {
    layout: 'generic-csv (columns by name, explicit delimiter)',
    files: corpusOf('generic-csv'),
    source: (d) => path.join(d, GENERIC_FILES['generic-csv']),
    spec: { columns: { user: 'user', item: 'item', rating: 'rating', timestamp: 'timestamp' }, delimiter: ',' },
    movieLensRange: false,
  },
  {
    layout: 'generic-tsv (columns by index, no header)',
    files: corpusOf('generic-tsv'),
    source: (d) => path.join(d, GENERIC_FILES['generic-tsv']),
    spec: { columns: { user: 0, item: 1, rating: 2 }, delimiter: 'tab', hasHeader: false },
    movieLensRange: false,
  },
];

/** What a successfully loaded dataset must satisfy whatever the input was. */
function checkDataset(d: Dataset, dir: string, movieLensRange: boolean, onBadRow: 'skip' | 'error'): void {
  const x = d.interactions;
  assert.ok(x.length > 0, 'a loaded dataset has ratings');
  for (const a of [x.user, x.item, x.rating]) assert.equal(a.length, x.length);
  if (x.timestamp) assert.equal(x.timestamp.length, x.length);
  for (let n = 0; n < x.length; n++) {
    assert.ok(x.user[n] >= 0 && x.user[n] < x.users.length, 'user index in range');
    assert.ok(x.item[n] >= 0 && x.item[n] < x.items.length, 'item index in range');
    assert.ok(Number.isFinite(x.rating[n]), `rating ${x.rating[n]} is finite`);
    if (movieLensRange) assert.ok(x.rating[n] >= 0.5 && x.rating[n] <= 5, `rating ${x.rating[n]} in 0.5..5`);
    if (x.timestamp) assert.ok(Number.isFinite(x.timestamp[n]), 'timestamp is finite');
  }
  for (const id of [...x.users, ...x.items]) assert.ok(typeof id === 'string' && id.trim().length > 0, `id ${JSON.stringify(id)} is non-empty`);
  // Rows are skipped only on request, and then the first five are kept as examples.
  if (onBadRow === 'error') assert.equal(d.skipped.count, 0, 'nothing is skipped unless asked');
  assert.equal(d.skipped.examples.length, Math.min(5, d.skipped.count), 'the first five skipped rows are kept as examples');
  for (const e of d.skipped.examples) assert.ok(e.startsWith(dir), `a skipped row names its file: ${e}`);
  // Duplicates were folded: each (user, item) pair is there once.
  const pairs = new Set<number>();
  for (let n = 0; n < x.length; n++) pairs.add(x.user[n] * x.items.length + x.item[n]);
  assert.equal(pairs.size, x.length, 'every (user, item) pair once');
  // The count of untitled items is what the movie file says.
  const untitled = d.movies ? x.items.filter((id) => !d.movies!.has(id)).length : 0;
  assert.equal(d.moviesMissing, untitled, 'moviesMissing counts the rated items the movie file lacks');
}

describe('fuzz: dataset parsers', () => {
  for (const corpus of CORPORA) {
    it(`${corpus.layout}: mutated files load or fail with a DataError naming the file`, async (t) => {
      const root = tempDir('vaerec-fuzz-data-');
      const outcomes = { loaded: 0, dataErrors: 0 };
      const n = await fuzz(`data ${corpus.layout}`, 400, async (rng, i) => {
        const dir = path.join(root, String(i));
        fs.mkdirSync(dir);
        const names = Object.keys(corpus.files);
        for (const name of names) {
          const original = corpus.files[name];
          const content = rng.chance(0.05) ? randomBytes(rng, rng.int(200)) : rng.chance(0.6) || names.length === 1 ? mutate(rng, original) : original;
          if (!rng.chance(0.03)) fs.writeFileSync(path.join(dir, name), content);
        }
        const onBadRow = rng.chance(0.5) ? 'skip' : 'error';
        try {
          const dataset = await withTimeout(loadDataset({ source: corpus.source(dir), onBadRow, ...corpus.spec }, { cacheDir: root }), `loading ${dir}`);
          checkDataset(dataset, dir, corpus.movieLensRange, onBadRow);
          outcomes.loaded++;
        } catch (error) {
          const e = error as Error;
          if (e.name !== 'DataError') throw new Error(`${e.name} instead of a DataError: ${e.stack}`);
          assert.ok(e.message.includes(dir), `the error names a file or directory it read: ${e.message}`);
          assert.ok(!e.message.includes('\n'), `the error is one line: ${JSON.stringify(e.message)}`);
          outcomes.dataErrors++;
        }
        fs.rmSync(dir, { recursive: true, force: true });
      });
      t.diagnostic(`${n} inputs: ${outcomes.loaded} loaded, ${outcomes.dataErrors} DataErrors`);
      // A check on the mutator (not too gentle, not too destructive); meaningless on a starved machine that managed few inputs.
      if (n >= 50) assert.ok(outcomes.loaded > 0 && outcomes.dataErrors > 0, `both outcomes occur (${JSON.stringify(outcomes)})`);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Run-store readers

const VALID_RECORD: RunRecord = {
  schemaVersion: 1,
  id: 'mvae-20260101-000000',
  name: 'mvae 2026-01-01 00:00:00',
  model: 'mvae',
  status: 'completed',
  config: makeConfig('mvae', '/data/ml-1m', { epochs: 3 }),
  pid: undefined,
  host: 'host',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:10:00.000Z',
  finishedAt: '2026-01-01T00:10:00.000Z',
  epochsCompleted: 3,
  steps: 30,
  epochSeconds: [1, 2, 3],
  timings: { loadSeconds: 1, splitSeconds: 0.5, testSeconds: 0.2, peakRssBytes: 1e8 },
  best: { epoch: 2, 'ndcg@100': 0.41 },
  lastValidation: { epoch: 3, 'ndcg@100': 0.4 },
  test: { 'ndcg@100': 0.42, 'recall@10': 0.3, 'recall@20': 0.35, 'recall@50': 0.5, users: 600 },
  fingerprint: { layout: 'movielens-dat', files: [{ name: 'ratings.dat', bytes: 10, sha256: 'a'.repeat(64) }] },
  error: undefined,
  artifacts: { model: 'model', recommendations: 'recommendations.json', split: 'split.json' },
};

const ODD_STRINGS = [
  '',
  ' ',
  '..',
  '../x',
  '/etc/passwd',
  'C:\\x',
  'a/b',
  'x'.repeat(300),
  '<img src=x onerror=alert(1)>',
  '[link](command:x)',
  '\u0000',
  'running',
  'mvae',
  '__proto__',
  'constructor',
  'NaN',
];

function randomJson(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1, 2 ** 53, -(2 ** 31), 1e308, -0, 0.5, 3, 600, 98765, 2 ** 22 + 12345]);
    case 3:
      return rng.pick(ODD_STRINGS);
    case 4:
      return rng.float() * 10 - 5;
    case 5:
      return String.fromCharCode(...Array.from({ length: rng.int(12) }, () => rng.int(0x3000)));
    case 6:
      return Array.from({ length: rng.int(5) }, () => randomJson(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let k = rng.int(6); k > 0; k--)
        setOwn(
          o,
          rng.chance(0.5)
            ? rng.pick(['id', 'type', 'runId', 'runIds', 'format', 'status', 'pid', 'best', 'config', '__proto__', 'extra'])
            : rng.pick(ODD_STRINGS),
          randomJson(rng, depth + 1),
        );
      return o;
    }
  }
}

/** As JSON.parse and structured clone create keys: "__proto__" becomes an own property, not the prototype. */
function setOwn(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Run files and webview messages both reach the host as JSON text, so inputs go through JSON once. */
const viaJson = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/** Mutates a JSON tree: removes, replaces or adds a key somewhere. */
function mutateJson(rng: Rng, v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || (depth > 0 && rng.chance(0.3))) return rng.chance(0.7) ? randomJson(rng, depth) : v;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? [...v] : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const key = keys.length && !rng.chance(0.15) ? rng.pick(keys) : Array.isArray(v) ? String(keys.length) : rng.pick(['extra', '__proto__', 'constructor', '0']);
  const target = copy as Record<string, unknown>;
  switch (rng.int(3)) {
    case 0:
      delete target[key];
      break;
    case 1:
      setOwn(target, key, randomJson(rng, depth + 1));
      break;
    default:
      setOwn(target, key, mutateJson(rng, target[key], depth + 1));
      break;
  }
  return copy;
}

/** Everything the Runs tree, the CLI, the dashboard table and the export do with an entry. */
function consume(entry: RunEntry): void {
  runLabel(entry);
  runDescription(entry);
  runTooltipMarkdown(entry);
  runContextValue(entry);
  const row = toRow({ entry, colour: 0 });
  for (const c of DETAIL_COLUMNS)
    if (row.record) {
      c.format(row.record);
      c.value(row.record);
    }
  filterRows([row], 'mvae 0.4');
  sortRows([row, row], { key: 'epochs', descending: true });
  if (entry.ok) {
    formatDuration(runDurationSeconds(entry.record));
    formatRunsCsv([{ record: entry.record, lines: [] }]);
    formatRunsJson([{ record: entry.record, lines: [] }], new Date(0));
  }
}

/** The contract of an accepted record, as its consumers rely on it. */
function checkRecord(r: RunRecord): void {
  for (const k of ['id', 'name', 'model', 'status', 'createdAt', 'updatedAt'] as const) assert.equal(typeof r[k], 'string', k);
  for (const k of ['error', 'backend', 'finishedAt', 'host'] as const) assert.ok(r[k] === undefined || typeof r[k] === 'string', k);
  assert.ok(r.pid === undefined || (Number.isSafeInteger(r.pid) && r.pid > 0), `pid ${String(r.pid)}`);
  for (const k of ['best', 'lastValidation'] as const) if (r[k] !== undefined) assert.ok(Number.isFinite(r[k]!.epoch) && Number.isFinite(r[k]!['ndcg@100']), k);
  if (r.test) for (const k of ['ndcg@100', 'recall@10', 'recall@20', 'recall@50'] as const) assert.ok(Number.isFinite(r.test[k]), `test ${k}`);
  for (const [k, v] of Object.entries(r.artifacts))
    assert.ok(typeof v === 'string' && isValidRunId(v), `artifact ${k} = ${JSON.stringify(v)} stays inside the run`);
  assert.ok(Number.isFinite(r.epochsCompleted) && Number.isFinite(r.steps) && r.epochSeconds.every(Number.isFinite));
}

describe('fuzz: run-store readers', () => {
  it('validateRunRecord: random and mutated records never throw; accepted ones are safe to display', async () => {
    await fuzz('validateRunRecord', 20_000, (rng) => {
      const input = viaJson(rng.chance(0.2) ? randomJson(rng) : mutateJson(rng, viaJson(VALID_RECORD)));
      const v = validateRunRecord(input);
      if ('reason' in v) {
        assert.equal(typeof v.reason, 'string');
        return;
      }
      checkRecord(v.record);
      consume({ ok: true, dir: '/runs/x', record: v.record });
    });
  });

  it('parseMetricsLines: random and mutated text never throws; every line kept is a step or epoch line', async () => {
    const valid =
      [
        { kind: 'step', step: 1, epoch: 1, time: 0.1, loss: 5, nll: 5, kl: 1, beta: 0, negElbo: 6 },
        { kind: 'epoch', epoch: 1, step: 1, time: 0.2, seconds: 0.2, loss: 5, nll: 5, kl: 1, beta: 0, negElbo: 6, 'val_ndcg@100': 0.1 },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n';
    await fuzz('parseMetricsLines', 20_000, (rng) => {
      const text = rng.chance(0.1) ? randomBytes(rng, rng.int(300)).toString('utf8') : mutate(rng, Buffer.from(valid.repeat(1 + rng.int(4)))).toString('utf8');
      const m = parseMetricsLines(text);
      const nonBlank = text.split('\n').filter((l) => l.trim().length > 0).length;
      assert.ok(m.lines.length + m.bad + (m.tornTail ? 1 : 0) <= nonBlank);
      for (const l of m.lines) assert.ok((l.kind === 'step' || l.kind === 'epoch') && Number.isFinite(l.step) && Number.isFinite(l.epoch));
    });
  });

  it('MetricsFollower: a file followed through random appends reads as the file read at once; thinning keeps its promises', async (t) => {
    const dir = tempDir('vaerec-fuzz-follow-');
    let polls = 0;
    const n = await fuzz('MetricsFollower', 300, async (rng, i) => {
      const file = path.join(dir, `${i}.jsonl`);
      const maxSteps = 1 + rng.int(40);
      const follower = new MetricsFollower(file, maxSteps);
      let text = '';
      const seen = [];
      for (let step = 1, appends = 1 + rng.int(12); appends > 0; appends--) {
        let chunk = '';
        for (let k = rng.int(30); k > 0; k--) {
          const line = rng.chance(0.15)
            ? JSON.stringify({ kind: 'epoch', epoch: step, step, time: step, seconds: 1, loss: 1, nll: 1, kl: 0, beta: 0, negElbo: 1 })
            : JSON.stringify({ kind: 'step', step: step++, epoch: 1, time: step, loss: 1, nll: 1, kl: 0, beta: 0, negElbo: 1 });
          chunk += (rng.chance(0.05) ? mutate(rng, Buffer.from(line)).toString('utf8') : line) + (rng.chance(0.1) ? '\r\n' : '\n');
        }
        // Appends cut anywhere, a line's halves in two appends (or a multi-byte character's).
        const cut = rng.int(chunk.length + 1);
        for (const part of [chunk.slice(0, cut), chunk.slice(cut)]) {
          fs.appendFileSync(file, part);
          text += part;
          const p = await follower.poll();
          polls++;
          if (p.resampled) seen.length = 0;
          seen.push(...(p.resampled ? follower.series.lines : p.appended));
        }
      }
      const once = await readMetricsFile(file, maxSteps);
      const followed = follower.series;
      assert.deepEqual(followed, once, 'followed = read at once');
      assert.deepEqual(seen, followed.lines, 'what the polls handed out (resampled: the whole series) is the series');
      const complete = parseMetricsLines(text.slice(0, text.lastIndexOf('\n') + 1)).lines;
      const steps = complete.filter((l) => l.kind === 'step');
      assert.equal(followed.stepLines, steps.length);
      assert.ok(Number.isInteger(Math.log2(followed.stride)), `stride ${followed.stride} is a power of two`);
      assert.deepEqual(
        followed.lines,
        complete.filter((l) => l.kind === 'epoch' || l.step % followed.stride === 0),
        'every epoch line, and exactly the steps on the stride',
      );
      assert.ok(followed.lines.filter((l) => l.kind === 'step').length <= maxSteps, 'no more step lines than the cap');
    });
    t.diagnostic(`${n} files, ${polls} polls`);
  });

  it('listRuns over random directories: never throws, ids and dirs stay inside the runs directory', async (t) => {
    const outside = tempDir('vaerec-fuzz-outside-');
    fs.writeFileSync(path.join(outside, 'run.json'), JSON.stringify({ ...VALID_RECORD, id: 'outside' }));
    const validText = JSON.stringify(VALID_RECORD, null, 2);
    let listed = 0;
    const n = await fuzz('listRuns', 300, async (rng) => {
      const runs = tempDir('vaerec-fuzz-runs-');
      for (let k = 1 + rng.int(6); k > 0; k--) {
        const name = rng.chance(0.7) ? `run-${k}` : rng.pick(['.hidden', 'with space', '-dash', 'é', 'x'.repeat(140), '..dots', 'a.b']);
        const dir = path.join(runs, name);
        const kind = rng.int(10);
        try {
          if (kind === 0)
            fs.writeFileSync(dir, 'a file, not a run'); // a stray file
          else if (kind === 1)
            fs.symlinkSync(outside, dir); // a link out of the runs directory
          else if (kind === 2)
            fs.symlinkSync(path.join(runs, 'nowhere'), dir); // dangling
          else {
            fs.mkdirSync(dir);
            if (kind === 3)
              fs.mkdirSync(path.join(dir, 'run.json')); // run.json is a directory
            else if (kind !== 4) {
              const text =
                kind === 5
                  ? randomBytes(rng, rng.int(100))
                  : kind === 6
                    ? JSON.stringify(mutateJson(rng, { ...VALID_RECORD, id: name }))
                    : mutate(rng, Buffer.from(validText));
              fs.writeFileSync(path.join(dir, 'run.json'), text);
            }
            if (rng.chance(0.5))
              fs.writeFileSync(
                path.join(dir, 'metrics.jsonl'),
                mutate(rng, Buffer.from('{"kind":"step","step":1,"epoch":1}\n{"kind":"epoch","step":1,"epoch":1}\n')),
              );
          }
        } catch {
          // a name the file system refuses (too long): skip it
        }
      }
      const root = path.resolve(runs);
      for (const e of listRuns(runs)) {
        listed++;
        const id = e.ok ? e.record.id : e.id;
        assert.ok(isValidRunId(id), `listed id ${JSON.stringify(id)} is a valid run id`);
        assert.equal(path.dirname(path.resolve(e.dir)), root, 'listed dir is directly inside the runs directory');
        assert.equal(runDirFor(runs, id), path.resolve(e.dir), 'the id resolves to the directory it was read from');
        assert.ok(!fs.lstatSync(e.dir).isSymbolicLink(), 'symbolic links are not listed as runs');
        if (e.ok) {
          assert.notEqual(e.record.id, 'outside');
          checkRecord(e.record);
        } else assert.ok(e.reason.length > 0);
        consume(e);
        await readMetricsFile(path.join(e.dir, 'metrics.jsonl'));
        assert.deepEqual(readRun(e.dir), e);
      }
      fs.rmSync(runs, { recursive: true, force: true });
    });
    t.diagnostic(`${n} directories, ${listed} entries`);
  });
});

// ---------------------------------------------------------------------------------------------
// Message validators

const VALID_REQUESTS: unknown[] = [
  { type: 'ready' },
  { type: 'select', runIds: ['a', 'run-2.x_y'] },
  { type: 'export', format: 'csv', runIds: ['a'] },
  { type: 'export', format: 'json', runIds: [] },
  { type: 'openRunFolder', runId: 'r1' },
  { type: 'stopRun', runId: 'r1' },
];
const REQUEST_KEYS: Record<string, string[]> = {
  ready: ['type'],
  select: ['type', 'runIds'],
  export: ['type', 'format', 'runIds'],
  openRunFolder: ['type', 'runId'],
  stopRun: ['type', 'runId'],
};

describe('fuzz: message validators', () => {
  it('parseDashboardRequest: never throws; accepts only exact shapes with valid run ids', async () => {
    const known = new Map<string, RunEntry>([['a', { ok: true, dir: '/runs/a', record: VALID_RECORD }]]);
    await fuzz('parseDashboardRequest', 30_000, (rng) => {
      const input = viaJson(rng.chance(0.3) ? randomJson(rng) : mutateJson(rng, rng.pick(VALID_REQUESTS)));
      const r = parseDashboardRequest(input);
      if (!r.ok) {
        assert.ok(typeof r.reason === 'string' && r.reason.length < 200, 'a short reason that does not echo the payload');
        return;
      }
      const req = r.request as Record<string, unknown>;
      assert.deepEqual(Object.keys(input as object).sort(), [...REQUEST_KEYS[r.request.type]].sort(), 'no extra or missing fields');
      if ('runId' in req) assert.ok(isValidRunId(req.runId));
      if ('runIds' in req) {
        assert.ok((req.runIds as unknown[]).every(isValidRunId));
        sanitizeSelection(req.runIds as string[], (id) => known.get(id));
      }
      assert.deepEqual(parseDashboardRequest(JSON.parse(JSON.stringify(req))), r, 'accepted requests survive a JSON round trip unchanged');
    });
  });

  it('parseInspectorRequest: never throws; accepts only exact shapes (printable user ids, k in range, valid run ids)', async () => {
    const valid: unknown[] = [
      { type: 'ready' },
      { type: 'showUser', user: '42' },
      { type: 'setK', k: 20 },
      { type: 'compare', runId: 'a' },
      { type: 'compare', runId: null },
      { type: 'loadLatent' },
      { type: 'export', scope: 'test' },
    ];
    await fuzz('parseInspectorRequest', 30_000, (rng) => {
      const input = viaJson(rng.chance(0.3) ? randomJson(rng) : mutateJson(rng, rng.pick(valid)));
      const r = parseInspectorRequest(input);
      if (!r.ok) {
        assert.ok(typeof r.reason === 'string' && r.reason.length < 200, 'a short reason that does not echo the payload');
        return;
      }
      const req = r.request as Record<string, unknown>;
      assert.deepEqual(Object.keys(req).sort(), Object.keys(input as object).sort(), 'no extra or missing fields');
      if ('user' in req) assert.ok(isValidUserId(req.user));
      if ('k' in req) assert.ok(Number.isInteger(req.k) && (req.k as number) >= 1 && (req.k as number) <= MAX_K);
      if ('runId' in req && req.runId !== null) assert.ok(isValidRunId(req.runId));
      assert.deepEqual(parseInspectorRequest(JSON.parse(JSON.stringify(req))), r, 'accepted requests survive a JSON round trip unchanged');
    });
  });

  it('inference process message validators never throw', async () => {
    await fuzz('inference validators', 20_000, (rng) => {
      const input = viaJson(
        rng.chance(0.5)
          ? randomJson(rng)
          : mutateJson(
              rng,
              rng.pick<unknown>([
                { id: 1, type: 'open', runDir: '/r', cacheDir: '/c' },
                { type: 'result', id: 1, ok: true, value: {} },
                { type: 'log', message: 'm' },
              ]),
            ),
      );
      assert.equal(typeof isInferenceRequest(input), 'boolean');
      assert.equal(typeof isInferenceReply(input), 'boolean');
    });
  });

  it('trainer IPC validators never throw', async () => {
    await fuzz('ipc validators', 20_000, (rng) => {
      const input = viaJson(
        rng.chance(0.5)
          ? randomJson(rng)
          : mutateJson(
              rng,
              rng.pick<unknown>([
                { type: 'cancel' },
                { type: 'start', config: {}, runsDir: '/r', cacheDir: '/c' },
                { type: 'done', status: 'completed', epochs: 1 },
              ]),
            ),
      );
      assert.equal(typeof isParentMessage(input), 'boolean');
      assert.equal(typeof isTrainerMessage(input), 'boolean');
    });
  });
});
