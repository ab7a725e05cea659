/**
 * Works out the format of a generic ratings file (delimiter, header, column positions) from its first
 * line and the user's DataSourceSpec, before the streaming read.
 */
import type { DataSourceSpec } from '../../shared/runSchema';
import { openDataFile } from './dataFile';
import { describeDelimiter, parseNumber } from './fields';
import type { RatingsFormat } from './ratingsReader';
import { quote } from '../../shared/text';
import { DataError } from './types';

const SNIFF_BYTES = 64 * 1024;
const SNIFFED_DELIMITERS = ['\t', ',', ';'] as const;

/** Header names recognised (case-insensitively) when the spec gives no columns. */
const COLUMN_ALIASES = {
  user: ['user', 'userid', 'user_id', 'uid'],
  item: ['item', 'itemid', 'item_id', 'movieid', 'movie_id', 'movie', 'iid'],
  rating: ['rating', 'score', 'value'],
  timestamp: ['timestamp', 'time', 'ts'],
};

type ColumnRef = string | number;
type ColumnName = keyof typeof COLUMN_ALIASES;

export async function genericFormat(path: string, spec: DataSourceSpec): Promise<RatingsFormat> {
  const first = await firstLine(path);
  if (first === null) throw new DataError('no ratings', path);
  const delimiter = spec.delimiter !== undefined ? explicitDelimiter(spec.delimiter, path) : sniffDelimiter(first.text, path, first.lineNo);
  const fields = first.text.split(delimiter).map((f) => f.trim());
  if (fields.length < 3) {
    throw new DataError(
      `expected at least 3 fields (user, item, rating) separated by ${describeDelimiter(delimiter)}, found ${fields.length}`,
      path,
      first.lineNo,
    );
  }
  const columns = spec.columns;
  const namesColumns = columns !== undefined && Object.values(columns).some((c) => typeof c === 'string');
  const ratingIndex = typeof columns?.rating === 'number' ? columns.rating : 2;
  const header = spec.hasHeader ?? (namesColumns || Number.isNaN(parseNumber(fields[ratingIndex] ?? '')));
  if (namesColumns && !header) throw new DataError('columns are given by name but the file has no header', path);

  const resolve = (name: ColumnName, ref: ColumnRef | undefined, fallback: number): number => {
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref) || ref < 0 || ref >= fields.length)
        throw new DataError(`${name} column ${ref} does not exist (the file has ${fields.length} columns)`, path, first.lineNo);
      return ref;
    }
    const wanted = ref !== undefined ? [ref] : header ? COLUMN_ALIASES[name] : [];
    const index = findHeader(fields, wanted);
    if (index >= 0) return index;
    if (ref !== undefined) throw new DataError(`no ${name} column named ${quote(ref)} in the header ${quote(fields.join(delimiter))}`, path, first.lineNo);
    return fallback;
  };
  const user = resolve('user', columns?.user, 0);
  const item = resolve('item', columns?.item, 1);
  const rating = resolve('rating', columns?.rating, 2);
  const wantsTimestamp = columns ? columns.timestamp !== undefined : fields.length >= 4;
  const timestamp = wantsTimestamp ? resolve('timestamp', columns?.timestamp, 3) : null;

  return {
    delimiter,
    fieldCount: fields.length,
    columns: { user, item, rating, timestamp },
    header,
    integerIds: false,
    ratingRange: null,
    // Decoded per line: a Latin-1 line read as UTF-8 would turn each accented id into U+FFFD, so
    // distinct ids ("café", "cafè") would silently merge into one user or item.
    decoding: 'utf8-or-latin1',
  };
}

function findHeader(header: string[], names: string[]): number {
  for (const name of names) {
    const exact = header.indexOf(name);
    if (exact >= 0) return exact;
    const folded = header.findIndex((h) => h.toLowerCase() === name.toLowerCase());
    if (folded >= 0) return folded;
  }
  return -1;
}

/** A delimiter typed on a command line or in a settings field: "\\t" and "tab" mean a tab. */
function explicitDelimiter(delimiter: string, path: string): string {
  if (delimiter === '\\t' || delimiter.toLowerCase() === 'tab') return '\t';
  if (delimiter.length === 0) throw new DataError('the delimiter is empty', path);
  return delimiter;
}

/** '::' wins when present (MovieLens .dat style); otherwise the most frequent of tab, comma, semicolon. */
function sniffDelimiter(line: string, path: string, lineNo: number): string {
  if (line.includes('::')) return '::';
  let best = '';
  let bestCount = 0;
  for (const d of SNIFFED_DELIMITERS) {
    const count = line.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  if (bestCount === 0) throw new DataError(`cannot detect the delimiter (looked for '::', tab, ',' and ';'); set one explicitly`, path, lineNo);
  return best;
}

/** The first non-blank line (BOM and CR removed) with its 1-based number; null for a blank file. */
async function firstLine(path: string): Promise<{ text: string; lineNo: number } | null> {
  const { handle } = await openDataFile(path);
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    const lines = buffer
      .toString('utf8', 0, bytesRead)
      .replace(/^\uFEFF/, '')
      .split('\n');
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i].replace(/\r$/, '');
      if (text.trim().length > 0) return { text, lineNo: i + 1 };
    }
    return null;
  } finally {
    await handle.close();
  }
}
