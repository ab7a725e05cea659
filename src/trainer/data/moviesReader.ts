/** Readers for the three MovieLens movie-metadata files: movies.dat, u.item (+ u.genre) and movies.csv. */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { parse } from 'csv-parse';
import { throwIfAborted } from './abort';
import type { BadRows } from './badRows';
import { openDataFile } from './dataFile';
import { canonicalIntegerId, idProblem } from './fields';
import { ML100K_GENRES, NO_GENRES_LABEL } from './genres';
import { forEachLine, type FileDigest } from './lineReader';
import { quote } from '../../shared/text';
import { DataError, type MovieInfo } from './types';

export interface MoviesRead {
  movies: Map<string, MovieInfo>;
  digests: FileDigest[];
}

interface ReadOptions {
  badRows: BadRows;
  signal?: AbortSignal;
}

const TRAILING_YEAR = /\((\d{4})\)\s*$/;

/** The title stays as published; the year is read from its trailing "(1995)" when there is one. */
export function movieInfo(title: string, genres: string[]): MovieInfo {
  const match = TRAILING_YEAR.exec(title);
  return match ? { title, year: Number(match[1]), genres } : { title, genres };
}

function splitGenres(field: string): string[] {
  const trimmed = field.trim();
  if (trimmed.length === 0 || trimmed === NO_GENRES_LABEL) return [];
  return trimmed.split('|');
}

/** movies.dat: `MovieID::Title (Year)::Genre|Genre`; Latin-1 in ML-1M, mostly UTF-8 in ML-10M, so decoded per line. */
export async function readMoviesDat(path: string, options: ReadOptions): Promise<MoviesRead> {
  const movies = new Map<string, MovieInfo>();
  const digest = await forEachLine(path, { decoding: 'utf8-or-latin1', signal: options.signal }, (line, lineNo) => {
    const fields = line.split('::');
    if (fields.length !== 3) return options.badRows.report(path, lineNo, `expected 3 fields separated by '::', found ${fields.length}`);
    const id = canonicalIntegerId(fields[0]);
    if (id === null) return options.badRows.report(path, lineNo, idProblem('movie', fields[0]));
    movies.set(id, movieInfo(fields[1], splitGenres(fields[2])));
  });
  return { movies, digests: [digest] };
}

/** u.genre: `name|flag index` per line. */
async function readUGenre(path: string, signal?: AbortSignal): Promise<{ names: string[]; digest: FileDigest }> {
  const names: string[] = [];
  const digest = await forEachLine(path, { decoding: 'latin1', signal }, (line, lineNo) => {
    const [name, index] = line.split('|');
    const i = canonicalIntegerId(index ?? '');
    if (!name || i === null) throw new DataError(`expected "genre|index", found ${quote(line)}`, path, lineNo);
    names[Number(i)] = name;
  });
  return { names, digest };
}

const U_ITEM_FIXED_FIELDS = 5; // id | title | release date | video release date | IMDb URL

/** u.item: `id|title|release date|video release|IMDb url|` then one 0/1 flag per genre; Latin-1. */
export async function readUItem(path: string, genrePath: string | null, options: ReadOptions): Promise<MoviesRead> {
  const digests: FileDigest[] = [];
  let genreNames: readonly string[] = ML100K_GENRES;
  if (genrePath) {
    const genres = await readUGenre(genrePath, options.signal);
    genreNames = genres.names;
    digests.push(genres.digest);
  }
  const movies = new Map<string, MovieInfo>();
  const expectedFields = U_ITEM_FIXED_FIELDS + genreNames.length;
  digests.push(
    await forEachLine(path, { decoding: 'latin1', signal: options.signal }, (line, lineNo) => {
      const fields = line.split('|');
      if (fields.length !== expectedFields) {
        return options.badRows.report(
          path,
          lineNo,
          `expected ${expectedFields} fields separated by '|' (${genreNames.length} genre flags), found ${fields.length}`,
        );
      }
      const id = canonicalIntegerId(fields[0]);
      if (id === null) return options.badRows.report(path, lineNo, idProblem('movie', fields[0]));
      const genres: string[] = [];
      for (let g = 0; g < genreNames.length; g++) if (fields[U_ITEM_FIXED_FIELDS + g].trim() === '1') genres.push(genreNames[g]);
      movies.set(id, movieInfo(fields[1], genres));
    }),
  );
  return { movies, digests };
}

/** movies.csv: header movieId,title,genres; titles with commas are quoted, so a real CSV parser is used. */
export async function readMoviesCsv(path: string, options: ReadOptions): Promise<MoviesRead> {
  const movies = new Map<string, MovieInfo>();
  const hash = createHash('sha256');
  let bytes = 0;
  const input = (await openDataFile(path)).handle.createReadStream();
  input.on('data', (chunk) => {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
  });
  const parser = input.pipe(parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true }));
  let header = true;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      throwIfAborted(options.signal, `Reading ${basename(path)}`);
      const lineNo = info.lines;
      if (header) {
        header = false;
        if (record.join(',') !== 'movieId,title,genres')
          throw new DataError(`expected the header movieId,title,genres, found ${quote(record.join(','))}`, path, lineNo);
        continue;
      }
      if (record.length !== 3) {
        options.badRows.report(path, lineNo, `expected 3 comma-separated fields, found ${record.length}`);
        continue;
      }
      const id = canonicalIntegerId(record[0]);
      if (id === null) {
        options.badRows.report(path, lineNo, idProblem('movie', record[0]));
        continue;
      }
      movies.set(id, movieInfo(record[1], splitGenres(record[2])));
    }
  } catch (error) {
    input.destroy();
    if (error instanceof DataError || (error instanceof Error && error.name === 'AbortError')) throw error;
    const lines = (error as { lines?: number }).lines;
    throw new DataError(`not valid CSV: ${(error as Error).message}`, path, lines);
  }
  return { movies, digests: [{ name: basename(path), path, bytes, sha256: hash.digest('hex') }] };
}
