/**
 * SVAE's item embedding and GRU over a packed batch (svaeBatch.ts), forward and backward through
 * time, as PyTorch's GRU: gates [reset, update, new] stacked along the columns,
 *   r = sigmoid(x Wx_r + bx_r + h Wh_r + bh_r),  u = sigmoid(x Wx_u + bx_u + h Wh_u + bh_u),
 *   n = tanh(x Wx_n + bx_n + r (h Wh_n + bh_n)),  h' = (1 - u) n + u h,  h_0 = 0.
 * The input products of all steps run as one product; the recurrence as one small product per
 * step, on the rows still running (a prefix of the previous step's), with the gates in JS.
 */
import * as tf from '@tensorflow/tfjs-core';
import { columnSums, sigmoid, tanh } from './kernels/elementwise';
import { Uploads, product, productABt, productAtB } from './kernels/products';
import { tensorData } from './kernels/wasmHeap';
import { Workspace } from './kernels/workspace';
import { Packed, stepItem } from './svaeBatch';
import { SvaeDims, SvaeParams } from './svaeParams';
import { SparseBatch } from './types';

/** What the backward pass needs of the forward one, per packed row. */
export interface GruSaved {
  /** The embedded items read (size x embed). */
  x: Float32Array;
  /** The state before the step, and the gates (size x rnn each; ghn = h Wh_n + bh_n). */
  hPrev: Float32Array;
  reset: Float32Array;
  update: Float32Array;
  candidate: Float32Array;
  ghn: Float32Array;
}

export function gruSaved(d: SvaeDims, pk: Packed, ws: Workspace): GruSaved {
  const n = pk.size * d.rnn;
  return {
    x: ws.get('x', pk.size * d.embed),
    hPrev: ws.get('hPrev', n),
    reset: ws.get('reset', n),
    update: ws.get('update', n),
    candidate: ws.get('candidate', n),
    ghn: ws.get('ghn', n),
  };
}

/** The states after every step (size x rnn); with `saved`, keeps what the backward pass needs. */
export function gruForward(d: SvaeDims, p: SvaeParams, up: Uploads, batch: SparseBatch, pk: Packed, ws: Workspace, saved: GruSaved | null): Float32Array {
  const { embed: E, rnn: R } = d;
  const G = 3 * R;
  const S = pk.size;
  const x = saved ? saved.x : ws.get('x', S * E);
  for (let q = 0; q < S; q++) {
    const item = stepItem(batch, pk, q);
    x.set(p.emb.subarray(item * E, (item + 1) * E), q * E);
  }
  const gx = product(x, S, up.matrix(p.wx, E, G), up.vector(p.bx), ws.get('gx', S * G));
  const wh = up.matrix(p.wh, R, G);
  const bh = up.vector(p.bh);
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
      ghTensor = tf.fused.matMul({ a: prevT, b: wh, bias: bh });
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
        const n = tanh(gx[xo + 2 * R + c] + rg * ghn);
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

/**
 * Backward through time from dh = d(loss)/d(state) per packed row (from the layers above; it is
 * overwritten as the carry from later steps is added). Writes the gradients of wx, bx, wh and bh,
 * and adds the embedding's (g.emb must start at zero).
 */
export function gruBackward(
  d: SvaeDims,
  p: SvaeParams,
  up: Uploads,
  batch: SparseBatch,
  pk: Packed,
  saved: GruSaved,
  dh: Float32Array,
  g: SvaeParams,
  ws: Workspace,
): void {
  const { embed: E, rnn: R } = d;
  const G = 3 * R;
  const S = pk.size;
  const dgx = ws.get('dgx', S * G);
  const dgh = ws.get('dgh', S * G);
  // Step t's rows receive the carry of step t+1's rows (a prefix of them).
  const whT = up.transposed(up.matrix(p.wh, R, G));
  for (let t = pk.active.length - 1; t >= 0; t--) {
    const a = pk.active[t];
    const o0 = pk.offset[t];
    gateGradients(saved, dh, o0, a, R, dgx, dgh);
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
  const dx = productABt(dgx, S, up.matrix(p.wx, E, G), up, ws.get('dx', S * E));
  for (let q = 0; q < S; q++) {
    const dst = stepItem(batch, pk, q) * E;
    const src = q * E;
    for (let c = 0; c < E; c++) g.emb[dst + c] += dx[src + c];
  }
}

/** The gradients at the gates' pre-activations of rows o0 .. o0 + a, for the input (dgx) and the recurrent (dgh) products. */
function gateGradients(saved: GruSaved, dh: Float32Array, o0: number, a: number, R: number, dgx: Float32Array, dgh: Float32Array): void {
  const G = 3 * R;
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
}
