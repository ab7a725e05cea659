import { InputError } from '../inputError';

/** What every dataset reader produces: raw interactions with original ids, plus optional movie metadata. */

export interface MovieInfo {
  title: string;
  year?: number;
  genres: string[];
}

export interface Interactions {
  /** Original user ids as strings (ids are labels, not numbers: "007" and "7" differ in a generic CSV). */
  users: string[];
  /** Per row: index into `users`. */
  user: Int32Array;
  /** Original item ids as strings. */
  items: string[];
  /** Per row: index into `items`. */
  item: Int32Array;
  rating: Float32Array;
  /** Seconds since epoch, or null when the layout has no timestamps. */
  timestamp: Float64Array | null;
  /** Number of rows. */
  length: number;
}

export interface SkippedRows {
  count: number;
  /** The first few, each "file:line: reason". */
  examples: string[];
}

export interface Dataset {
  /** 'ml-100k', 'movielens-dat' (ML-1M, ML-10M), 'movielens-csv' (ML-20M, ML-25M, ml-latest) or 'generic' */
  layout: string;
  interactions: Interactions;
  /** Keyed by original item id; null when the dataset has no movie file. */
  movies: Map<string, MovieInfo> | null;
  files: { name: string; path: string; bytes: number; sha256: string }[];
  skipped: SkippedRows;
  /** Duplicate (user, item) rows: the last one wins and they are counted here. */
  duplicates: number;
  /** Rated items that have no entry in the movie file (0 when there is no movie file). */
  moviesMissing: number;
}

/** Progress reported while a dataset is downloaded or read; `fraction` is 0..1 when the total is known. */
export interface LoadProgress {
  phase: 'download' | 'load';
  message: string;
  fraction?: number;
}

/** Every data error names the file and (where there is one) the 1-based line. */
export class DataError extends InputError {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    // Always one line (the CLI prints it as such): control characters quoted from the data, or from
    // a parser's message about it, are shown escaped.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
    const oneLine = message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
    super(file ? `${file}${line !== undefined ? `:${line}` : ''}: ${oneLine}` : oneLine);
    this.name = 'DataError';
  }
}
