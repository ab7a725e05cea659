/** Checks and slicing of SparseBatch (binary CSR rows). */
import { SparseBatch } from './types';

export function validateBatch(batch: SparseBatch, numItems: number): void {
  const { rows, indptr, indices } = batch;
  if (indptr.length !== rows + 1 || indptr[0] !== 0 || indptr[rows] !== indices.length) {
    throw new Error(`SparseBatch: indptr must have rows + 1 = ${rows + 1} offsets from 0 to indices.length`);
  }
  for (let k = 0; k < indices.length; k++) {
    if (!(indices[k] >= 0 && indices[k] < numItems)) throw new Error(`SparseBatch: item index ${indices[k]} outside 0..${numItems - 1}`);
  }
}

/** Rows [start, end) of a batch, sharing its index storage. */
export function sliceRows(batch: SparseBatch, start: number, end: number): SparseBatch {
  const base = batch.indptr[start];
  const indptr = new Int32Array(end - start + 1);
  for (let r = start; r <= end; r++) indptr[r - start] = batch.indptr[r] - base;
  return { rows: end - start, indptr, indices: batch.indices.subarray(base, batch.indptr[end]) };
}
