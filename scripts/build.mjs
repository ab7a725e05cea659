// Bundles the trainer's entry points (src/trainer/entry/: the CLI, the trainer and inference child
// processes, the gradient and inverse worker threads) with esbuild. TensorFlow.js and `webgpu` stay external:
// the wasm binaries and dawn.node are loaded from node_modules at run time.
import * as esbuild from 'esbuild';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import wabtInit from 'wabt';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // wabt compiles the WebAssembly kernel when running from source only: the build ships its output.
  external: ['@tensorflow/*', 'vscode', 'webgpu', 'wabt'],
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
// The helper thread of the float64 inverse (src/trainer/linalg/spdInverse.ts looks for dist/inverseWorker.js).
await esbuild.build({ ...common, entryPoints: { inverseWorker: 'src/trainer/entry/inverseWorker.ts' }, outdir: 'dist' });
// Its WebAssembly tile loops (src/trainer/linalg/wasmKernel.ts looks for dist/sweepKernel.wasm).
const wabt = await wabtInit();
const wat = wabt.parseWat('sweepKernel.wat', readFileSync('src/trainer/linalg/sweepKernel.wat', 'utf8'), { simd: true, threads: true });
writeFileSync('dist/sweepKernel.wasm', wat.toBinary({}).buffer);
wat.destroy();
