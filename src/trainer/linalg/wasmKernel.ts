/**
 * The WebAssembly form of the sweep's tile loops (sweepKernel.wat): the buffers live in one shared
 * WebAssembly memory that both threads instantiate the module on. The build compiles the .wat into
 * dist/sweepKernel.wasm; from source (tests, scripts) it is compiled on first use with wabt.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SweepBuffers, TILE, TileKernel } from './symmetricSweep';

export const SWEEP_WASM = 'sweepKernel.wasm';
const SWEEP_WAT = 'sweepKernel.wat';
const PAGE = 65536;
/** wasm32 addresses 4 GiB: 65,536 pages. */
const MAX_PAGES = 65536;

interface KernelExports {
  panelTimesD(pu: number, pw: number, pd: number, bk: number): void;
  updateRow(pa: number, s8: number, pw: number, pu0: number, jtEnd: number, kt0: number, kt1: number, bk: number): void;
}

/** Byte offsets of the buffers in the memory. */
export interface WasmLayout {
  a: number;
  u: number;
  w: number;
  d: number;
  pages: number;
}

/** Where the buffers go for a stride x stride matrix and `block` pivots a step; null when they exceed 4 GiB. */
export function wasmLayout(stride: number, block: number): WasmLayout | null {
  const a = 0;
  const u = a + 8 * stride * stride;
  const w = u + 8 * stride * block;
  const d = w + 8 * stride * block;
  const pages = Math.ceil((d + 8 * block * block) / PAGE);
  return pages <= MAX_PAGES ? { a, u, w, d, pages } : null;
}

let compiled: Promise<WebAssembly.Module | null> | undefined;

/** The compiled module, or null (with the reason as a process warning) where it cannot be had. */
export function sweepModule(): Promise<WebAssembly.Module | null> {
  compiled ??= compile().catch((err: unknown) => {
    process.emitWarning(`the float64 inverse runs in plain JavaScript: ${(err as Error).message}`);
    return null;
  });
  return compiled;
}

async function compile(): Promise<WebAssembly.Module | null> {
  const built = path.join(__dirname, SWEEP_WASM);
  if (existsSync(built)) return new WebAssembly.Module(readFileSync(built));
  const source = path.join(__dirname, SWEEP_WAT);
  if (!existsSync(source)) throw new Error(`neither ${built} nor ${source} exists`);
  // wabt is a development dependency: running from source only.
  const wabt = await (await import('wabt')).default();
  const parsed = wabt.parseWat(SWEEP_WAT, readFileSync(source, 'utf8'), { simd: true, threads: true });
  try {
    return new WebAssembly.Module(new Uint8Array(parsed.toBinary({}).buffer));
  } finally {
    parsed.destroy();
  }
}

export function newMemory(layout: WasmLayout): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: layout.pages, maximum: layout.pages, shared: true });
}

/** The sweep's buffers as views of the memory. */
export function wasmBuffers(memory: WebAssembly.Memory, layout: WasmLayout, stride: number, block: number): SweepBuffers {
  const f64 = (offset: number, floats: number) => new Float64Array(memory.buffer, offset, floats);
  return {
    a: f64(layout.a, stride * stride),
    stride,
    block,
    u: f64(layout.u, stride * block),
    w: f64(layout.w, stride * block),
    d: f64(layout.d, block * block),
  };
}

export function wasmKernel(module: WebAssembly.Module, memory: WebAssembly.Memory, layout: WasmLayout, stride: number): TileKernel {
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
  const s8 = 8 * stride;
  return {
    panelTimesD(it, bk) {
      const tile = 8 * it * TILE * bk;
      k.panelTimesD(layout.u + tile, layout.w + tile, layout.d, bk);
    },
    updateRow(it, kt0, kt1, bk) {
      k.updateRow(layout.a + it * TILE * s8, s8, layout.w + 8 * it * TILE * bk, layout.u, it + 1, kt0, kt1, bk);
    },
  };
}
