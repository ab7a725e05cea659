/**
 * WebGPU in the trainer: Dawn for Node (`dawn.node`, from the npm package `webgpu`) under
 * TensorFlow.js's webgpu backend. tfjs-backend-webgpu was written for browsers: it wants
 * `navigator.gpu` and the GPU* constants as globals, requests its own adapter without checking for
 * none ("Cannot read properties of null (reading 'features')"), and never watches the device. So we
 * request the adapter and the device here (to refuse software adapters, record the hardware, and
 * notice a lost device) and register tfjs's backend class on that device.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import type { GpuAdapter } from '../shared/runSchema';

const nodeRequire = createRequire(__filename);

/** How long a driver may take to answer requestAdapter before we give up on it. */
const ADAPTER_TIMEOUT_MS = 20_000;

/**
 * Adapters that are CPU implementations of Vulkan / D3D12 / Metal: correct, but slower than the
 * wasm backend. Dawn flags most of them as fallback adapters; the names catch the rest.
 */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

export function isSoftwareAdapter(info: Omit<GpuAdapter, 'software'>, isFallbackAdapter: boolean): boolean {
  return isFallbackAdapter || SOFTWARE_ADAPTER.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

export function describeAdapter(a: GpuAdapter): string {
  const name = [a.vendor, a.architecture, a.device].filter((s) => s.length > 0).join(' ');
  const text = a.description && !name.includes(a.description) ? `${name} (${a.description})` : name;
  return `${text || 'unnamed adapter'}${a.software ? ', software' : ''}`;
}

/** The graphics API Dawn uses on this platform, and what provides it: for the "no adapter" line. */
function driverHint(): string {
  switch (process.platform) {
    case 'darwin':
      return 'no Metal device answered';
    case 'win32':
      return 'no Direct3D 12 / Vulkan driver answered (update the GPU driver)';
    default:
      return 'no Vulkan driver answered (install the GPU vendor\'s Vulkan driver, or Mesa\'s for AMD/Intel; "vulkaninfo --summary" lists them)';
  }
}

interface Started {
  device: GPUDevice;
  adapter: GpuAdapter;
  /** Why the device stopped working (lost, or an error it reported), once it has. */
  problem: string | null;
  /** Resolves when a problem is recorded, so a read-back waiting on a dead device ends. */
  failed: Promise<string>;
}

let started: Started | null = null;

export type WebgpuStart = { ok: true; adapter: GpuAdapter } | { ok: false; reason: string };

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] || (err instanceof Error ? err.name : 'unknown error');
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function adapterOf(adapter: GPUAdapter): GpuAdapter {
  const info = adapter.info;
  const fields = { vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '' };
  // The spec moved isFallbackAdapter from the adapter to its info; Dawn has it on the info.
  const fallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  return { ...fields, software: isSoftwareAdapter(fields, fallback) };
}

/**
 * One map-for-reading round trip, the way every tfjs read-back works. Dawn hands the mapped memory
 * to JavaScript as an external ArrayBuffer, which Electron's V8 (desktop VS Code's runtime under
 * ELECTRON_RUN_AS_NODE) refuses: this finds that out before training starts, not at the first loss.
 */
async function checkReadBack(device: GPUDevice): Promise<void> {
  const buffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    device.queue.writeBuffer(buffer, 0, new Float32Array([1, 2, 3, 4]));
    await buffer.mapAsync(GPUMapMode.READ);
    const values = Array.from(new Float32Array(buffer.getMappedRange().slice(0)));
    buffer.unmap();
    if (values.join() !== '1,2,3,4') throw new Error(`read back ${values.join()} instead of 1,2,3,4`);
  } finally {
    buffer.destroy();
  }
}

function readBackProblem(err: unknown): string {
  const msg = firstLine(err);
  if (/external buffers/i.test(msg) && process.versions.electron) {
    return `this runtime (Electron ${process.versions.electron}) cannot read GPU memory through dawn.node (${msg}): set vaerec.nodePath to a Node.js 20+ executable to train on the GPU`;
  }
  return `reading GPU memory back failed: ${msg}`;
}

function watch(device: GPUDevice, adapter: GpuAdapter): Started {
  let report: (problem: string) => void = () => undefined;
  const s: Started = { device, adapter, problem: null, failed: new Promise<string>((resolve) => (report = resolve)) };
  const fail = (problem: string) => {
    if (s.problem !== null) return;
    s.problem = problem;
    report(problem);
  };
  void device.lost.then((info) => fail(`the GPU device was lost (${info.reason}${info.message ? `: ${info.message.split('\n')[0]}` : ''})`));
  // Out-of-memory and validation errors are not thrown by WebGPU calls; unwatched, a kernel that
  // failed to run would leave stale numbers behind.
  device.addEventListener('uncapturederror', (event) => fail(`the GPU reported an error: ${firstLine((event as GPUUncapturedErrorEvent).error)}`));
  return s;
}

/** Makes tfjs-backend-webgpu's browser assumptions true in Node: navigator.gpu and the GPU* enums. */
function installGlobals(gpu: GPU, globals: object): void {
  for (const [name, value] of Object.entries(globals)) if (!(name in globalThis)) Object.assign(globalThis, { [name]: value });
  const g = globalThis as { navigator?: object };
  // Node 21+ has a navigator of its own: add gpu to it rather than replacing it.
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else g.navigator = { gpu };
}

async function openDevice(allowSoftware: boolean): Promise<WebgpuStart> {
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (err) {
    const missing = (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' || (err as { code?: string }).code === 'MODULE_NOT_FOUND';
    return {
      ok: false,
      reason: missing
        ? 'this installation carries no WebGPU runtime (the npm package "webgpu"; the universal .vsix leaves it out)'
        : `dawn.node failed to load: ${firstLine(err)}`,
    };
  }
  let gpuAdapter: GPUAdapter | null;
  const gpu = webgpu.create([]);
  try {
    gpuAdapter = await withTimeout(gpu.requestAdapter({ powerPreference: 'high-performance' }), ADAPTER_TIMEOUT_MS, 'the GPU driver');
  } catch (err) {
    return { ok: false, reason: `no GPU adapter: ${firstLine(err)}` };
  }
  if (!gpuAdapter) return { ok: false, reason: `no GPU adapter: ${driverHint()}` };
  const adapter = adapterOf(gpuAdapter);
  if (adapter.software && !allowSoftware) {
    return { ok: false, reason: `the only adapter is a software one (${describeAdapter(adapter)}), slower than wasm; --backend webgpu uses it anyway` };
  }
  let device: GPUDevice;
  try {
    const l = gpuAdapter.limits;
    // The limits tfjs-backend-webgpu asks for when it opens the device itself: large buffers for big catalogues.
    device = await gpuAdapter.requestDevice({
      requiredLimits: {
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      },
    });
  } catch (err) {
    return { ok: false, reason: `the GPU device could not be opened on ${describeAdapter(adapter)}: ${firstLine(err)}` };
  }
  installGlobals(gpu, webgpu.globals);
  try {
    await checkReadBack(device);
  } catch (err) {
    device.destroy();
    return { ok: false, reason: readBackProblem(err) };
  }
  const backendModule = nodeRequire('@tensorflow/tfjs-backend-webgpu') as typeof import('@tensorflow/tfjs-backend-webgpu');
  const info = gpuAdapter.info;
  // The package registers a factory of its own when navigator.gpu exists at load; ours uses our device.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new backendModule.WebGPUBackend(device, info));
  started = watch(device, adapter);
  return { ok: true, adapter };
}

/**
 * Makes 'webgpu' the TensorFlow.js backend, opening the device on first use (and again after a
 * device was lost). Never throws: a reason comes back instead, for one log line and a fallback.
 */
export async function startWebgpu(allowSoftware: boolean): Promise<WebgpuStart> {
  if (started?.problem) {
    tf.removeBackend('webgpu');
    started = null;
  }
  if (started && started.adapter.software && !allowSoftware) {
    return { ok: false, reason: `the only adapter is a software one (${describeAdapter(started.adapter)}), slower than wasm` };
  }
  if (!started) {
    const opened = await openDevice(allowSoftware);
    if (!opened.ok) return opened;
  }
  const current = started as Started | null;
  if (!current) return { ok: false, reason: 'the GPU device closed while starting' };
  try {
    if (await tf.setBackend('webgpu')) return { ok: true, adapter: current.adapter };
    return { ok: false, reason: "TensorFlow.js's webgpu backend did not initialise" };
  } catch (err) {
    return { ok: false, reason: `TensorFlow.js's webgpu backend failed: ${firstLine(err)}` };
  }
}

/** The device under the current backend, when that is webgpu. */
export function activeDevice(): GPUDevice | null {
  return tf.getBackend() === 'webgpu' && started ? started.device : null;
}

/**
 * A tensor's values, read asynchronously (dataSync cannot work in Node: tfjs's synchronous path
 * draws through an OffscreenCanvas). On webgpu, a lost or failed device ends the wait with its reason.
 */
export async function readTensor(t: tf.Tensor): Promise<Float32Array | Int32Array | Uint8Array> {
  const s = tf.getBackend() === 'webgpu' ? started : null;
  if (!s) return t.data();
  if (s.problem) throw new Error(s.problem);
  let values: Float32Array | Int32Array | Uint8Array;
  try {
    values = await Promise.race([t.data(), s.failed.then((problem) => Promise.reject(new Error(problem)))]);
  } catch (err) {
    // A read on a lost device can reject before the lost promise settles: give it a turn.
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error(s.problem ?? `reading from the GPU failed: ${firstLine(err)}`);
  }
  // An error reported while this work ran means these numbers may be stale.
  if (s.problem) throw new Error(s.problem);
  return values;
}

/** Why the device stopped working, if it has (checked before queueing more work on it). */
export function deviceProblem(): string | null {
  return tf.getBackend() === 'webgpu' ? (started?.problem ?? null) : null;
}
