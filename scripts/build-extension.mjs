// Bundles the extension host entry (dist/extension.js) and the dashboard webview
// (dist/webview/dashboard.js + .css) with esbuild. `vscode` is provided by the editor at run time.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');

await esbuild.build({
  entryPoints: { extension: 'src/extension/extension.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
});

const webviewEntry = 'webview/dashboard/main.ts';
if (existsSync(webviewEntry)) {
  await esbuild.build({
    entryPoints: { dashboard: webviewEntry },
    outdir: 'dist/webview',
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    // CSS imported by the webview (its own styles, uPlot's) lands in dist/webview/dashboard.css.
    loader: { '.css': 'css', '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    logLevel: 'warning',
  });
} else {
  console.log(`build-extension: ${webviewEntry} does not exist yet; the dashboard webview bundle was skipped.`);
}

// The recommendation inspector's webview: dist/webview/inspector.js + .css, bundled the same way.
await esbuild.build({
  entryPoints: { inspector: 'webview/inspector/main.ts' },
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
