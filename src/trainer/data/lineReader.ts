/**
 * Streams a text file line by line in large chunks, hashing it on the way, so that multi-million-line
 * ratings files are read in one pass with bounded memory (readline is several times slower here).
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { basename } from 'node:path';
import { throwIfAborted } from './abort';
import { openDataFile } from './dataFile';

export interface FileDigest {
  name: string;
  path: string;
  bytes: number;
  sha256: string;
}

/**
 * 'latin1': one byte per character (ASCII ratings files, ML-100K/ML-1M metadata).
 * 'utf8': UTF-8 (generic files).
 * 'utf8-or-latin1': each line decoded as UTF-8 when it is valid UTF-8, else as Latin-1 (ML-10M mixes both).
 */
export type LineDecoding = 'latin1' | 'utf8' | 'utf8-or-latin1';

export interface LineReaderOptions {
  decoding: LineDecoding;
  signal?: AbortSignal;
  /** Called after each chunk with the fraction of the file read. */
  onChunk?: (fraction: number) => void;
  /** Called once the file is open, with its size in bytes. */
  onSize?: (bytes: number) => void;
}

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Reads the file in large chunks and calls `onBlock` with runs of whole lines: `buffer[start, end)` holds
 * one or more lines separated by '\n', without the final newline (the last block of a file without a
 * final newline is simply its last line). A UTF-8 byte-order mark is dropped. Returns size and sha256,
 * hashed from the same reads.
 */
export async function readLineBlocks(
  path: string,
  options: LineReaderOptions,
  onBlock: (buffer: Buffer, start: number, end: number) => void,
): Promise<FileDigest> {
  const { handle, size: total } = await openDataFile(path);
  options.onSize?.(total);
  const hash = createHash('sha256');
  let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let pending = 0; // bytes of an unfinished line kept at the start of `buffer`
  let bytes = 0;
  try {
    for (;;) {
      throwIfAborted(options.signal, `Reading ${basename(path)}`);
      // A line longer than the buffer: grow it rather than splitting the line.
      if (pending === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
      const { bytesRead } = await handle.read(buffer, pending, buffer.length - pending, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(pending, pending + bytesRead));
      let start = 0;
      if (bytes === 0 && bytesRead >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) start = 3;
      bytes += bytesRead;
      const end = pending + bytesRead;
      const lastNewline = buffer.lastIndexOf(NEWLINE, end - 1);
      if (lastNewline >= start) {
        onBlock(buffer, start, lastNewline);
        start = lastNewline + 1;
      }
      pending = end - start;
      buffer.copy(buffer, 0, start, end);
      options.onChunk?.(total > 0 ? Math.min(1, bytes / total) : 1);
    }
    if (pending > 0) onBlock(buffer, 0, pending);
  } finally {
    await handle.close();
  }
  return { name: basename(path), path, bytes, sha256: hash.digest('hex') };
}

/**
 * Calls `onLine` for every non-blank line, decoded, with its 1-based line number; a trailing '\r'
 * (CRLF files) is removed. Returns the file's size and sha256.
 */
export async function forEachLine(path: string, options: LineReaderOptions, onLine: (line: string, lineNo: number) => void): Promise<FileDigest> {
  let lineNo = 0;
  return readLineBlocks(path, options, (buffer, start, end) => {
    for (let line of decode(buffer.subarray(start, end), options.decoding).split('\n')) {
      lineNo++;
      if (line.length > 0 && line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1);
      if (line.length === 0 || line.trim().length === 0) continue;
      onLine(line, lineNo);
    }
  });
}

/**
 * Like forEachLine but hands over the raw bytes `buffer[start, end)` of each non-blank line (without
 * '\r\n'), so hot parsers can read numbers without creating strings. The buffer is reused: copy what you keep.
 */
export async function forEachLineBytes(
  path: string,
  options: LineReaderOptions,
  onLine: (buffer: Buffer, start: number, end: number, lineNo: number) => void,
): Promise<FileDigest> {
  let lineNo = 0;
  return readLineBlocks(path, options, (buffer, start, end) => {
    let from = start;
    while (from <= end) {
      let to = buffer.indexOf(NEWLINE, from);
      if (to === -1 || to > end) to = end;
      lineNo++;
      let last = to;
      if (last > from && buffer[last - 1] === CR) last--;
      if (last > from && !isBlank(buffer, from, last)) onLine(buffer, from, last, lineNo);
      from = to + 1;
    }
  });
}

function isBlank(buffer: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buffer[i];
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}

/** Decodes whole lines (the slice never ends inside a line, so no multi-byte character is cut). */
function decode(bytes: Buffer, decoding: LineDecoding): string {
  if (decoding === 'latin1') return bytes.toString('latin1');
  if (decoding === 'utf8' || isUtf8(bytes)) return bytes.toString('utf8');
  const lines: string[] = [];
  let from = 0;
  for (;;) {
    const to = bytes.indexOf(NEWLINE, from);
    const line = bytes.subarray(from, to === -1 ? bytes.length : to);
    lines.push(line.toString(isUtf8(line) ? 'utf8' : 'latin1'));
    if (to === -1) break;
    from = to + 1;
  }
  return lines.join('\n');
}
