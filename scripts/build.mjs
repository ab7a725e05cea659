// Bundles the trainer (CLI + child-process entry) with esbuild. TensorFlow.js and `webgpu` stay
// external: the wasm binaries and dawn.node are loaded from node_modules at run time.
import * as esbuild from 'esbuild';
import { chmodSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['@tensorflow/*', 'vscode', 'webgpu'],
  logLevel: 'warning',
};

await esbuild.build({
  ...common,
  entryPoints: { cli: 'src/trainer/cli.ts', trainer: 'src/trainer/child.ts', inference: 'src/trainer/inferenceChild.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/cli.js', 0o755);
// The second training thread (src/trainer/model/parallel.ts looks for dist/gradWorker.js next to the bundle).
await esbuild.build({ ...common, entryPoints: { gradWorker: 'src/trainer/model/gradWorker.ts' }, outdir: 'dist' });
