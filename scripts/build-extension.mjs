// Bundles the extension host entry (dist/extension.js), the dashboard's comparison worker
// (dist/comparisonWorker.js) and the sweep view's statistics (dist/sweepStats.js, loaded on first use),
// which alone carry the statistics, and the dashboard, inspector and sweep view webviews
// (dist/webview/*.js + .css) with esbuild. `vscode` is provided by the editor at run time.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');

await esbuild.build({
  entryPoints: {
    extension: 'src/extension/extension.ts',
    comparisonWorker: 'src/extension/dashboard/comparisonWorker.ts',
    sweepStats: 'src/extension/sweepView/sweepStats.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  // jsonc-parser's "main" is a UMD build whose require('./impl/...') calls esbuild cannot follow.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
});

// The webviews: dist/webview/<name>.js + .css each (CSS they import, their own and uPlot's, lands
// in the .css).
await esbuild.build({
  entryPoints: { dashboard: 'webview/dashboard/main.ts', inspector: 'webview/inspector/main.ts', sweep: 'webview/sweep/main.ts' },
  outdir: 'dist/webview',
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  sourcemap: !production,
  minify: production,
  loader: { '.css': 'css', '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
  logLevel: 'warning',
});
