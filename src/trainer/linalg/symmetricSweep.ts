/**
 * The kernels of a cache-blocked inversion of a symmetric positive definite matrix, in float64: the
 * sweep operator (block Gauss-Jordan elimination) taken one block of b pivots at a time. Sweeping
 * block K of A maps
 *
 *   A_KK -> -A_KK^-1,   A_iK -> A_iK A_KK^-1,   A_ij -> A_ij - A_iK A_KK^-1 A_Kj   (i, j outside K)
 *
 * and sweeping every block leaves -A^-1 (Goodnight, "A tutorial on the SWEEP operator", 1979). For
 * a positive definite A the pivot blocks are Schur complements, positive definite too, so no
 * pivoting is needed. The O(n^3) part is the rank-b update A_ij -= W_i . U_j, with U = A_:K and
 * W = U A_KK^-1, run as 4 x 4 register tiles over panels packed so that each tile reads two
 * contiguous streams; only the lower triangle is updated (n^3 flops in all, as LAPACK's
 * potrf + potri). The tile loops run in WebAssembly SIMD where the matrix fits its memory
 * (wasmKernel.ts), else in JavaScript (jsKernel); rows are split between threads tile by tile
 * (spdInverse.ts).
 *
 * Storage: a stride x stride row-major Float64Array (stride a multiple of 4) whose lower triangle
 * (j <= i) holds the matrix; the upper triangle is scratch.
 */

/** Rows and columns handled as one register tile. */
export const TILE = 4;

/** The buffers of one inversion: views of one WebAssembly memory, or of SharedArrayBuffers when a helper thread takes part. */
export interface SweepBuffers {
  a: Float64Array;
  /** Row length of `a`, a multiple of TILE; rows and columns past the matrix's size hold the identity. */
  stride: number;
  /** Pivots per block, a multiple of TILE. */
  block: number;
  /** U = A_:K, packed: the block's columns of rows 4t..4t+3 at u[4t * bk ..], column-major within the tile. */
  u: Float64Array;
  /** W = U A_KK^-1, packed as u, for the rows being updated. */
  w: Float64Array;
  /** A_KK^-1, bk x bk. */
  d: Float64Array;
}

/** One block of pivots [k0, k1). */
export interface BlockStep {
  k0: number;
  k1: number;
}

export class NotPositiveDefiniteError extends Error {
  constructor(readonly pivot: number) {
    super(`the matrix is not positive definite (pivot ${pivot} is not above 0)`);
    this.name = 'NotPositiveDefiniteError';
  }
}

/**
 * Packs U = A_:K (rows outside K; rows inside K are zero) into buf.u and writes A_KK^-1 into buf.d.
 * Throws NotPositiveDefiniteError when a pivot is not positive.
 */
export function gatherBlock(buf: SweepBuffers, { k0, k1 }: BlockStep): void {
  const { a, stride: s, u, d } = buf;
  const bk = k1 - k0;
  for (let i = 0; i < s; i += TILE) {
    const base = i * bk;
    if (i >= k0 && i < k1) {
      u.fill(0, base, base + TILE * bk);
      continue;
    }
    for (let r = 0; r < TILE; r++) {
      const row = i + r;
      if (row >= k1) for (let t = 0; t < bk; t++) u[base + t * TILE + r] = a[row * s + k0 + t];
      else for (let t = 0; t < bk; t++) u[base + t * TILE + r] = a[(k0 + t) * s + row];
    }
  }
  invertDiagonalBlock(buf, k0, bk, d);
}

/** d = A_KK^-1 by the scalar sweep of a full copy (bk^3, small beside the update). */
function invertDiagonalBlock(buf: SweepBuffers, k0: number, bk: number, d: Float64Array): void {
  const { a, stride: s } = buf;
  for (let i = 0; i < bk; i++) {
    for (let j = 0; j <= i; j++) {
      const v = a[(k0 + i) * s + k0 + j];
      d[i * bk + j] = v;
      d[j * bk + i] = v;
    }
  }
  for (let p = 0; p < bk; p++) {
    const piv = d[p * bk + p];
    if (!(piv > 0) || !Number.isFinite(piv)) throw new NotPositiveDefiniteError(k0 + p);
    const inv = 1 / piv;
    for (let i = 0; i < bk; i++) {
      if (i === p) continue;
      const f = d[i * bk + p] * inv;
      if (f === 0) continue;
      const ri = i * bk;
      const rp = p * bk;
      for (let j = 0; j < bk; j++) if (j !== p) d[ri + j] -= f * d[rp + j];
    }
    for (let i = 0; i < bk; i++) {
      if (i === p) continue;
      d[i * bk + p] *= inv;
      d[p * bk + i] *= inv;
    }
    d[p * bk + p] = -inv;
  }
  for (let i = 0; i < bk * bk; i++) d[i] = -d[i];
}

/** Work of row tile t in one step: the tiles of its lower triangle outside K. */
function tileCost(t: number, kt0: number, kt1: number): number {
  if (t >= kt0 && t < kt1) return 0;
  return t + 1 - Math.max(0, Math.min(t + 1, kt1) - kt0);
}

/** The row tile at which the first of two threads should stop so that both get about half of the step. */
export function balancedSplit(buf: SweepBuffers, { k0, k1 }: BlockStep): number {
  const tiles = buf.stride / TILE;
  const kt0 = k0 / TILE;
  const kt1 = k1 / TILE;
  let total = 0;
  for (let t = 0; t < tiles; t++) total += tileCost(t, kt0, kt1);
  let acc = 0;
  for (let t = 0; t < tiles; t++) {
    acc += tileCost(t, kt0, kt1);
    if (2 * acc >= total) return t + 1;
  }
  return tiles;
}

/** The two hot loops, for one row tile of the current block step: in JavaScript (below) or WebAssembly (wasmKernel.ts). */
export interface TileKernel {
  /** W of row tile `it` = its rows of U times A_KK^-1. */
  panelTimesD(it: number, bk: number): void;
  /** A_ij -= W_i . U_j for the rows of tile `it` and the column tiles [0, it] outside [kt0, kt1). */
  updateRow(it: number, kt0: number, kt1: number, bk: number): void;
}

/**
 * The step's work on row tiles [from, to): W = U A_KK^-1 for those rows, the rank-bk update of their
 * lower triangle outside K, and their new A_iK = W_i. Threads given disjoint tile ranges touch
 * disjoint parts of the buffers.
 */
export function updateRows(buf: SweepBuffers, kernel: TileKernel, { k0, k1 }: BlockStep, from: number, to: number): void {
  const { a, stride: s, w } = buf;
  const bk = k1 - k0;
  const kt0 = k0 / TILE;
  const kt1 = k1 / TILE;
  for (let it = from; it < to; it++) {
    if (it >= kt0 && it < kt1) continue;
    kernel.panelTimesD(it, bk);
    kernel.updateRow(it, kt0, kt1, bk);
    // The block's columns of these rows become W (in the lower triangle: rows before K keep them in K's rows).
    const wb = it * TILE * bk;
    for (let r = 0; r < TILE; r++) {
      const row = it * TILE + r;
      if (row >= k1) for (let t = 0; t < bk; t++) a[row * s + k0 + t] = w[wb + t * TILE + r];
      else for (let t = 0; t < bk; t++) a[(k0 + t) * s + row] = w[wb + t * TILE + r];
    }
  }
}

/** The kernel in plain JavaScript: the fallback where the matrix does not fit WebAssembly's 4 GiB, and the reference the tests hold the other to. */
export function jsKernel(buf: SweepBuffers): TileKernel {
  const { a, stride: s, u, w, d } = buf;
  return {
    panelTimesD(it, bk) {
      const wb = it * TILE * bk;
      for (let t = 0; t < bk; t++) {
        let w0 = 0,
          w1 = 0,
          w2 = 0,
          w3 = 0;
        for (let q = 0; q < bk; q++) {
          const dq = d[q * bk + t];
          const p = wb + q * TILE;
          w0 += u[p] * dq;
          w1 += u[p + 1] * dq;
          w2 += u[p + 2] * dq;
          w3 += u[p + 3] * dq;
        }
        const p = wb + t * TILE;
        w[p] = w0;
        w[p + 1] = w1;
        w[p + 2] = w2;
        w[p + 3] = w3;
      }
    },
    updateRow(it, kt0, kt1, bk) {
      const wb = it * TILE * bk;
      for (let jt = 0; jt <= it; jt++) {
        if (jt >= kt0 && jt < kt1) continue;
        updateTile(a, s, w, u, wb, jt * TILE * bk, bk, it * TILE * s + jt * TILE);
      }
    },
  };
}

/**
 * a[o + r s + c] -= sum_t w[pw + 4t + r] u[pu + 4t + c] for r, c < 4. Sixteen accumulators in locals,
 * two contiguous streams: about 2 GFLOP/s of scalar float64 on one core here.
 */
function updateTile(a: Float64Array, s: number, w: Float64Array, u: Float64Array, pw: number, pu: number, bk: number, o: number): void {
  let s00 = 0,
    s01 = 0,
    s02 = 0,
    s03 = 0,
    s10 = 0,
    s11 = 0,
    s12 = 0,
    s13 = 0,
    s20 = 0,
    s21 = 0,
    s22 = 0,
    s23 = 0,
    s30 = 0,
    s31 = 0,
    s32 = 0,
    s33 = 0;
  const end = pw + bk * TILE;
  for (let p = pw, q = pu; p < end; p += TILE, q += TILE) {
    const a0 = w[p],
      a1 = w[p + 1],
      a2 = w[p + 2],
      a3 = w[p + 3];
    const c0 = u[q],
      c1 = u[q + 1],
      c2 = u[q + 2],
      c3 = u[q + 3];
    s00 += a0 * c0;
    s01 += a0 * c1;
    s02 += a0 * c2;
    s03 += a0 * c3;
    s10 += a1 * c0;
    s11 += a1 * c1;
    s12 += a1 * c2;
    s13 += a1 * c3;
    s20 += a2 * c0;
    s21 += a2 * c1;
    s22 += a2 * c2;
    s23 += a2 * c3;
    s30 += a3 * c0;
    s31 += a3 * c1;
    s32 += a3 * c2;
    s33 += a3 * c3;
  }
  a[o] -= s00;
  a[o + 1] -= s01;
  a[o + 2] -= s02;
  a[o + 3] -= s03;
  o += s;
  a[o] -= s10;
  a[o + 1] -= s11;
  a[o + 2] -= s12;
  a[o + 3] -= s13;
  o += s;
  a[o] -= s20;
  a[o + 1] -= s21;
  a[o + 2] -= s22;
  a[o + 3] -= s23;
  o += s;
  a[o] -= s30;
  a[o + 1] -= s31;
  a[o + 2] -= s32;
  a[o + 3] -= s33;
}

/** The step's last part, once every row is updated: A_KK = -A_KK^-1. */
export function finishBlock(buf: SweepBuffers, { k0, k1 }: BlockStep): void {
  const { a, stride: s, d } = buf;
  const bk = k1 - k0;
  for (let i = 0; i < bk; i++) for (let j = 0; j <= i; j++) a[(k0 + i) * s + k0 + j] = -d[i * bk + j];
}

/** After every block is swept the lower triangle holds -A^-1: negate it and mirror it into the upper triangle. */
export function negateAndMirror(a: Float64Array, stride: number, n: number): void {
  // In tiles, so that the column writes of the mirror stay in cache.
  const T = 64;
  for (let i0 = 0; i0 < n; i0 += T) {
    for (let j0 = 0; j0 <= i0; j0 += T) {
      for (let i = i0; i < Math.min(n, i0 + T); i++) {
        const jEnd = Math.min(i, j0 + T);
        for (let j = j0; j < jEnd; j++) {
          const v = -a[i * stride + j];
          a[i * stride + j] = v;
          a[j * stride + i] = v;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) a[i * stride + i] = -a[i * stride + i];
}
