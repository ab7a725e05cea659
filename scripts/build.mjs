// Bundles the trainer's entry points (src/trainer/entry/: the CLI, the trainer and inference child
// processes, the gradient worker thread) with esbuild. TensorFlow.js and `webgpu` stay external:
// the wasm binaries and dawn.node are loaded from node_modules at run time.
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
  entryPoints: { cli: 'src/trainer/entry/cli.ts', trainer: 'src/trainer/entry/trainer.ts', inference: 'src/trainer/entry/inference.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/cli.js', 0o755);
// The second training thread (src/trainer/model/parallel.ts looks for dist/gradWorker.js next to the bundle).
await esbuild.build({ ...common, entryPoints: { gradWorker: 'src/trainer/entry/gradWorker.ts' }, outdir: 'dist' });
