/** Reads one ratings file of a known format into an InteractionsBuilder, validating every row. */
import { basename } from 'node:path';
import type { BadRows } from './badRows';
import { MAX_ID_DIGITS, canonicalIntegerId, describeDelimiter, idProblem, parseNumber } from './fields';
import type { InteractionsBuilder } from './interactionsBuilder';
import { forEachLine, forEachLineBytes, type FileDigest, type LineDecoding } from './lineReader';
import { quote } from '../../shared/text';
import { DataError } from './types';

export interface RatingsFormat {
  delimiter: string;
  /** Every row must have exactly this many fields. */
  fieldCount: number;
  columns: { user: number; item: number; rating: number; timestamp: number | null };
  /** The first non-blank line is a header; when `expectedHeader` is set it must match it. */
  header: boolean;
  expectedHeader?: string[];
  /** MovieLens ids are integers; generic ids are any non-empty string. */
  integerIds: boolean;
  /** Inclusive range of valid ratings, or null for any finite number. */
  ratingRange: [number, number] | null;
  decoding: LineDecoding;
}

export interface ReadContext {
  builder: InteractionsBuilder;
  badRows: BadRows;
  signal?: AbortSignal;
  onChunk?: (fraction: number) => void;
}

export async function readRatingsFile(path: string, format: RatingsFormat, ctx: ReadContext): Promise<FileDigest> {
  const { delimiter, fieldCount, columns, integerIds, ratingRange } = format;
  const { builder, badRows } = ctx;
  const rowsBefore = builder.rows + badRows.skipped.count;
  let headerPending = format.header;

  /** The reference parser: every check and every error message lives here. */
  const parseLine = (line: string, lineNo: number): void => {
    const fields = line.split(delimiter);
    if (headerPending) {
      headerPending = false;
      checkHeader(path, lineNo, fields, format);
      return;
    }
    if (fields.length !== fieldCount) {
      badRows.report(
        path,
        lineNo,
        `expected ${fieldCount} fields separated by ${describeDelimiter(delimiter)}, found ${fields.length} (wrong delimiter or a damaged line?)`,
      );
      return;
    }
    const userField = fields[columns.user];
    const itemField = fields[columns.item];
    const ratingField = fields[columns.rating];
    const rating = parseNumber(ratingField);
    let timestamp = 0;
    const userId = integerIds ? canonicalIntegerId(userField) : userField.trim();
    const itemId = integerIds ? canonicalIntegerId(itemField) : itemField.trim();
    if (userId === null) return badRows.report(path, lineNo, idProblem('user', userField));
    if (itemId === null) return badRows.report(path, lineNo, idProblem('item', itemField));
    if (userId.length === 0) return badRows.report(path, lineNo, 'user id is empty');
    if (itemId.length === 0) return badRows.report(path, lineNo, 'item id is empty');
    if (Number.isNaN(rating)) return badRows.report(path, lineNo, `rating ${quote(ratingField)} is not a number`);
    if (ratingRange && (rating < ratingRange[0] || rating > ratingRange[1])) {
      return badRows.report(path, lineNo, `rating ${rating} is outside ${ratingRange[0]}..${ratingRange[1]}`);
    }
    if (columns.timestamp !== null) {
      const timestampField = fields[columns.timestamp];
      timestamp = parseNumber(timestampField);
      if (Number.isNaN(timestamp)) return badRows.report(path, lineNo, `timestamp ${quote(timestampField)} is not a number`);
    }
    if (integerIds) builder.addNumeric(Number(userId), Number(itemId), rating, timestamp);
    else builder.add(userId, itemId, rating, timestamp);
  };

  const estimate = new RowCountEstimate(builder);
  const readOptions = { decoding: format.decoding, signal: ctx.signal, onChunk: ctx.onChunk, onSize: (bytes: number) => estimate.setFileBytes(bytes) };
  const fastRow = integerIds ? movieLensRowParser(format, builder) : null;
  const digest = fastRow
    ? await forEachLineBytes(path, readOptions, (buffer, start, end, lineNo) => {
        estimate.sample(end - start + 1);
        if (headerPending || !fastRow(buffer, start, end)) parseLine(buffer.toString(format.decoding === 'utf8' ? 'utf8' : 'latin1', start, end), lineNo);
      })
    : await forEachLine(path, readOptions, (line, lineNo) => {
        estimate.sample(line.length + 1);
        parseLine(line, lineNo);
      });

  if (headerPending || builder.rows + badRows.skipped.count === rowsBefore) throw new DataError('no ratings', path);
  return digest;
}

/**
 * Estimates the file's row count from the average length of its first lines and reserves that many
 * rows once, so a multi-million-row file does not grow its arrays by repeated doubling and copying.
 */
class RowCountEstimate {
  private static readonly SAMPLE_LINES = 2000;
  private static readonly MARGIN = 1.05;
  private lines = 0;
  private bytes = 0;
  private fileBytes = 0;

  constructor(private readonly builder: InteractionsBuilder) {}

  setFileBytes(bytes: number): void {
    this.fileBytes = bytes;
  }

  sample(lineBytes: number): void {
    if (this.lines >= RowCountEstimate.SAMPLE_LINES) return;
    this.bytes += lineBytes;
    if (++this.lines === RowCountEstimate.SAMPLE_LINES) {
      this.builder.reserve(this.builder.rows + Math.ceil((RowCountEstimate.MARGIN * this.fileBytes * this.lines) / this.bytes));
    }
  }
}

const MAX_TIMESTAMP_DIGITS = 15;

/**
 * A fast path for the MovieLens layouts (user, item, rating, timestamp in that order; integer ids;
 * a plain decimal rating; an integer timestamp) that reads the bytes directly. It accepts only rows
 * that are certainly valid and adds them; anything else returns false and goes to the reference parser,
 * which either accepts it too or reports why not. Null when the format does not fit.
 */
function movieLensRowParser(format: RatingsFormat, builder: InteractionsBuilder): ((buffer: Buffer, start: number, end: number) => boolean) | null {
  const { columns, ratingRange, fieldCount } = format;
  const delimiter = Buffer.from(format.delimiter, 'latin1');
  const standardOrder = columns.user === 0 && columns.item === 1 && columns.rating === 2 && columns.timestamp === 3 && fieldCount === 4;
  if (!standardOrder || delimiter.length < 1 || delimiter.length > 2) return null;
  const d0 = delimiter[0];
  const d1 = delimiter.length === 2 ? delimiter[1] : -1;
  const [low, high] = ratingRange ?? [-Infinity, Infinity];

  const cursor = { p: 0, value: 0 };
  const delimiterAt = (buffer: Buffer): boolean => {
    if (buffer[cursor.p] !== d0 || (d1 >= 0 && buffer[cursor.p + 1] !== d1)) return false;
    cursor.p += d1 >= 0 ? 2 : 1;
    return true;
  };
  return (buffer, start, end) => {
    cursor.p = start;
    if (!readDigits(buffer, end, cursor, MAX_ID_DIGITS) || !delimiterAt(buffer)) return false;
    const user = cursor.value;
    if (!readDigits(buffer, end, cursor, MAX_ID_DIGITS) || !delimiterAt(buffer)) return false;
    const item = cursor.value;
    // rating: whole stars, or a '.' and one decimal (half stars from ML-10M on)
    if (!readDigits(buffer, end, cursor, 1)) return false;
    let rating = cursor.value;
    if (buffer[cursor.p] === 0x2e) {
      cursor.p++;
      if (!readDigits(buffer, end, cursor, 1)) return false;
      rating += cursor.value / 10;
    }
    if (rating < low || rating > high || !delimiterAt(buffer)) return false;
    if (!readDigits(buffer, end, cursor, MAX_TIMESTAMP_DIGITS) || cursor.p !== end) return false;
    builder.addNumeric(user, item, rating, cursor.value);
    return true;
  };
}

/** Reads 1..maxDigits decimal digits at cursor.p into cursor.value and advances; false (cursor untouched) otherwise. */
function readDigits(buffer: Buffer, end: number, cursor: { p: number; value: number }, maxDigits: number): boolean {
  const from = cursor.p;
  let p = from;
  let value = 0;
  while (p < end) {
    const digit = buffer[p] - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    p++;
  }
  if (p === from || p - from > maxDigits) return false;
  cursor.p = p;
  cursor.value = value;
  return true;
}

function checkHeader(path: string, lineNo: number, fields: string[], format: RatingsFormat): void {
  const expected = format.expectedHeader;
  if (!expected) return;
  const actual = fields.map((f) => f.trim());
  if (actual.length !== expected.length || actual.some((f, i) => f !== expected[i])) {
    throw new DataError(
      `expected the header ${expected.join(format.delimiter)} in ${basename(path)}, found ${quote(fields.join(format.delimiter))}`,
      path,
      lineNo,
    );
  }
}
