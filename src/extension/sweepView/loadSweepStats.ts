/** Loads sweepStats on first use: dist/sweepStats.js beside the bundle, else the source (tests under tsx). */
import * as fs from 'node:fs';
import * as path from 'node:path';

type SweepStats = typeof import('./sweepStats');

let loaded: SweepStats | undefined;

export function sweepStats(): SweepStats {
  if (!loaded) {
    const bundled = path.join(__dirname, 'sweepStats.js');
    // A computed path: esbuild leaves it to run time instead of inlining the module into dist/extension.js.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(fs.existsSync(bundled) ? bundled : path.join(__dirname, 'sweepStats')) as SweepStats;
  }
  return loaded;
}
