/**
 * The input layer on the sparse side. A user's row has ~3% nonzeros (and dropout removes half of
 * those), so h_pre = x_n W1 + b1 as a sum of ~50 rows of W1 is far cheaper than a dense matMul, and
 * the weight gradient is a scatter-add into the same rows. The input gradient is never needed.
 */

/** Per-nonzero input values: keep * scale / ||x_row||, i.e. L2-normalise then (inverted) dropout. */
export function inputValues(indptr: Int32Array, keep: Uint8Array | null, keepScale: number): Float32Array {
  const rows = indptr.length - 1;
  const values = new Float32Array(indptr[rows]);
  for (let r = 0; r < rows; r++) {
    const start = indptr[r];
    const end = indptr[r + 1];
    // Binary rows: ||x|| = sqrt(count). An empty row stays zero, as F.normalize leaves it.
    const v = end > start ? keepScale / Math.sqrt(end - start) : 0;
    for (let k = start; k < end; k++) values[k] = keep === null || keep[k] ? v : 0;
  }
  return values;
}

/** out[r, :] = bias + sum_k values[k] * w[indices[k], :] over row r's nonzeros; out is rows x cols. */
export function sparseAffine(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  w: Float32Array,
  bias: Float32Array,
  cols: number,
  out: Float32Array,
): void {
  const rows = indptr.length - 1;
  const srcRows = new Int32Array(4);
  const srcVals = new Float64Array(4);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    out.set(bias, o);
    let n = 0;
    // Four source rows per sweep: each output element is loaded and stored a quarter as often.
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      if (values[k] === 0) continue;
      srcRows[n] = indices[k] * cols;
      srcVals[n] = values[k];
      if (++n === 4) {
        const j0 = srcRows[0], j1 = srcRows[1], j2 = srcRows[2], j3 = srcRows[3];
        const v0 = srcVals[0], v1 = srcVals[1], v2 = srcVals[2], v3 = srcVals[3];
        for (let c = 0; c < cols; c++) out[o + c] += v0 * w[j0 + c] + v1 * w[j1 + c] + v2 * w[j2 + c] + v3 * w[j3 + c];
        n = 0;
      }
    }
    for (let q = 0; q < n; q++) {
      const j = srcRows[q];
      const v = srcVals[q];
      for (let c = 0; c < cols; c++) out[o + c] += v * w[j + c];
    }
  }
}

/** dw[indices[k], :] += values[k] * grad[r, :] for each nonzero k of row r (dw is not cleared). */
export function sparseWeightGrad(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  grad: Float32Array,
  cols: number,
  dw: Float32Array,
): void {
  const rows = indptr.length - 1;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      const v = values[k];
      if (v === 0) continue;
      const j = indices[k] * cols;
      for (let c = 0; c < cols; c++) dw[j + c] += v * grad[o + c];
    }
  }
}
