/**
 * The input layer on the sparse side. A user's row has ~3% nonzeros (and dropout removes half of
 * those), so h_pre = x_n W1 + b1 as a sum of ~50 rows of W1 is far cheaper than a dense matMul,
 * and dW1 = x^T dh_pre is the same kind of sum taken item by item. The input gradient is never
 * needed.
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

/**
 * out[o .. o+cols) += sum over q in [start, end) of vals[q] * src[offsets[q] .. offsets[q]+cols).
 * Four source rows per sweep, so each output element is loaded and stored a quarter as often;
 * this is the hot loop of the sparse layer (~2x faster than one source row at a time).
 */
function gatherRows(src: Float32Array, offsets: Int32Array, vals: Float32Array, start: number, end: number, cols: number, out: Float32Array, o: number): void {
  let q = start;
  for (; q + 4 <= end; q += 4) {
    const j0 = offsets[q],
      j1 = offsets[q + 1],
      j2 = offsets[q + 2],
      j3 = offsets[q + 3];
    const v0 = vals[q],
      v1 = vals[q + 1],
      v2 = vals[q + 2],
      v3 = vals[q + 3];
    for (let c = 0; c < cols; c++) out[o + c] += v0 * src[j0 + c] + v1 * src[j1 + c] + v2 * src[j2 + c] + v3 * src[j3 + c];
  }
  for (; q < end; q++) {
    const j = offsets[q];
    const v = vals[q];
    for (let c = 0; c < cols; c++) out[o + c] += v * src[j + c];
  }
}

/** The nonzero (kept) entries of a batch, indexed both by row (CSR) and by item (CSC). */
export interface SparseInput {
  rows: number;
  numItems: number;
  /** CSR: for row r, entries rowPtr[r]..rowPtr[r+1] with item offsets item*cols and values. */
  rowPtr: Int32Array;
  rowItemOffsets: Int32Array;
  rowValues: Float32Array;
  /** CSC: for item j, entries colPtr[j]..colPtr[j+1] with row offsets row*cols and values. */
  colPtr: Int32Array;
  colRowOffsets: Int32Array;
  colValues: Float32Array;
  cols: number;
}

/** Drops zero values (dropped-out or empty rows) and builds both orientations (counting sort by item). */
export function sparseInput(indptr: Int32Array, indices: Int32Array, values: Float32Array, numItems: number, cols: number): SparseInput {
  const rows = indptr.length - 1;
  const rowPtr = new Int32Array(rows + 1);
  const colPtr = new Int32Array(numItems + 1);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      if (values[k] === 0) continue;
      n++;
      colPtr[indices[k] + 1]++;
    }
    rowPtr[r + 1] = rowPtr[r] + n;
  }
  for (let j = 0; j < numItems; j++) colPtr[j + 1] += colPtr[j];
  const nnz = rowPtr[rows];
  const rowItemOffsets = new Int32Array(nnz);
  const rowValues = new Float32Array(nnz);
  const colRowOffsets = new Int32Array(nnz);
  const colValues = new Float32Array(nnz);
  const next = colPtr.slice(0, numItems);
  let q = 0;
  for (let r = 0; r < rows; r++) {
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      const v = values[k];
      if (v === 0) continue;
      const j = indices[k];
      rowItemOffsets[q] = j * cols;
      rowValues[q++] = v;
      const p = next[j]++;
      colRowOffsets[p] = r * cols;
      colValues[p] = v;
    }
  }
  return { rows, numItems, rowPtr, rowItemOffsets, rowValues, colPtr, colRowOffsets, colValues, cols };
}

/** out (rows x cols) = x W + bias, with W numItems x cols. */
export function sparseAffine(x: SparseInput, w: Float32Array, bias: Float32Array, out: Float32Array): void {
  for (let r = 0; r < x.rows; r++) {
    const o = r * x.cols;
    out.set(bias, o);
    gatherRows(w, x.rowItemOffsets, x.rowValues, x.rowPtr[r], x.rowPtr[r + 1], x.cols, out, o);
  }
}

/** dw (numItems x cols) = x^T grad, grad rows x cols; every row of dw is overwritten. */
export function sparseWeightGrad(x: SparseInput, grad: Float32Array, dw: Float32Array): void {
  for (let j = 0; j < x.numItems; j++) {
    const o = j * x.cols;
    dw.fill(0, o, o + x.cols);
    gatherRows(grad, x.colRowOffsets, x.colValues, x.colPtr[j], x.colPtr[j + 1], x.cols, dw, o);
  }
}
