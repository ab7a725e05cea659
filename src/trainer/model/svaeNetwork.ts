/**
 * SVAE's forward and backward passes written out by hand, for the reasons of network.ts (plain
 * products only: XNNPACK runs the transposed products of autodiff ~10x slower), plus two of its own:
 *
 * - Packed batches. A batch's sequences are sorted by length and laid out step-major, so step t
 *   holds one row for each sequence still running, and these are a prefix of step t-1's rows
 *   (PyTorch's pack_padded_sequence). Padding is never computed: it cannot reach the loss, the KL,
 *   the gradients or the metrics, and the expensive per-step layers (the output layer over all
 *   items above all) run on one dense matrix of real steps.
 * - The output layer runs in chunks of rows: the softmax on the backend, read in place in the
 *   backend's memory (wasmHeap.ts), and the probabilities fed as they are to both backward
 *   products, with the loss's row weights and sparse target terms applied around them.
 * - A product's right operand is packed by XNNPACK before it runs, at ~15 ns a value here against
 *   ~2 ns for an explicit transpose: a freshly computed 1,600 x 3,483 gradient packed as the right
 *   operand costs more than the product itself. So each weight gradient A^T B packs the narrower
 *   of A and B (productAtB), and dW4 is computed as (dLogits^T dec)^T.
 *
 * Per sequence of n items (the last maxLength of the history), step t reads item t and predicts
 * items t+1 .. t+k (the reference's next_k loss); the sequence's loss is
 *   sum_t -sum_{targets} log softmax(logits_t) / min(k, n - 1)  +  beta * mean_t KL_t,
 * as in the reference, and the batch loss is its mean over the batch's rows (users).
 * test/unit/svae-gradients.test.ts checks every gradient against tf.grads of a dense version.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SvaeDims, SvaeParams } from './svaeParams';
import { SparseBatch } from './types';
import { readInto, tensorData } from './wasmHeap';

/** Rows of the output layer per chunk: bounds the logits buffer (2048 x 3.5k items = 28 MB). */
const OUTPUT_CHUNK_ROWS = 2048;

/** Reused scratch arrays: fresh large typed arrays cost page faults on every step. */
export class Workspace {
  private readonly buffers = new Map<string, Float32Array>();

  get(name: string, size: number): Float32Array {
    let b = this.buffers.get(name);
    if (!b || b.length < size) {
      b = new Float32Array(Math.ceil(size * 1.25));
      this.buffers.set(name, b);
    }
    return b.subarray(0, size);
  }
}

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

/** A probability that underflowed to 0 still gives a finite log-likelihood (float32's smallest normal). */
const MIN_PROBABILITY = 1.2e-38;

/**
 * W (rows x cols) and its bias (cols) as one (rows + 1) x cols array. They are adjacent in the flat
 * parameter and gradient buffers (svaeParams.ts lists w4 then b4), so this is a view, not a copy.
 */
function stacked(w: Float32Array, b: Float32Array): Float32Array {
  if (w.buffer !== b.buffer || w.byteOffset + w.byteLength !== b.byteOffset) throw new Error('a weight and its bias must be adjacent in one buffer');
  return new Float32Array(w.buffer, w.byteOffset, w.length + b.length);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function tanhInPlace(a: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = Math.tanh(a[i]);
}

/** out (rows x w.shape[1]) = a (rows x k) W (+ bias). */
function product(a: Float32Array, rows: number, k: number, w: tf.Tensor2D, bias: tf.Tensor1D | null, out: Float32Array): Float32Array {
  const at = tf.tensor2d(a, [rows, k]);
  const r = bias ? tf.fused.matMul({ a: at, b: w, bias }) : tf.matMul(at, w);
  at.dispose();
  return readInto(r, out);
}

/**
 * out (ka x kb) = a^T b for a (rows x ka), b (rows x kb). The transposes are explicit (see the
 * module comment), and the narrower operand is the packed one: b when kb <= ka, else a, giving
 * (b^T a)^T.
 */
function productAtB(a: Float32Array, b: Float32Array, rows: number, ka: number, kb: number, out: Float32Array): Float32Array {
  if (kb <= ka) {
    const r = tf.tidy(() => tf.matMul(tf.transpose(tf.tensor2d(a, [rows, ka])), tf.tensor2d(b, [rows, kb])));
    return readInto(r, out);
  }
  const r = tf.tidy(() => tf.matMul(tf.transpose(tf.tensor2d(b, [rows, kb])), tf.tensor2d(a, [rows, ka])));
  addTransposed(tensorData(r).data, kb, ka, out, false);
  r.dispose();
  return out;
}

/** out (cols x rows) = t^T for t (rows x cols), or out += t^T when accumulating. */
function addTransposed(t: Float32Array, rows: number, cols: number, out: Float32Array, accumulate: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    if (accumulate) for (let c = 0; c < cols; c++) out[c * rows + r] += t[o + c];
    else for (let c = 0; c < cols; c++) out[c * rows + r] = t[o + c];
  }
}

function columnSums(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c] += a[o + c];
  }
}

/** The weights as backend tensors for one pass, with the transposes the backward products need. */
class Uploaded {
  readonly all: tf.Tensor[] = [];
  readonly wx: tf.Tensor2D;
  readonly bx: tf.Tensor1D;
  readonly wh: tf.Tensor2D;
  readonly bh: tf.Tensor1D;
  readonly w1: tf.Tensor2D;
  readonly b1: tf.Tensor1D;
  readonly w2: tf.Tensor2D;
  readonly b2: tf.Tensor1D;
  readonly w3: tf.Tensor2D;
  readonly b3: tf.Tensor1D;
  readonly w4: tf.Tensor2D;
  readonly b4: tf.Tensor1D;

  constructor(d: SvaeDims, p: SvaeParams) {
    const g = 3 * d.rnn;
    this.wx = this.keep(tf.tensor2d(p.wx, [d.embed, g]));
    this.bx = this.keep(tf.tensor1d(p.bx));
    this.wh = this.keep(tf.tensor2d(p.wh, [d.rnn, g]));
    this.bh = this.keep(tf.tensor1d(p.bh));
    this.w1 = this.keep(tf.tensor2d(p.w1, [d.rnn, d.hidden]));
    this.b1 = this.keep(tf.tensor1d(p.b1));
    this.w2 = this.keep(tf.tensor2d(p.w2, [d.hidden, 2 * d.latent]));
    this.b2 = this.keep(tf.tensor1d(p.b2));
    this.w3 = this.keep(tf.tensor2d(p.w3, [d.latent, d.hidden]));
    this.b3 = this.keep(tf.tensor1d(p.b3));
    this.w4 = this.keep(tf.tensor2d(p.w4, [d.hidden, d.numItems]));
    this.b4 = this.keep(tf.tensor1d(p.b4));
  }

  keep<T extends tf.Tensor>(t: T): T {
    this.all.push(t);
    return t;
  }

  transposed(w: tf.Tensor2D): tf.Tensor2D {
    return this.keep(tf.transpose(w));
  }

  dispose(): void {
    tf.dispose(this.all);
  }
}

/** The GRU over a packed batch; with `saved`, keeps what the backward pass needs. */
interface GruSaved {
  x: Float32Array;
  hPrev: Float32Array;
  reset: Float32Array;
  update: Float32Array;
  candidate: Float32Array;
  ghn: Float32Array;
}

function gruForward(d: SvaeDims, p: SvaeParams, w: Uploaded, batch: SparseBatch, pk: Packed, ws: Workspace, saved: GruSaved | null): Float32Array {
  const { embed: E, rnn: R } = d;
  const G = 3 * R;
  const S = pk.size;
  const x = saved ? saved.x : ws.get('x', S * E);
  for (let q = 0; q < S; q++) {
    const item = batch.indices[pk.first[pk.seqOf[q]] + pk.stepOf[q]];
    x.set(p.emb.subarray(item * E, (item + 1) * E), q * E);
  }
  const gx = product(x, S, E, w.wx, w.bx, ws.get('gx', S * G));
  const h = ws.get('h', S * R);
  for (let t = 0; t < pk.active.length; t++) {
    const a = pk.active[t];
    const o = pk.offset[t];
    let gh: Float32Array;
    let ghTensor: tf.Tensor | null = null;
    let prev: Float32Array | null = null;
    if (t === 0) {
      gh = ws.get('gh0', a * G);
      for (let i = 0; i < a; i++) gh.set(p.bh, i * G);
    } else {
      prev = h.subarray(pk.offset[t - 1] * R, (pk.offset[t - 1] + a) * R);
      const prevT = tf.tensor2d(prev, [a, R]);
      ghTensor = tf.fused.matMul({ a: prevT, b: w.wh, bias: w.bh });
      prevT.dispose();
      gh = tensorData(ghTensor).data; // read before the next tensor is created
    }
    for (let i = 0; i < a; i++) {
      const xo = (o + i) * G;
      const go = i * G;
      const ho = (o + i) * R;
      for (let c = 0; c < R; c++) {
        const rg = sigmoid(gx[xo + c] + gh[go + c]);
        const ug = sigmoid(gx[xo + R + c] + gh[go + R + c]);
        const ghn = gh[go + 2 * R + c];
        const n = Math.tanh(gx[xo + 2 * R + c] + rg * ghn);
        const hp = prev ? prev[i * R + c] : 0;
        h[ho + c] = (1 - ug) * n + ug * hp;
        if (saved) {
          saved.reset[ho + c] = rg;
          saved.update[ho + c] = ug;
          saved.candidate[ho + c] = n;
          saved.ghn[ho + c] = ghn;
          saved.hPrev[ho + c] = hp;
        }
      }
    }
    ghTensor?.dispose();
  }
  return h;
}

export interface SvaeLossParts {
  /** Mean over the batch's users of their next-k negative log-likelihood (summed over steps, divided by min(k, n - 1)). */
  nll: number;
  /** Mean over users of the per-step KL averaged over their steps. */
  kl: number;
}

export interface SvaeTrainOptions {
  nextK: number;
  maxLength: number;
  beta: number;
  /** Users the batch loss is a mean over (default batch.rows): a thread given part of a batch divides by the whole batch. */
  meanOver?: number;
}

/**
 * One forward + backward pass in training mode. eps holds latent-width standard normals for each
 * step of each row, rows in batch order (trainingSteps(batch, maxLength) steps in all). Writes
 * d(loss)/d(param) into g (every view overwritten) and returns the loss parts.
 */
export function svaeForwardBackward(
  d: SvaeDims,
  p: SvaeParams,
  batch: SparseBatch,
  opts: SvaeTrainOptions,
  eps: Float32Array,
  g: SvaeParams,
  ws: Workspace = new Workspace(),
): SvaeLossParts {
  const { embed: E, rnn: R, hidden: Hd, latent: Z, numItems: I } = d;
  const G = 3 * R;
  const pk = pack(batch, opts.maxLength, true);
  const S = pk.size;
  for (const name of Object.keys(g) as (keyof SvaeParams)[]) g[name].fill(0);
  if (S === 0) return { nll: 0, kl: 0 };
  if (eps.length < trainingSteps(batch, opts.maxLength) * Z) throw new Error(`SVAE training needs ${trainingSteps(batch, opts.maxLength)} x ${Z} eps values`);
  const invRows = 1 / (opts.meanOver ?? pk.rows);
  // Per sorted sequence: the weight of its nll terms and of its KL terms in the batch loss.
  const wNll = Float64Array.from(pk.length, (n) => invRows / Math.min(opts.nextK, n - 1));
  const wKl = Float64Array.from(pk.steps, (T) => (opts.beta * invRows) / T);

  const w = new Uploaded(d, p);
  try {
    const saved: GruSaved = {
      x: ws.get('x', S * E),
      hPrev: ws.get('hPrev', S * R),
      reset: ws.get('reset', S * R),
      update: ws.get('update', S * R),
      candidate: ws.get('candidate', S * R),
      ghn: ws.get('ghn', S * R),
    };
    const h = gruForward(d, p, w, batch, pk, ws, saved);

    // Per-step encoder, Gaussian latent and decoder.
    const e1 = product(h, S, R, w.w1, w.b1, ws.get('e1', S * Hd));
    tanhInPlace(e1);
    const o = product(e1, S, Hd, w.w2, w.b2, ws.get('o', S * 2 * Z));
    const z = ws.get('z', S * Z);
    const std = ws.get('std', S * Z);
    const epsPacked = ws.get('eps', S * Z);
    let klSum = 0;
    for (let q = 0; q < S; q++) {
      const j = pk.seqOf[q];
      const src = (pk.canon[j] + pk.stepOf[q]) * Z;
      let kl = 0;
      for (let c = 0; c < Z; c++) {
        const mu = o[q * 2 * Z + c];
        const lv = o[q * 2 * Z + Z + c];
        const s = Math.exp(0.5 * lv);
        const e = eps[src + c];
        std[q * Z + c] = s;
        epsPacked[q * Z + c] = e;
        z[q * Z + c] = mu + s * e;
        kl += 0.5 * (s * s + mu * mu - 1 - lv);
      }
      klSum += (kl * invRows) / pk.steps[j];
    }
    const dec = product(z, S, Z, w.w3, w.b3, ws.get('dec', S * Hd));
    tanhInPlace(dec);

    // Output layer, chunk by chunk, with the softmax on the backend (XNNPACK). Row i's gradient with
    // respect to its logits is s_i p_i - w_i y_i (p_i its probabilities, y_i its targets' one-hots,
    // s_i = w_i * #targets). It is never written out: both backward products take P as it is, with
    // s folded into their small operands, and the sparse -w_i y_i terms are added here; under two
    // threads a pass over rows x items is paid in memory bandwidth. A ones column on the decoder
    // output and the bias as the last row of W4 make one product give dW4 and db4 together.
    const w4b4 = w.keep(tf.tensor2d(stacked(p.w4, p.b4), [Hd + 1, I]));
    const w4T = w.transposed(w.w4);
    const gw4b4 = stacked(g.w4, g.b4);
    const rowsMax = Math.min(S, OUTPUT_CHUNK_ROWS);
    const decOnes = ws.get('decOnes', rowsMax * (Hd + 1));
    const decScaled = ws.get('decScaled', rowsMax * (Hd + 1));
    const rowScale = ws.get('rowScale', rowsMax);
    const dDec = ws.get('dDec', S * Hd);
    let nllSum = 0;
    for (let c0 = 0; c0 < S; c0 += OUTPUT_CHUNK_ROWS) {
      const m = Math.min(S, c0 + OUTPUT_CHUNK_ROWS) - c0;
      for (let i = 0; i < m; i++) {
        decOnes.set(dec.subarray((c0 + i) * Hd, (c0 + i + 1) * Hd), i * (Hd + 1));
        decOnes[i * (Hd + 1) + Hd] = 1;
      }
      const probsT = tf.tidy(() => tf.softmax(tf.matMul(tf.tensor2d(decOnes.subarray(0, m * (Hd + 1)), [m, Hd + 1]), w4b4)));
      const probs = tensorData(probsT).data; // read before the next tensor is created
      for (let i = 0; i < m; i++) {
        const q = c0 + i;
        const j = pk.seqOf[q];
        const { start, count } = nextTargets(pk, j, pk.stepOf[q], opts.nextK);
        let logLik = 0;
        for (let k = 0; k < count; k++) logLik += Math.log(Math.max(probs[i * I + batch.indices[start + k]], MIN_PROBABILITY));
        nllSum -= wNll[j] * logLik;
        rowScale[i] = wNll[j] * count;
      }
      for (let i = 0; i < m; i++) {
        const o = i * (Hd + 1);
        for (let h = 0; h <= Hd; h++) decScaled[o + h] = rowScale[i] * decOnes[o + h];
      }
      const part = tf.tidy(() => tf.matMul(tf.transpose(probsT), tf.tensor2d(decScaled.subarray(0, m * (Hd + 1)), [m, Hd + 1])));
      addTransposed(tensorData(part).data, I, Hd + 1, gw4b4, true);
      part.dispose();
      const dDecChunk = readInto(tf.matMul(probsT, w4T), dDec.subarray(c0 * Hd, (c0 + m) * Hd));
      probsT.dispose();
      for (let i = 0; i < m; i++) {
        const q = c0 + i;
        const j = pk.seqOf[q];
        const { start, count } = nextTargets(pk, j, pk.stepOf[q], opts.nextK);
        const wj = wNll[j];
        const d = i * Hd;
        const o = i * (Hd + 1);
        for (let h = 0; h < Hd; h++) dDecChunk[d + h] *= rowScale[i];
        for (let k = 0; k < count; k++) {
          const t = batch.indices[start + k];
          for (let h = 0; h <= Hd; h++) gw4b4[h * I + t] -= wj * decOnes[o + h];
          for (let h = 0; h < Hd; h++) dDecChunk[d + h] -= wj * p.w4[h * I + t];
        }
      }
    }

    // Decoder MLP.
    const dA3 = dDec;
    for (let k = 0; k < S * Hd; k++) dA3[k] *= 1 - dec[k] * dec[k];
    productAtB(z, dA3, S, Z, Hd, g.w3);
    columnSums(dA3, S, Hd, g.b3);
    const dz = product(dA3, S, Hd, w.transposed(w.w3), null, ws.get('dz', S * Z));

    // Latent: reparameterisation and KL.
    const dO = ws.get('dO', S * 2 * Z);
    for (let q = 0; q < S; q++) {
      const kw = wKl[pk.seqOf[q]];
      for (let c = 0; c < Z; c++) {
        const gz = dz[q * Z + c];
        const s = std[q * Z + c];
        dO[q * 2 * Z + c] = gz + kw * o[q * 2 * Z + c];
        dO[q * 2 * Z + Z + c] = 0.5 * s * gz * epsPacked[q * Z + c] + 0.5 * kw * (s * s - 1);
      }
    }
    productAtB(e1, dO, S, Hd, 2 * Z, g.w2);
    columnSums(dO, S, 2 * Z, g.b2);
    const dA1 = product(dO, S, 2 * Z, w.transposed(w.w2), null, ws.get('dA1', S * Hd));
    for (let k = 0; k < S * Hd; k++) dA1[k] *= 1 - e1[k] * e1[k];
    productAtB(h, dA1, S, R, Hd, g.w1);
    columnSums(dA1, S, Hd, g.b1);
    const dh = product(dA1, S, Hd, w.transposed(w.w1), null, ws.get('dh', S * R));

    // GRU, backwards through time. dh accumulates, per packed row, the gradient from the encoder
    // and from the next step; step t's rows receive the carry of step t+1's rows (a prefix of them).
    const dgx = ws.get('dgx', S * G);
    const dgh = ws.get('dgh', S * G);
    const whT = w.transposed(w.wh);
    for (let t = pk.active.length - 1; t >= 0; t--) {
      const a = pk.active[t];
      const o0 = pk.offset[t];
      for (let i = 0; i < a; i++) {
        const ho = (o0 + i) * R;
        const go = (o0 + i) * G;
        for (let c = 0; c < R; c++) {
          const dhc = dh[ho + c];
          const rg = saved.reset[ho + c];
          const ug = saved.update[ho + c];
          const n = saved.candidate[ho + c];
          const dn = dhc * (1 - ug);
          const du = dhc * (saved.hPrev[ho + c] - n);
          const dan = dn * (1 - n * n);
          const dr = dan * saved.ghn[ho + c];
          const dar = dr * rg * (1 - rg);
          const dau = du * ug * (1 - ug);
          dgx[go + c] = dar;
          dgx[go + R + c] = dau;
          dgx[go + 2 * R + c] = dan;
          dgh[go + c] = dar;
          dgh[go + R + c] = dau;
          dgh[go + 2 * R + c] = dan * rg;
        }
      }
      if (t === 0) continue;
      const dghT = tf.tensor2d(dgh.subarray(o0 * G, (o0 + a) * G), [a, G]);
      const carryT = tf.matMul(dghT, whT);
      dghT.dispose();
      const carry = tensorData(carryT).data;
      const p0 = pk.offset[t - 1] * R;
      for (let i = 0; i < a; i++) {
        const ho = (o0 + i) * R;
        for (let c = 0; c < R; c++) dh[p0 + i * R + c] += carry[i * R + c] + dh[ho + c] * saved.update[ho + c];
      }
      carryT.dispose();
    }
    productAtB(saved.x, dgx, S, E, G, g.wx);
    columnSums(dgx, S, G, g.bx);
    productAtB(saved.hPrev, dgh, S, R, G, g.wh);
    columnSums(dgh, S, G, g.bh);
    const dx = product(dgx, S, G, w.transposed(w.wx), null, ws.get('dx', S * E));
    const gEmb = g.emb;
    for (let q = 0; q < S; q++) {
      const item = batch.indices[pk.first[pk.seqOf[q]] + pk.stepOf[q]];
      const dst = item * E;
      const src = q * E;
      for (let c = 0; c < E; c++) gEmb[dst + c] += dx[src + c];
    }
    return { nll: nllSum, kl: klSum };
  } finally {
    w.dispose();
  }
}

/**
 * Evaluation-mode scores (z = mu): for each row, the logits over all items after its last item,
 * rows x numItems. A row without items is scored from the GRU's initial (zero) state.
 */
export function svaeScore(d: SvaeDims, p: SvaeParams, batch: SparseBatch, maxLength: number, ws: Workspace = new Workspace()): Float32Array {
  const { rnn: R, hidden: Hd, latent: Z } = d;
  const pk = pack(batch, maxLength, false);
  const w = new Uploaded(d, p);
  try {
    const h = gruForward(d, p, w, batch, pk, ws, null);
    const last = new Float32Array(batch.rows * R);
    for (let j = 0; j < pk.count; j++) {
      const q = pk.offset[pk.steps[j] - 1] + j;
      last.set(h.subarray(q * R, (q + 1) * R), pk.row[j] * R);
    }
    const e1 = product(last, batch.rows, R, w.w1, w.b1, new Float32Array(batch.rows * Hd));
    tanhInPlace(e1);
    const o = product(e1, batch.rows, Hd, w.w2, w.b2, new Float32Array(batch.rows * 2 * Z));
    const mu = new Float32Array(batch.rows * Z);
    for (let r = 0; r < batch.rows; r++) mu.set(o.subarray(r * 2 * Z, r * 2 * Z + Z), r * Z);
    const dec = product(mu, batch.rows, Z, w.w3, w.b3, new Float32Array(batch.rows * Hd));
    tanhInPlace(dec);
    return product(dec, batch.rows, Hd, w.w4, w.b4, new Float32Array(batch.rows * d.numItems));
  } finally {
    w.dispose();
  }
}
