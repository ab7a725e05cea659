/** Elementwise and reduction loops over row-major matrices in JS, shared by the hand-written passes. */

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * tanh through one exp, about 25% faster than Math.tanh here, and equal to it in float32: in double
 * precision (1 - e) / (1 + e) is exact far below float32's resolution once |x| >= 0.01; below, its
 * cancellation would not be, and the Taylor series to x^7 is (its next term is 1e-18 of x).
 */
export function tanh(x: number): number {
  const a = Math.abs(x);
  if (a < 0.01) {
    const x2 = x * x;
    return x * (1 - x2 * (1 / 3 - x2 * (2 / 15 - (17 / 315) * x2)));
  }
  const e = Math.exp(-2 * a);
  const t = (1 - e) / (1 + e);
  return x < 0 ? -t : t;
}

export function tanhInPlace(a: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = tanh(a[i]);
}

/** d *= tanh'(pre) for y = tanh(pre), written with y: d (1 - y^2), elementwise. */
export function mulTanhGrad(d: Float32Array, y: Float32Array): void {
  for (let i = 0; i < d.length; i++) d[i] *= 1 - y[i] * y[i];
}

/** out (cols) = the sums of a's columns, a rows x cols. */
export function columnSums(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c] += a[o + c];
  }
}

/** out = t, or out += t when accumulating. */
export function addOrSet(t: Float32Array, out: Float32Array, accumulate: boolean): void {
  if (!accumulate) {
    out.set(t);
    return;
  }
  for (let i = 0; i < out.length; i++) out[i] += t[i];
}

/** rows x cols with a ones column appended: rows x (cols + 1), so that one product also adds a bias row. */
export function withOnesColumn(a: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * cols, (r + 1) * cols), r * (cols + 1));
    out[r * (cols + 1) + cols] = 1;
  }
  return out;
}

/**
 * W (rows x cols) and its bias (cols) as one (rows + 1) x cols array. They are adjacent in the flat
 * parameter and gradient buffers (both models list a weight then its bias), so this is a view, not a copy.
 */
export function stacked(w: Float32Array, b: Float32Array): Float32Array {
  if (w.buffer !== b.buffer || w.byteOffset + w.byteLength !== b.byteOffset) throw new Error('a weight and its bias must be adjacent in one buffer');
  return new Float32Array(w.buffer, w.byteOffset, w.length + b.length);
}
