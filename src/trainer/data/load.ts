/** Entry point of the data layer: turns a DataSourceSpec into a validated, de-duplicated Dataset. */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fsReason } from '../../shared/fsErrors';
import type { DataFingerprint, DataSourceSpec } from '../../shared/runSchema';
import { BadRows } from './badRows';
import { ensureMovieLens1M } from './download';
import { genericFormat } from './genericFormat';
import { InteractionsBuilder } from './interactionsBuilder';
import { detectLayout } from './layouts';
import type { FileDigest } from './lineReader';
import { readMoviesCsv, readMoviesDat, readUItem, type MoviesRead } from './moviesReader';
import { readRatingsFile, type RatingsFormat } from './ratingsReader';
import { DataError, type Dataset, type LoadProgress } from './types';

export interface LoadOptions {
  /** Where named datasets ('ml-1m') are downloaded and cached. */
  cacheDir: string;
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
}

export async function loadDataset(spec: DataSourceSpec, opts: LoadOptions): Promise<Dataset> {
  const badRows = new BadRows(spec.onBadRow ?? 'error');
  if (spec.source === 'ml-1m') {
    refuseGenericOptions(spec, spec.source);
    const dir = await ensureMovieLens1M(opts.cacheDir, { onProgress: opts.onProgress, signal: opts.signal });
    return loadDirectory(dir, badRows, opts);
  }
  const path = resolve(spec.source);
  const stats = await stat(path).catch((err: unknown) => {
    throw new DataError(fsReason(err), path);
  });
  if (stats.isDirectory()) {
    refuseGenericOptions(spec, path);
    return loadDirectory(path, badRows, opts);
  }
  const format = await genericFormat(path, spec);
  const { builder, digest } = await readRatings(path, format, badRows, opts);
  return assemble('generic', builder, null, [digest], badRows);
}

/** Columns, a delimiter or a header flag describe a CSV/TSV file: given for a MovieLens directory, they would be silently ignored. */
function refuseGenericOptions(spec: DataSourceSpec, dir: string): void {
  const given = (['columns', 'delimiter', 'hasHeader'] as const).filter((key) => spec[key] !== undefined);
  if (given.length > 0)
    throw new DataError(`${given.join(', ')} apply only to a CSV/TSV ratings file, not to a MovieLens directory, whose layout fixes the format`, dir);
}

/** What a run records about its data, so two runs can be checked to have used the same files. */
export function fingerprintOf(dataset: Dataset): DataFingerprint {
  const files = dataset.files.map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 }));
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { layout: dataset.layout, files };
}

async function loadDirectory(dir: string, badRows: BadRows, opts: LoadOptions): Promise<Dataset> {
  const layout = detectLayout(dir);
  const { builder, digest } = await readRatings(layout.ratings, layout.format, badRows, opts);
  let movies: MoviesRead | null = null;
  if (layout.movies) {
    opts.onProgress?.({ phase: 'load', message: `Reading ${basename(layout.movies)}` });
    const movieOptions = { badRows, signal: opts.signal };
    if (layout.name === 'ml-100k') movies = await readUItem(layout.movies, layout.genres, movieOptions);
    else if (layout.name === 'movielens-dat') movies = await readMoviesDat(layout.movies, movieOptions);
    else movies = await readMoviesCsv(layout.movies, movieOptions);
  }
  return assemble(layout.name, builder, movies, [digest, ...(movies?.digests ?? [])], badRows);
}

async function readRatings(
  path: string,
  format: RatingsFormat,
  badRows: BadRows,
  opts: LoadOptions,
): Promise<{ builder: InteractionsBuilder; digest: FileDigest }> {
  const builder = new InteractionsBuilder(format.columns.timestamp !== null);
  const message = `Reading ${basename(path)}`;
  opts.onProgress?.({ phase: 'load', message, fraction: 0 });
  const digest = await readRatingsFile(path, format, {
    builder,
    badRows,
    signal: opts.signal,
    onChunk: (fraction) => opts.onProgress?.({ phase: 'load', message, fraction }),
  });
  if (builder.rows === 0) throw new DataError(`no ratings (${badRows.skipped.count} malformed rows skipped)`, path);
  return { builder, digest };
}

function assemble(layout: string, builder: InteractionsBuilder, movies: MoviesRead | null, files: FileDigest[], badRows: BadRows): Dataset {
  const { interactions, duplicates } = builder.build();
  let moviesMissing = 0;
  if (movies) for (const item of interactions.items) if (!movies.movies.has(item)) moviesMissing++;
  return {
    layout,
    interactions,
    movies: movies?.movies ?? null,
    files,
    skipped: badRows.skipped,
    duplicates,
    moviesMissing,
  };
}
