/** The MovieLens directory layouts: which files each one has and how its ratings file is formatted. */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { RatingsFormat } from './ratingsReader';
import { DataError } from './types';

export type MovieLensLayoutName = 'ml-100k' | 'movielens-dat' | 'movielens-csv';

export interface MovieLensLayout {
  name: MovieLensLayoutName;
  ratings: string;
  /** The movie file, when present (a directory with ratings only is still loadable). */
  movies: string | null;
  /** ML-100K only: u.genre, which names u.item's genre flags. */
  genres: string | null;
  format: RatingsFormat;
}

/** All MovieLens ratings lie in 0.5..5 (half stars from ML-10M on). */
const MOVIELENS_RATINGS: [number, number] = [0.5, 5];
const ALL_COLUMNS = { user: 0, item: 1, rating: 2, timestamp: 3 };

const LAYOUTS: { name: MovieLensLayoutName; ratings: string; movies: string; genres?: string; describe: string; format: RatingsFormat }[] = [
  {
    name: 'ml-100k',
    ratings: 'u.data',
    movies: 'u.item',
    genres: 'u.genre',
    describe: 'u.data (ML-100K)',
    format: { delimiter: '\t', fieldCount: 4, columns: ALL_COLUMNS, header: false, integerIds: true, ratingRange: MOVIELENS_RATINGS, decoding: 'latin1' },
  },
  {
    name: 'movielens-dat',
    ratings: 'ratings.dat',
    movies: 'movies.dat',
    describe: 'ratings.dat (ML-1M, ML-10M)',
    format: { delimiter: '::', fieldCount: 4, columns: ALL_COLUMNS, header: false, integerIds: true, ratingRange: MOVIELENS_RATINGS, decoding: 'latin1' },
  },
  {
    name: 'movielens-csv',
    ratings: 'ratings.csv',
    movies: 'movies.csv',
    describe: 'ratings.csv (ML-20M, ML-25M, ml-latest)',
    format: {
      delimiter: ',',
      fieldCount: 4,
      columns: ALL_COLUMNS,
      header: true,
      expectedHeader: ['userId', 'movieId', 'rating', 'timestamp'],
      integerIds: true,
      ratingRange: MOVIELENS_RATINGS,
      decoding: 'latin1',
    },
  },
];

/**
 * Whether a name is there at all (a dangling or looping link counts: reading it then says what is
 * wrong with it, instead of the layout going unrecognised).
 */
function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export function detectLayout(dir: string): MovieLensLayout {
  for (const layout of LAYOUTS) {
    const ratings = join(dir, layout.ratings);
    if (!present(ratings)) continue;
    const movies = join(dir, layout.movies);
    const genres = layout.genres ? join(dir, layout.genres) : null;
    return {
      name: layout.name,
      ratings,
      movies: present(movies) ? movies : null,
      genres: genres && present(genres) ? genres : null,
      format: layout.format,
    };
  }
  throw new DataError(`no MovieLens ratings file found in ${dir}; looked for ${LAYOUTS.map((l) => l.describe).join(', ')}`, dir);
}
