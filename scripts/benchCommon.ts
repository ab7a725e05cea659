/** What every bench script shares: its command-line options, the repository's paths, the median. */
import * as path from 'node:path';

const argv = process.argv.slice(2);

/** Whether --name was given. */
export function flag(name: string): boolean {
  return argv.includes(`--${name}`);
}

/** The value after --name, else the fallback; without a fallback the option is required. */
export function option(name: string, fallback?: string): string {
  const i = argv.indexOf(`--${name}`);
  const value = i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

export const ROOT = path.resolve(__dirname, '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
/** MovieLens-1M beside the repository (see README: it is never copied into it). */
export const ML1M = path.join(ROOT, '..', 'shared', 'data', 'ml-1m');

/** NaN for no values. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
