import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureMovieLens1M, isMovieLens1MCached, type ExpectedArchive } from '../../src/trainer/data/download';
import { loadDataset } from '../../src/trainer/data/load';
import { generateMovies, generateRatings, writeFixture } from '../fixtures/generate';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';
import { buildZip, type ZipEntry } from '../fixtures/zip';

/** An archive shaped like ml-1m.zip, with synthetic contents. */
function movieLensZip(extra: ZipEntry[] = []): Buffer {
  const dir = tempDir();
  writeFixture(dir, 'ml-1m', generateRatings({ users: 30, items: 40, seed: 5 }), generateMovies(40, 5));
  return buildZip([
    { name: 'ml-1m/' },
    { name: 'ml-1m/movies.dat', data: readFileSync(join(dir, 'movies.dat')) },
    { name: 'ml-1m/ratings.dat', data: readFileSync(join(dir, 'ratings.dat')) },
    { name: 'ml-1m/users.dat', data: '1::F::1::10::48067\n' },
    { name: 'ml-1m/README', data: 'synthetic\n' },
    ...extra,
  ]);
}

const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');
const expectedFor = (zip: Buffer): ExpectedArchive => ({ bytes: zip.length, md5: md5(zip) });

const good = movieLensZip();
const evilRelative = movieLensZip([{ name: '../evil', data: 'x' }]);
const evilAbsolute = buildZip([{ name: '/tmp/vaerec-evil-absolute', data: 'x' }]);
const evilSymlink = buildZip([{ name: 'ml-1m/ratings.dat', data: '/etc/passwd', symlink: true }]);

const requests = new Map<string, number>();
let base = '';
const server = http.createServer((req, res) => {
  const path = req.url ?? '/';
  requests.set(path, (requests.get(path) ?? 0) + 1);
  const send = (zip: Buffer): void => {
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length });
    res.end(zip);
  };
  switch (path) {
    case '/ml-1m.zip':
    case '/cached.zip':
      return send(good);
    case '/hop1':
      res.writeHead(301, { location: '/hop2' });
      return void res.end();
    case '/hop2':
      res.writeHead(302, { location: `${base}/ml-1m.zip` });
      return void res.end();
    case '/loop':
      res.writeHead(302, { location: '/loop' });
      return void res.end();
    case '/error':
      res.writeHead(500, 'Internal Server Error');
      return void res.end('boom');
    case '/dropped':
      res.writeHead(200, { 'content-length': good.length });
      res.write(good.subarray(0, good.length >> 1));
      return void setTimeout(() => res.socket?.destroy(), 20);
    case '/stall':
      res.writeHead(200, { 'content-length': good.length });
      res.write(good.subarray(0, 100));
      return void setTimeout(() => res.destroy(), 2000).unref();
    case '/evil-relative.zip':
      return send(evilRelative);
    case '/evil-absolute.zip':
      return send(evilAbsolute);
    case '/evil-symlink.zip':
      return send(evilSymlink);
    default:
      res.writeHead(404, 'Not Found');
      return void res.end();
  }
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  removeTempDirs();
});

/** Runs a download that must fail, and checks the error and that the cache holds nothing afterwards. */
async function failsClean(path: string, expected: ExpectedArchive, message: RegExp): Promise<void> {
  const cacheDir = tempDir();
  await assert.rejects(ensureMovieLens1M(cacheDir, { url: `${base}${path}`, expected }), (error: Error) => {
    assert.match(error.message, message);
    return true;
  });
  assert.deepEqual(readdirSync(cacheDir), []);
}

describe('ensureMovieLens1M', () => {
  it('downloads, verifies, extracts into cacheDir/ml-1m, and reuses the cache without a request', async () => {
    const cacheDir = tempDir();
    assert.equal(isMovieLens1MCached(cacheDir), false);
    const progress: (number | undefined)[] = [];
    const dir = await ensureMovieLens1M(cacheDir, { url: `${base}/cached.zip`, expected: expectedFor(good), onProgress: (p) => progress.push(p.fraction) });
    assert.equal(dir, join(cacheDir, 'ml-1m'));
    assert.deepEqual(readdirSync(cacheDir), ['ml-1m']);
    for (const name of ['ratings.dat', 'movies.dat', 'users.dat', 'README']) assert.ok(existsSync(join(dir, name)), name);
    assert.equal(progress.filter((f) => f !== undefined).at(-1), 1);
    assert.equal(requests.get('/cached.zip'), 1);
    assert.equal(isMovieLens1MCached(cacheDir), true);

    assert.equal(await ensureMovieLens1M(cacheDir, { url: `${base}/cached.zip`, expected: expectedFor(good) }), dir);
    assert.equal(requests.get('/cached.zip'), 1);
    // The named source 'ml-1m' reads the cached copy (no URL override needed: no network is used).
    const dataset = await loadDataset({ source: 'ml-1m' }, { cacheDir });
    assert.equal(dataset.layout, 'movielens-dat');
    assert.equal(dataset.interactions.length, generateRatings({ users: 30, items: 40, seed: 5 }).length);
  });

  it('follows up to 5 redirects', async () => {
    const dir = await ensureMovieLens1M(tempDir(), { url: `${base}/hop1`, expected: expectedFor(good) });
    assert.ok(existsSync(join(dir, 'ratings.dat')));
  });

  it('verifies extracted files against md5 and git blob ids', async () => {
    const dir = tempDir();
    writeFixture(dir, 'ml-1m', generateRatings({ users: 30, items: 40, seed: 5 }), generateMovies(40, 5));
    const ratings = readFileSync(join(dir, 'ratings.dat'));
    const blob = createHash('sha1').update(`blob ${ratings.length}\0`).update(ratings).digest('hex');
    const movies = md5(readFileSync(join(dir, 'movies.dat')));
    const ok = await ensureMovieLens1M(tempDir(), {
      url: `${base}/ml-1m.zip`,
      expected: { ...expectedFor(good), members: { 'ratings.dat': { gitBlobSha1: blob }, 'movies.dat': { md5: movies } } },
    });
    assert.ok(existsSync(ok));
    await failsClean(
      '/ml-1m.zip',
      { ...expectedFor(good), members: { 'ratings.dat': { gitBlobSha1: '0'.repeat(40) } } },
      /ratings.dat does not match the published file \(git blob id differs\)/,
    );
    await failsClean(
      '/ml-1m.zip',
      { ...expectedFor(good), members: { 'users.dat': { md5: '0'.repeat(32) } } },
      /users.dat does not match the published file \(md5 differs\)/,
    );
  });

  it('checksum or size mismatch', async () => {
    await failsClean('/ml-1m.zip', { bytes: good.length, md5: '0'.repeat(32) }, /checksum mismatch \(md5/);
    await failsClean('/ml-1m.zip', { bytes: good.length, sha256: 'f'.repeat(64) }, /checksum mismatch \(sha256/);
    await failsClean('/ml-1m.zip', { bytes: good.length + 1 }, new RegExp(`expected ${good.length + 1} bytes, received ${good.length}`));
  });

  it('HTTP errors name the status', async () => {
    await failsClean('/missing.zip', expectedFor(good), /HTTP 404 Not Found/);
    await failsClean('/error', expectedFor(good), /HTTP 500 Internal Server Error/);
  });

  it('an unreachable host says how to get the data without network', async () => {
    const cacheDir = tempDir();
    await assert.rejects(ensureMovieLens1M(cacheDir, { url: 'http://127.0.0.1:1/ml-1m.zip' }), (error: Error) => {
      assert.match(
        error.message,
        /^cannot reach 127\.0\.0\.1:1 \(.*ECONNREFUSED.*\)\. Without network access, fetch http:\/\/127\.0\.0\.1:1\/ml-1m\.zip .*--data DIR/,
      );
      return true;
    });
    assert.deepEqual(readdirSync(cacheDir), []);
  });

  it('endless redirects stop after 5', async () => {
    await failsClean('/loop', expectedFor(good), /more than 5 redirects/);
    assert.equal(requests.get('/loop'), 6);
  });

  it('a connection dropped mid-file', async () => {
    await failsClean('/dropped', expectedFor(good), /connection to .* dropped after \d+ of \d+ bytes/);
  });

  it('refuses zips with a "../" entry, an absolute entry or a symlink, writing nothing outside', async () => {
    const parent = tempDir();
    const cacheDir = join(parent, 'cache');
    await assert.rejects(
      ensureMovieLens1M(cacheDir, { url: `${base}/evil-relative.zip`, expected: expectedFor(evilRelative) }),
      /Refusing to extract .*\.\.\/evil/,
    );
    assert.deepEqual(readdirSync(cacheDir), []);
    assert.deepEqual(readdirSync(parent), ['cache']);
    await failsClean('/evil-absolute.zip', expectedFor(evilAbsolute), /Refusing to extract .*absolute path/);
    assert.equal(existsSync('/tmp/vaerec-evil-absolute'), false);
    await failsClean('/evil-symlink.zip', expectedFor(evilSymlink), /Refusing to extract .*symbolic link/);
  });

  it('an aborted signal: AbortError, nothing left behind', async () => {
    const controller = new AbortController();
    controller.abort();
    const cacheDir = tempDir();
    await assert.rejects(
      ensureMovieLens1M(cacheDir, { url: `${base}/ml-1m.zip`, expected: expectedFor(good), signal: controller.signal }),
      (e: Error) => e.name === 'AbortError',
    );
    assert.deepEqual(readdirSync(cacheDir), []);
  });

  it('cancelling mid-download: AbortError, the partial file removed', async () => {
    const controller = new AbortController();
    const cacheDir = tempDir();
    const download = ensureMovieLens1M(cacheDir, {
      url: `${base}/stall`,
      expected: expectedFor(good),
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await assert.rejects(download, (e: Error) => e.name === 'AbortError');
    assert.deepEqual(readdirSync(cacheDir), []);
  });

  it('a cache directory with ratings.dat but no completion marker is downloaded again', async () => {
    const cacheDir = tempDir();
    await ensureMovieLens1M(cacheDir, { url: `${base}/ml-1m.zip`, expected: expectedFor(good) });
    const marker = readdirSync(join(cacheDir, 'ml-1m')).find((f) => f.startsWith('.'));
    assert.ok(marker);
    rmSync(join(cacheDir, 'ml-1m', marker));
    const before = requests.get('/ml-1m.zip') ?? 0;
    await ensureMovieLens1M(cacheDir, { url: `${base}/ml-1m.zip`, expected: expectedFor(good) });
    assert.equal(requests.get('/ml-1m.zip'), before + 1);
    assert.deepEqual(readdirSync(cacheDir), ['ml-1m']);
    assert.ok(existsSync(join(cacheDir, 'ml-1m', marker)));
  });
});
