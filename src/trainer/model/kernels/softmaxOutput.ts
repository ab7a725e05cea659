/**
 * The multinomial output layer over all items, trained: logits = dec W + b, p = softmax(logits), and
 * the loss sum_r -w_r sum_{t in targets(r)} log p_rt. Mult-VAE's targets are a user's whole history
 * (about 100 items), SVAE's the next k items of each step. The gradient with respect to row r's
 * logits is s_r p_r - w_r y_r, with s_r = w_r #targets(r) and y_r the targets' one-hots.
 *
 * Rows run in chunks (bounding the probabilities: 2,048 rows x 3.5k items = 28 MB) with the softmax
 * on the backend (XNNPACK's, ~15x faster than Math.exp in JS), read in place in the wasm heap. A
 * ones column on dec and b as the last row of W (adjacent in the parameter buffers) make one
 * product give the logits with their bias, and one the weight gradient with the bias's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DenseParams } from './dense';
import { stacked, withOnesColumn } from './elementwise';
import { BackendMatrix, Uploads, productABt, productAtB, productTensor } from './products';
import { tensorData } from './wasmHeap';
import { Workspace } from './workspace';

/** Rows of the output layer per chunk. */
export const OUTPUT_CHUNK_ROWS = 2048;
/** A probability that underflowed to 0 still gives a finite log-likelihood (float32's smallest normal). */
const MIN_PROBABILITY = 1.2e-38;

/** What each row predicts: items[start[r] .. start[r] + count[r]), each -log p weighted by weight[r]. */
export interface Targets {
  items: Int32Array;
  start: Int32Array;
  count: Int32Array;
  weight: Float64Array;
}

/**
 * How a chunk applies the logits' gradient:
 * - 'write': s_r p_r - w_r y_r written over the probabilities (a pass over rows x items), then fed
 *   to both backward products;
 * - 'fold': never written out; both products take the probabilities as they are, with s folded
 *   into their small operands, and the sparse -w_r y_r terms are added in JS (about 2 x hidden
 *   operations per target). Under two threads a pass over rows x items is paid in memory bandwidth.
 */
export type GradientWay = 'write' | 'fold';

/** The cheaper way for rows with `targets` targets in all: folding for few targets a row (SVAE), writing for many (Mult-VAE). */
export function cheaperWay(rows: number, targets: number, hidden: number, numItems: number): GradientWay {
  return 2 * (targets + rows) * (hidden + 1) < rows * numItems ? 'fold' : 'write';
}

export interface OutputShape {
  hidden: number;
  numItems: number;
}

interface Chunk {
  /** First row, rows, and the chunk's dec with its ones column (rows x (hidden + 1)). */
  r0: number;
  m: number;
  x: Float32Array;
  probs: BackendMatrix;
  /** [W; b] on the backend, (hidden + 1) x items. */
  wb: tf.Tensor2D;
  /** Accumulate into the weight gradient (every chunk after the first). */
  accumulate: boolean;
}

/** Trains one chunk: returns its loss, adds its part of the weight gradient and writes its rows of dDec. */
type ChunkTrainer = (
  shape: OutputShape,
  p: DenseParams,
  up: Uploads,
  c: Chunk,
  targets: Targets,
  gwb: Float32Array,
  dDec: Float32Array,
  ws: Workspace,
) => number;

/**
 * Trains the layer on dec (rows x hidden): returns the loss, writes the gradients of W and b into g
 * (overwritten) and d(loss)/d(dec) into dDec (rows x hidden).
 */
export function softmaxOutputTrain(
  shape: OutputShape,
  p: DenseParams,
  up: Uploads,
  dec: Float32Array,
  rows: number,
  targets: Targets,
  g: DenseParams,
  dDec: Float32Array,
  ws: Workspace,
  way: (rows: number, targets: number) => GradientWay = (m, t) => cheaperWay(m, t, shape.hidden, shape.numItems),
): number {
  const H = shape.hidden;
  const wb = up.matrix(stacked(p.w, p.b), H + 1, shape.numItems);
  const gwb = stacked(g.w, g.b);
  const decOnes = ws.get('decOnes', Math.min(rows, OUTPUT_CHUNK_ROWS) * (H + 1));
  let nll = 0;
  for (let r0 = 0; r0 < rows; r0 += OUTPUT_CHUNK_ROWS) {
    const m = Math.min(rows, r0 + OUTPUT_CHUNK_ROWS) - r0;
    const x = withOnesColumn(dec.subarray(r0 * H, (r0 + m) * H), m, H, decOnes).subarray(0, m * (H + 1));
    const probs = new BackendMatrix(tf.tidy(() => tf.softmax(productTensor(x, m, wb, up))));
    const chunk: Chunk = { r0, m, x, probs, wb, accumulate: r0 > 0 };
    let count = 0;
    for (let r = r0; r < r0 + m; r++) count += targets.count[r];
    try {
      const train: ChunkTrainer = way(m, count) === 'write' ? writtenChunk : foldedChunk;
      nll += train(shape, p, up, chunk, targets, gwb, dDec.subarray(r0 * H, (r0 + m) * H), ws);
    } finally {
      probs.dispose();
    }
  }
  return nll;
}

/** -w_r sum log p over row r's targets, from its probabilities at probs[o ..]. */
function rowLoss(probs: Float32Array, o: number, targets: Targets, r: number): number {
  const { items, start, count } = targets;
  let logLik = 0;
  for (let k = start[r]; k < start[r] + count[r]; k++) logLik += Math.log(Math.max(probs[o + items[k]], MIN_PROBABILITY));
  return -targets.weight[r] * logLik;
}

/**
 * dDec (m x hidden) = G W^T for G (m x items), the chunk's probabilities or written gradient. One
 * product with [W; b], whose extra column (G b) is dropped, so that W is not uploaded a second time.
 */
function inputGradient(c: Chunk, hidden: number, up: Uploads, dDec: Float32Array, ws: Workspace): void {
  const H1 = hidden + 1;
  const withBias = productABt(c.probs, c.m, c.wb, up, ws.get('dDecOnes', c.m * H1));
  for (let i = 0; i < c.m; i++) dDec.set(withBias.subarray(i * H1, i * H1 + hidden), i * hidden);
}

function writtenChunk(
  shape: OutputShape,
  _p: DenseParams,
  up: Uploads,
  c: Chunk,
  targets: Targets,
  gwb: Float32Array,
  dDec: Float32Array,
  ws: Workspace,
): number {
  const { hidden: H, numItems: I } = shape;
  const { items, start, count, weight } = targets;
  const probs = tensorData(c.probs.tensor).data; // read before the next tensor is created
  let nll = 0;
  for (let i = 0; i < c.m; i++) {
    const r = c.r0 + i;
    const o = i * I;
    nll += rowLoss(probs, o, targets, r);
    const s = weight[r] * count[r];
    for (let j = o; j < o + I; j++) probs[j] *= s;
    for (let k = start[r]; k < start[r] + count[r]; k++) probs[o + items[k]] -= weight[r];
  }
  productAtB(c.x, c.probs, c.m, H + 1, I, gwb, c.accumulate);
  inputGradient(c, H, up, dDec, ws);
  return nll;
}

function foldedChunk(
  shape: OutputShape,
  p: DenseParams,
  up: Uploads,
  c: Chunk,
  targets: Targets,
  gwb: Float32Array,
  dDec: Float32Array,
  ws: Workspace,
): number {
  const { hidden: H, numItems: I } = shape;
  const { items, start, count, weight } = targets;
  const probs = tensorData(c.probs.tensor).data; // read before the next tensor is created
  const scale = ws.get('rowScale', c.m);
  let nll = 0;
  for (let i = 0; i < c.m; i++) {
    nll += rowLoss(probs, i * I, targets, c.r0 + i);
    scale[i] = weight[c.r0 + i] * count[c.r0 + i];
  }
  const xScaled = ws.get('decScaled', c.m * (H + 1));
  for (let i = 0; i < c.m; i++) {
    const o = i * (H + 1);
    for (let h = 0; h <= H; h++) xScaled[o + h] = scale[i] * c.x[o + h];
  }
  productAtB(xScaled, c.probs, c.m, H + 1, I, gwb, c.accumulate);
  inputGradient(c, H, up, dDec, ws);
  const w = p.w;
  for (let i = 0; i < c.m; i++) {
    const r = c.r0 + i;
    const d = i * H;
    const o = i * (H + 1);
    for (let h = 0; h < H; h++) dDec[d + h] *= scale[i];
    for (let k = start[r]; k < start[r] + count[r]; k++) {
      const t = items[k];
      for (let h = 0; h <= H; h++) gwb[h * I + t] -= weight[r] * c.x[o + h];
      for (let h = 0; h < H; h++) dDec[d + h] -= weight[r] * w[h * I + t];
    }
  }
  return nll;
}
