/** Extracts a zip archive with yauzl, refusing entries that could write outside the target directory. */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { throwIfAborted } from './abort';

/** Far above any MovieLens archive; stops a zip bomb from filling the disk. */
const MAX_UNPACKED_BYTES = 4 * 1024 ** 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

export class UnsafeZipError extends Error {
  constructor(zipPath: string, reason: string) {
    super(`Refusing to extract ${zipPath}: ${reason}`);
    this.name = 'UnsafeZipError';
  }
}

/**
 * Why an entry name is unsafe, or null: no absolute paths, drive letters, backslashes or '..' segments.
 * yauzl rejects these too by default; checking here keeps the guarantee independent of its options.
 */
function unsafeName(name: string): string | null {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return `entry ${JSON.stringify(name)} has an absolute path`;
  if (name.includes('\\')) return `entry ${JSON.stringify(name)} contains a backslash`;
  if (name.split('/').includes('..')) return `entry ${JSON.stringify(name)} has a '..' segment`;
  return null;
}

export async function extractZip(zipPath: string, destDir: string, signal?: AbortSignal): Promise<void> {
  await mkdir(destDir, { recursive: true });
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (error, file) =>
      error ? reject(new UnsafeZipError(zipPath, `not a valid zip (${error.message})`)) : resolve(file),
    ),
  );
  let unpacked = 0;
  const extractEntry = async (entry: yauzl.Entry): Promise<void> => {
    throwIfAborted(signal, 'Extracting the archive');
    const name = entry.fileName;
    const reason = unsafeName(name);
    if (reason) throw new UnsafeZipError(zipPath, reason);
    if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) throw new UnsafeZipError(zipPath, `entry ${JSON.stringify(name)} is a symbolic link`);
    const target = join(destDir, name);
    if (name.endsWith('/')) {
      await mkdir(target, { recursive: true });
      return;
    }
    unpacked += entry.uncompressedSize;
    if (unpacked > MAX_UNPACKED_BYTES) throw new UnsafeZipError(zipPath, `it unpacks to more than ${MAX_UNPACKED_BYTES} bytes`);
    await mkdir(dirname(target), { recursive: true });
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => zip.openReadStream(entry, (error, s) => (error ? reject(error) : resolve(s))));
    await pipeline(stream, createWriteStream(target));
  };
  try {
    await new Promise<void>((resolve, reject) => {
      // yauzl validates names itself and reports "absolute path: /x" or "invalid relative path: ../x" here.
      zip.on('error', (error: Error) => reject(new UnsafeZipError(zipPath, error.message)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => void extractEntry(entry).then(() => zip.readEntry(), reject));
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}
