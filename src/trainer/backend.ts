/**
 * Chooses the TensorFlow.js backend the trainer runs on. `auto`: WebGPU on a hardware GPU (Dawn,
 * see webgpu.ts), else WebAssembly, else the pure-JS cpu backend. Native TensorFlow
 * (tfjs-node[-gpu]) is never chosen by `auto` and is not a dependency (see docs/GPU.md): it is
 * used only when asked for by name and installed by hand.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { BackendChoice, GpuAdapter } from '../shared/runSchema';
import { describeAdapter, startWebgpu } from './webgpu';

export type { BackendChoice };

export interface SelectedBackend {
  /** What tf.getBackend() reports after selection: the backend that actually runs. */
  name: string;
  note?: string;
  /** The GPU, when the backend is webgpu. */
  adapter?: GpuAdapter;
}

/** Where the selection says what it tried; 'info' for what is no problem (a GPU-less machine on auto). Default 'warn'. */
export type BackendLog = (message: string, level?: 'info' | 'warn') => void;

export interface BackendOptions {
  /**
   * Whether the caller can use the webgpu backend: false for SVAE (its step reads back inside
   * every pass) and for inference (a few small batches, answered synchronously). 'auto' then
   * skips it and 'webgpu' falls back to wasm. Default true.
   */
  webgpu?: boolean;
  /** What cannot use the webgpu backend, for the fallback line (e.g. "SVAE"). */
  webgpuUnsupportedBy?: string;
}

// createRequire instead of a bare require: resolution starts from this file (or from the esbuild
// bundle in dist/), so node_modules is found the same way in both layouts.
const nodeRequire = createRequire(__filename);

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}

/** Loads a native binding package; null (with the reason) if it is missing or its .node file is broken. */
function loadNative(pkg: string): string | null {
  try {
    nodeRequire(pkg);
    return null;
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === 'MODULE_NOT_FOUND' && reason(err).includes(pkg) ? 'not installed' : `failed to load: ${reason(err)}`;
  }
}

async function tryNative(log: BackendLog): Promise<SelectedBackend | null> {
  for (const pkg of NATIVE_PACKAGES) {
    const problem = loadNative(pkg);
    if (problem !== null) {
      log(`backend: ${pkg} ${problem}`);
      continue;
    }
    if (await tf.setBackend('tensorflow')) {
      return { name: tf.getBackend(), note: `native TensorFlow via ${pkg}` };
    }
    log(`backend: ${pkg} loaded but the 'tensorflow' backend did not initialise`);
  }
  return null;
}

let wasmPrepared = false;

/**
 * Registers the wasm backend and points it at its .wasm binaries inside node_modules. The package's
 * own lookup uses the directory of the calling script, which is dist/ once we are bundled.
 */
function prepareWasm(): void {
  if (wasmPrepared) return;
  const wasm = nodeRequire('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const distDir = path.dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm'));
  // The threaded build spawns workers from blob: URLs, which Node cannot run; tfjs 4.22 already
  // reports no thread support under Node, but we pin it so a flag change cannot break start-up.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setWasmPaths(distDir + path.sep);
  wasmPrepared = true;
}

async function tryWasm(log: BackendLog): Promise<SelectedBackend | null> {
  try {
    prepareWasm();
    if (await tf.setBackend('wasm')) {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      return { name: tf.getBackend(), note: `WebAssembly, single-threaded${simd ? ', SIMD' : ''}` };
    }
    log('backend: wasm did not initialise');
  } catch (err) {
    log(`backend: wasm failed: ${reason(err)}`);
  }
  return null;
}

async function useCpu(): Promise<SelectedBackend> {
  nodeRequire('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new Error("backend: the 'cpu' backend did not initialise");
  return { name: tf.getBackend(), note: 'pure JavaScript (slow)' };
}

async function tryWebgpu(allowSoftware: boolean, log: BackendLog): Promise<SelectedBackend | null> {
  const started = await startWebgpu(allowSoftware);
  if (started.ok) return { name: tf.getBackend(), note: `WebGPU on ${describeAdapter(started.adapter)}`, adapter: started.adapter };
  // Auto trying the GPU first is no warning on a machine without one; a forced webgpu that falls back is.
  log(`backend: webgpu not used: ${started.reason}; trying wasm`, allowSoftware ? 'warn' : 'info');
  return null;
}

async function wasmOrCpu(log: BackendLog): Promise<SelectedBackend> {
  const wasm = await tryWasm(log);
  if (wasm) return wasm;
  log('backend: falling back to cpu');
  return useCpu();
}

export async function selectBackend(choice: BackendChoice, log: BackendLog, options: BackendOptions = {}): Promise<SelectedBackend> {
  // TensorFlow.js's own console messages (the cpu backend's "install our node backend" banner)
  // would break the CLI's one-line stderr; which backend runs is reported through `log`.
  tf.enableProdMode();
  const webgpuUsable = options.webgpu ?? true;
  switch (choice) {
    case 'webgpu': {
      if (!webgpuUsable) {
        log(`backend: webgpu not used: ${options.webgpuUnsupportedBy ?? 'this task'} has no WebGPU path; using wasm`);
        return wasmOrCpu(log);
      }
      // Forced: software adapters are taken too (they make the GPU path testable without a GPU).
      return (await tryWebgpu(true, log)) ?? wasmOrCpu(log);
    }
    case 'tensorflow': {
      const native = await tryNative(log);
      if (native) return native;
      throw new Error(
        `backend 'tensorflow' requested but neither ${NATIVE_PACKAGES.join(' nor ')} can be loaded ` +
          "(install @tensorflow/tfjs-node by hand, which downloads libtensorflow; see docs/GPU.md), or choose 'auto', 'webgpu', 'wasm' or 'cpu'",
      );
    }
    case 'wasm': {
      const wasm = await tryWasm(log);
      if (wasm) return wasm;
      throw new Error("backend 'wasm' requested but it failed to initialise (see the log above)");
    }
    case 'cpu':
      return useCpu();
    case 'auto':
      return (webgpuUsable ? await tryWebgpu(false, log) : null) ?? wasmOrCpu(log);
    default:
      throw new Error(`unknown backend '${String(choice)}': choose 'auto', 'webgpu', 'wasm', 'cpu' or 'tensorflow'`);
  }
}
