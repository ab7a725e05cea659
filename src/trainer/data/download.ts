/**
 * Downloads and caches MovieLens-1M. Everything is staged in temporary names inside the cache
 * directory and renamed into place only once verified, so the cache never holds a partial dataset.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { abortError, throwIfAborted } from './abort';
import type { LoadProgress } from './types';
import { extractZip } from './zipExtract';

export const ML_1M_URL = 'https://files.grouplens.org/datasets/movielens/ml-1m.zip';

/**
 * md5 of ml-1m.zip. GroupLens publishes an md5 next to each archive; this value is the one public
 * loaders hard-code, e.g. github.com/eli-osherovich/papers_with_code (datasets/movielens/dl_config.py),
 * and several other independent download scripts agree on it.
 */
const ML_1M_ZIP_MD5 = 'c4d9eecfca2ab87c1945afe126590906';

/** Checks of one extracted file; `gitBlobSha1` is sha1("blob <bytes>\0" + content), i.e. `git hash-object`. */
export interface MemberCheck {
  md5?: string;
  gitBlobSha1?: string;
}

/** The original MovieLens-1M files (stable since 2003). */
const ML_1M_MEMBERS: Record<string, MemberCheck> = {
  'movies.dat': { md5: 'ef9fd9ff8d1b33faf73e2122c371e910' },
  'users.dat': { md5: '681c0711d0d4548cd3d4718a49c2dcd8' },
  'ratings.dat': { gitBlobSha1: '77a7c4b150f588c23bb9e1f068aa996c0b413695' },
};

export interface ExpectedArchive {
  bytes: number;
  md5?: string;
  sha256?: string;
  /** Per extracted file (by name, in the directory holding ratings.dat); none are checked when omitted. */
  members?: Record<string, MemberCheck>;
}

export interface DownloadOptions {
  url?: string;
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
  /** Overrides the built-in checks of the official archive (zip md5 and the three .dat files). */
  expected?: ExpectedArchive;
}

export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

const DATASET_DIR = 'ml-1m';
/** Written last, inside the staged directory before its rename: its presence means a complete, verified copy. */
const COMPLETE_MARKER = '.vaerec-complete.json';
const MAX_REDIRECTS = 5;
const IDLE_TIMEOUT_MS = 60_000;

/** Returns the directory holding ratings.dat and movies.dat, downloading it first if the cache lacks it. */
export async function ensureMovieLens1M(cacheDir: string, opts: DownloadOptions = {}): Promise<string> {
  const target = join(cacheDir, DATASET_DIR);
  if (isComplete(target)) return target;
  const url = opts.url ?? ML_1M_URL;
  const expected: Omit<ExpectedArchive, 'bytes'> & { bytes?: number } = opts.expected ?? { md5: ML_1M_ZIP_MD5, members: ML_1M_MEMBERS };

  await mkdir(cacheDir, { recursive: true });
  const staging = join(cacheDir, `.${DATASET_DIR}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const zipPath = `${staging}.zip.part`;
  const extractDir = `${staging}.extract`;
  try {
    const archive = await download(url, zipPath, opts);
    verifyArchive(url, archive, expected);
    opts.onProgress?.({ phase: 'download', message: 'Extracting ml-1m.zip' });
    await extractZip(zipPath, extractDir, opts.signal);
    const dataDir = await findRatingsDir(extractDir);
    for (const [name, check] of Object.entries(expected.members ?? {})) await verifyMember(join(dataDir, name), check);
    await writeFile(
      join(dataDir, COMPLETE_MARKER),
      JSON.stringify({ url, bytes: archive.bytes, md5: archive.md5, completedAt: new Date().toISOString() }) + '\n',
    );
    // A copy without the marker is a leftover of an interrupted older version; replace it.
    if (existsSync(target) && !isComplete(target)) await rm(target, { recursive: true, force: true });
    try {
      await rename(dataDir, target);
    } catch (error) {
      if (!isComplete(target)) throw error; // else another process finished first: use its copy
    }
    return target;
  } finally {
    await rm(zipPath, { force: true });
    await rm(extractDir, { recursive: true, force: true });
  }
}

/** Whether ensureMovieLens1M would return without downloading (a complete, verified copy is cached). */
export function isMovieLens1MCached(cacheDir: string): boolean {
  return isComplete(join(cacheDir, DATASET_DIR));
}

function isComplete(dir: string): boolean {
  return existsSync(join(dir, 'ratings.dat')) && existsSync(join(dir, COMPLETE_MARKER));
}

interface ArchiveDigest {
  bytes: number;
  md5: string;
  sha256: string;
}

function verifyArchive(url: string, got: ArchiveDigest, expected: { bytes?: number; md5?: string; sha256?: string }): void {
  if (expected.bytes !== undefined && got.bytes !== expected.bytes) throw new DownloadError(`${url}: expected ${expected.bytes} bytes, received ${got.bytes}`);
  if (expected.md5 && got.md5 !== expected.md5.toLowerCase()) throw new DownloadError(`${url}: checksum mismatch (md5 ${got.md5}, expected ${expected.md5})`);
  if (expected.sha256 && got.sha256 !== expected.sha256.toLowerCase())
    throw new DownloadError(`${url}: checksum mismatch (sha256 ${got.sha256}, expected ${expected.sha256})`);
}

async function verifyMember(path: string, check: MemberCheck): Promise<void> {
  const size = await stat(path).then(
    (s) => s.size,
    () => null,
  );
  if (size === null) throw new DownloadError(`the archive has no ${path.split(/[\\/]/).pop()}`);
  const md5 = createHash('md5');
  const blob = createHash('sha1').update(`blob ${size}\0`);
  for await (const chunk of createReadStream(path)) {
    md5.update(chunk as Buffer);
    blob.update(chunk as Buffer);
  }
  const name = path.split(/[\\/]/).pop();
  if (check.md5 && md5.digest('hex') !== check.md5) throw new DownloadError(`extracted ${name} does not match the published file (md5 differs)`);
  if (check.gitBlobSha1 && blob.digest('hex') !== check.gitBlobSha1)
    throw new DownloadError(`extracted ${name} does not match the published file (git blob id differs)`);
}

/** The archive's top directory (ml-1m/) or the extraction root, whichever holds ratings.dat. */
async function findRatingsDir(extractDir: string): Promise<string> {
  for (const dir of [join(extractDir, DATASET_DIR), extractDir]) if (existsSync(join(dir, 'ratings.dat'))) return dir;
  throw new DownloadError('the archive has no ratings.dat (neither at its top level nor under ml-1m/)');
}

/** GETs `url` (following redirects) into `file`, hashing as it writes. */
async function download(url: string, file: string, opts: DownloadOptions): Promise<ArchiveDigest> {
  const response = await get(url, opts.signal);
  const lengthHeader = response.headers['content-length'];
  const total = lengthHeader !== undefined ? Number(lengthHeader) : NaN;
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let received = 0;
  let reportedPercent = -1;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      sha256.update(chunk);
      received += chunk.length;
      const percent = Number.isFinite(total) && total > 0 ? Math.floor((100 * received) / total) : -1;
      if (percent !== reportedPercent) {
        reportedPercent = percent;
        opts.onProgress?.({ phase: 'download', message: 'Downloading ml-1m.zip', fraction: percent >= 0 ? Math.min(1, received / total) : undefined });
      }
      callback(null, chunk);
    },
  });
  try {
    await pipeline(response, meter, createWriteStream(file), { signal: opts.signal });
  } catch (error) {
    if (opts.signal?.aborted) throw abortError('The download');
    throw new DownloadError(
      `the connection to ${url} dropped after ${received}${Number.isFinite(total) ? ` of ${total}` : ''} bytes (${(error as Error).message})`,
    );
  }
  if (Number.isFinite(total) && received !== total) throw new DownloadError(`the connection to ${url} dropped after ${received} of ${total} bytes`);
  return { bytes: received, md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}

/** The 200 response for `url`, after at most MAX_REDIRECTS redirects. */
async function get(url: string, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    throwIfAborted(signal, 'The download');
    const response = await request(current, signal);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location) {
      response.resume();
      if (redirects === MAX_REDIRECTS) throw new DownloadError(`${url}: more than ${MAX_REDIRECTS} redirects`);
      current = new URL(location, current);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new DownloadError(`${current.href}: HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`);
    }
    return response;
  }
}

function request(url: URL, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return Promise.reject(new DownloadError(`${url.href}: unsupported protocol ${url.protocol}`));
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { signal }, resolve);
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on('error', (error) => reject(signal?.aborted ? abortError('The download') : connectionError(url, error)));
  });
}

/** Errors that mean the host could not be reached at all, so the user needs another way to get the data. */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT']);

function connectionError(url: URL, error: NodeJS.ErrnoException): DownloadError {
  if (!UNREACHABLE.has(error.code ?? '')) return new DownloadError(`${url.href}: ${error.message}`);
  return new DownloadError(
    `cannot reach ${url.host} (${error.message}). Without network access, fetch ${url.href} on another machine, unzip it, ` +
      'and give its folder as the dataset (vaerec train --data DIR, or the vaerec.dataset setting in VS Code).',
  );
}
