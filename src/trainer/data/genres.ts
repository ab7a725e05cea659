/** MovieLens genre vocabularies, for files that store genres as flags rather than names. */

/** ML-100K's u.genre, in flag order; used when a directory has u.item but no u.genre. */
export const ML100K_GENRES: readonly string[] = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
];

/** The label ML-20M and later use for a movie without genres. */
export const NO_GENRES_LABEL = '(no genres listed)';
