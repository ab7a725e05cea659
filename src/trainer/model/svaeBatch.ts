/**
 * SVAE's batches packed for its passes. A batch's sequences are sorted by length and laid out
 * step-major, so step t holds one row for each sequence still running, and these are a prefix of
 * step t-1's rows (PyTorch's pack_padded_sequence). Padding is never computed: it cannot reach the
 * loss, the KL, the gradients or the metrics, and the expensive per-step layers (the output layer
 * over all items above all) run on one dense matrix of real steps. Also here: what each step
 * predicts, the noise a batch needs, and a batch's split over two threads.
 */
import { SparseBatch } from './types';

/** A batch laid out step-major over its sequences sorted by length (longest first). */
export interface Packed {
  /** Users in the batch (the loss is a mean over them, sequences too short to train included). */
  rows: number;
  /** Sequences with at least one step. */
  count: number;
  /** Per sorted sequence: its batch row, the index of its first kept item in batch.indices, its kept length, its steps. */
  row: Int32Array;
  first: Int32Array;
  length: Int32Array;
  steps: Int32Array;
  /** Per sorted sequence: where its steps start in the caller's (row, step) order, e.g. of the noise. */
  canon: Int32Array;
  /** Per step: the number of running sequences and the first packed row. */
  active: Int32Array;
  offset: Int32Array;
  /** Packed rows (steps of all sequences). */
  size: number;
  /** Per packed row: its sorted sequence and step. */
  seqOf: Int32Array;
  stepOf: Int32Array;
}

/**
 * Packs a batch. Each row keeps its last maxLength items; in training the last item is only a
 * target (steps = n - 1), when scoring every item is read (steps = n).
 */
export function pack(batch: SparseBatch, maxLength: number, training: boolean): Packed {
  const { rows, indptr } = batch;
  const lengths = new Int32Array(rows);
  const stepsByRow = new Int32Array(rows);
  const canonByRow = new Int32Array(rows);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    lengths[r] = Math.min(maxLength, indptr[r + 1] - indptr[r]);
    stepsByRow[r] = Math.max(0, training ? lengths[r] - 1 : lengths[r]);
    canonByRow[r] = total;
    total += stepsByRow[r];
  }
  const sorted = Array.from({ length: rows }, (_, r) => r)
    .filter((r) => stepsByRow[r] > 0)
    .sort((a, b) => stepsByRow[b] - stepsByRow[a] || a - b);
  const count = sorted.length;
  const row = Int32Array.from(sorted);
  const length = Int32Array.from(sorted, (r) => lengths[r]);
  const steps = Int32Array.from(sorted, (r) => stepsByRow[r]);
  const first = Int32Array.from(sorted, (r) => indptr[r + 1] - lengths[r]);
  const canon = Int32Array.from(sorted, (r) => canonByRow[r]);
  const maxT = count > 0 ? steps[0] : 0;
  const active = new Int32Array(maxT);
  const offset = new Int32Array(maxT + 1);
  for (let t = 0, j = count; t < maxT; t++) {
    while (j > 0 && steps[j - 1] <= t) j--;
    active[t] = j;
    offset[t + 1] = offset[t] + j;
  }
  const size = offset[maxT];
  const seqOf = new Int32Array(size);
  const stepOf = new Int32Array(size);
  for (let t = 0; t < maxT; t++) {
    for (let j = 0; j < active[t]; j++) {
      seqOf[offset[t] + j] = j;
      stepOf[offset[t] + j] = t;
    }
  }
  return { rows, count, row, first, length, steps, canon, active, offset, size, seqOf, stepOf };
}

/**
 * What step t of sorted sequence j predicts in training: batch.indices[start .. start + count),
 * the items after the one it reads, at most nextK of them, never past the sequence's end.
 */
export function nextTargets(pk: Packed, j: number, t: number, nextK: number): { start: number; count: number } {
  return { start: pk.first[j] + t + 1, count: Math.min(nextK, pk.length[j] - 1 - t) };
}

/** Training steps of row r: its kept items but the last, which is only a target. */
function rowTrainingSteps(batch: SparseBatch, r: number, maxLength: number): number {
  return Math.max(0, Math.min(maxLength, batch.indptr[r + 1] - batch.indptr[r]) - 1);
}

/** Steps of each row in training, in row order: the length of the noise a training pass needs is their sum times the latent width. */
export function trainingSteps(batch: SparseBatch, maxLength: number): number {
  let total = 0;
  for (let r = 0; r < batch.rows; r++) total += rowTrainingSteps(batch, r, maxLength);
  return total;
}

/** Part of a training batch with the noise of its steps (see splitForThreads). */
export interface BatchPart {
  batch: SparseBatch;
  eps: Float32Array;
}

/**
 * A training batch's rows in two parts of about equal work for two threads: rows by decreasing
 * step count, each to the part with fewer steps so far; within a part, rows keep their batch order
 * and their slices of eps (trainingSteps layout). The loss is a sum over rows, so the parts'
 * losses and gradients (each with meanOver = batch.rows) add up to the whole batch's.
 */
export function splitForThreads(batch: SparseBatch, maxLength: number, latent: number, eps: Float32Array): [BatchPart, BatchPart] {
  const { rows, indptr, indices } = batch;
  const steps = new Int32Array(rows);
  const noiseAt = new Int32Array(rows + 1);
  for (let r = 0; r < rows; r++) {
    steps[r] = rowTrainingSteps(batch, r, maxLength);
    noiseAt[r + 1] = noiseAt[r] + steps[r];
  }
  const byWork = Array.from({ length: rows }, (_, r) => r).sort((a, b) => steps[b] - steps[a] || a - b);
  const load = [0, 0];
  const side = new Uint8Array(rows);
  for (const r of byWork) {
    side[r] = load[1] < load[0] ? 1 : 0;
    load[side[r]] += steps[r];
  }
  const part = (which: number): BatchPart => {
    const members: number[] = [];
    for (let r = 0; r < rows; r++) if (side[r] === which) members.push(r);
    const ptr = new Int32Array(members.length + 1);
    members.forEach((r, i) => (ptr[i + 1] = ptr[i] + indptr[r + 1] - indptr[r]));
    const items = new Int32Array(ptr[members.length]);
    const noise = new Float32Array(members.reduce((n, r) => n + steps[r], 0) * latent);
    let at = 0;
    members.forEach((r, i) => {
      items.set(indices.subarray(indptr[r], indptr[r + 1]), ptr[i]);
      noise.set(eps.subarray(noiseAt[r] * latent, noiseAt[r + 1] * latent), at);
      at += steps[r] * latent;
    });
    return { batch: { rows: members.length, indptr: ptr, indices: items }, eps: noise };
  };
  return [part(0), part(1)];
}

/** The item packed row q reads. */
export function stepItem(batch: SparseBatch, pk: Packed, q: number): number {
  return batch.indices[pk.first[pk.seqOf[q]] + pk.stepOf[q]];
}

/** out (size x latent) = the noise of each packed row, from eps in the caller's (row, step) order (trainingSteps layout). */
export function packedNoise(pk: Packed, eps: Float32Array, latent: number, out: Float32Array): Float32Array {
  for (let q = 0; q < pk.size; q++) {
    const src = (pk.canon[pk.seqOf[q]] + pk.stepOf[q]) * latent;
    out.set(eps.subarray(src, src + latent), q * latent);
  }
  return out;
}
