/**
 * RecVAE's passes written out by hand, as Mult-VAE's (network.ts), from the shared kernels:
 *
 *   x -> L2-normalised, dropout -> h1 = LN(swish(x W1 + b1))
 *   h_k = LN(swish(h_{k-1} W_k + b_k + h_1 + ... + h_{k-1}))   k = 2..5 (dense connections)
 *   [mu | logvar] = h5 Wo + bo;  z = mu + exp(logvar / 2) eps;  logits = z Wd + bd
 *   loss = mean over users of  -sum_i x_i log softmax(logits)_i + gamma |x| (log q(z) - log p(z))
 *
 * with p the composite prior (recvaeMath.ts). An encoder step (encoderStep) differentiates the loss
 * with respect to the encoder; a decoder step (decoderStep), without dropout, with respect to the
 * decoder only, as the reference alternates them. test/unit/recvae-gradients.test.ts checks both
 * against TensorFlow.js autodiff of a dense implementation.
 */
import { columnSums } from './kernels/elementwise';
import { Uploads, product, productABt, productAtB } from './kernels/products';
import { Targets, softmaxOutputTrain } from './kernels/softmaxOutput';
import { Workspace } from './kernels/workspace';
import { compositeKl, layerNorm, layerNormBackward, mulSwishGrad, swish } from './recvaeMath';
import { DecoderParams, ENCODER_LAYERS, EncoderParams, RecVaeDims, RecVaeParams } from './recvaeParams';
import { SparseInput, inputValues, sparseAffine, sparseInput, sparseWeightGrad } from './sparse';
import { SparseBatch } from './types';

export interface RecVaeNoise {
  /** Per nonzero of the batch: 1 kept by dropout, 0 dropped (encoder steps only). */
  keep: Uint8Array | null;
  /** rows x latent standard normals. */
  eps: Float32Array;
}

export interface RecVaeLoss {
  /** Sum over the rows of -sum_i x_i log softmax(logits)_i, divided by meanOver. */
  nll: number;
  /** Sum over the rows of gamma |x| KL, divided by meanOver: the reference's kld, weighted as in its loss. */
  kl: number;
}

/** An encoder pass's activations, kept for its backward pass. */
interface EncoderPass {
  x: SparseInput;
  rows: number;
  /** Per layer: its pre-activation, normalised activation and output (rows x hidden), and 1 / std per row. */
  a: Float32Array[];
  xhat: Float32Array[];
  h: Float32Array[];
  rstd: Float32Array[];
  /** rows x 2 latent: [mu | logvar]. */
  o: Float32Array;
}

/** The encoder's forward pass; `keep` applies dropout (scaled by 1 / (1 - dropout)). `name` keeps two passes' buffers apart in `ws`. */
function encoderForward(
  d: RecVaeDims,
  p: EncoderParams,
  batch: SparseBatch,
  keep: Uint8Array | null,
  dropout: number,
  up: Uploads,
  ws: Workspace,
  name: string,
): EncoderPass {
  const { hidden: H, latent: Z } = d;
  const rows = batch.rows;
  const x = sparseInput(batch.indptr, batch.indices, inputValues(batch.indptr, keep, keep ? 1 / (1 - dropout) : 1), d.numItems, H);
  const pass: EncoderPass = { x, rows, a: [], xhat: [], h: [], rstd: [], o: ws.get(`${name}.o`, rows * 2 * Z) };
  const sum = ws.get(`${name}.sum`, rows * H);
  const s = ws.get(`${name}.swish`, rows * H);
  for (let k = 0; k < ENCODER_LAYERS; k++) {
    const layer = p.layers[k];
    const a = ws.get(`${name}.a${k}`, rows * H);
    if (k === 0) sparseAffine(x, layer.w, layer.b, a);
    else {
      product(pass.h[k - 1], rows, up.matrix(layer.w, H, H), up.vector(layer.b), a);
      // Dense connections: every earlier layer's output enters this one's pre-activation.
      for (let i = 0; i < a.length; i++) a[i] += sum[i];
    }
    swish(a, s);
    const h = ws.get(`${name}.h${k}`, rows * H);
    const xhat = ws.get(`${name}.xhat${k}`, rows * H);
    const rstd = ws.get(`${name}.rstd${k}`, rows);
    layerNorm(s, rows, H, layer.gain, layer.bias, xhat, rstd, h);
    if (k === 0) sum.set(h);
    else for (let i = 0; i < h.length; i++) sum[i] += h[i];
    pass.a.push(a);
    pass.xhat.push(xhat);
    pass.h.push(h);
    pass.rstd.push(rstd);
  }
  product(pass.h[ENCODER_LAYERS - 1], rows, up.matrix(p.out.w, H, 2 * Z), up.vector(p.out.b), pass.o);
  return pass;
}

/** Given dO = d(loss)/d[mu | logvar], writes every encoder gradient into g (overwritten). */
function encoderBackward(d: RecVaeDims, p: EncoderParams, pass: EncoderPass, dO: Float32Array, g: EncoderParams, up: Uploads, ws: Workspace): void {
  const { hidden: H, latent: Z } = d;
  const { rows } = pass;
  const last = ENCODER_LAYERS - 1;
  productAtB(pass.h[last], dO, rows, H, 2 * Z, g.out.w);
  columnSums(dO, rows, 2 * Z, g.out.b);
  // dh: the gradient at the current layer's output; through: the sum of the later layers' pre-activation gradients (the dense connections).
  const dh = ws.get('dh', rows * H);
  const through = ws.get('through', rows * H).fill(0);
  productABt(dO, rows, up.matrix(p.out.w, H, 2 * Z), up, dh);
  for (let k = last; k >= 0; k--) {
    const layer = p.layers[k];
    const gl = g.layers[k];
    if (k < last) for (let i = 0; i < dh.length; i++) dh[i] += through[i];
    layerNormBackward(dh, rows, H, layer.gain, pass.xhat[k], pass.rstd[k], gl.gain, gl.bias);
    mulSwishGrad(dh, pass.a[k]);
    columnSums(dh, rows, H, gl.b);
    if (k === 0) {
      sparseWeightGrad(pass.x, dh, gl.w);
      break;
    }
    for (let i = 0; i < dh.length; i++) through[i] += dh[i];
    productAtB(pass.h[k - 1], dh, rows, H, H, gl.w);
    productABt(dh, rows, up.matrix(layer.w, H, H), up, dh);
  }
}

/** z = mu + exp(logvar / 2) eps; std keeps exp(logvar / 2). */
function sample(o: Float32Array, eps: Float32Array, rows: number, Z: number, z: Float32Array, std: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < Z; k++) {
      const s = Math.exp(0.5 * o[r * 2 * Z + Z + k]);
      std[r * Z + k] = s;
      z[r * Z + k] = o[r * 2 * Z + k] + s * eps[r * Z + k];
    }
  }
}

/** Each user's items, each -log p weighted by 1 / meanOver; and each user's KL weight gamma |x| / meanOver. */
function weightsOf(batch: SparseBatch, gamma: number, meanOver: number): { targets: Targets; klWeight: Float64Array } {
  const count = new Int32Array(batch.rows);
  const klWeight = new Float64Array(batch.rows);
  for (let r = 0; r < batch.rows; r++) {
    count[r] = batch.indptr[r + 1] - batch.indptr[r];
    klWeight[r] = (gamma * count[r]) / meanOver;
  }
  return { targets: { items: batch.indices, start: batch.indptr, count, weight: new Float64Array(batch.rows).fill(1 / meanOver) }, klWeight };
}

function checkNoise(d: RecVaeDims, batch: SparseBatch, noise: RecVaeNoise): void {
  if (noise.eps.length !== batch.rows * d.latent) throw new Error(`RecVAE training needs ${batch.rows} x ${d.latent} eps values`);
  if (noise.keep && noise.keep.length !== batch.indices.length) throw new Error(`RecVAE training needs a dropout flag per item (${batch.indices.length})`);
}

/**
 * One encoder step's pass over a batch (or a thread's share of it): the loss as the reference's, with
 * dropout on the input and the prior's encoder (p.old) fed the undropped input; writes the encoder's
 * gradients into g.enc. The decoder's own gradient is not needed and g.dec is left as scratch.
 */
export function encoderStep(
  d: RecVaeDims,
  p: RecVaeParams,
  batch: SparseBatch,
  noise: RecVaeNoise,
  dropout: number,
  gamma: number,
  g: RecVaeParams,
  meanOver = batch.rows,
  ws: Workspace = new Workspace(),
): RecVaeLoss {
  checkNoise(d, batch, noise);
  const { latent: Z, numItems: I } = d;
  const rows = batch.rows;
  const { targets, klWeight } = weightsOf(batch, gamma, meanOver);
  const up = new Uploads();
  try {
    const prior = encoderForward(d, p.old, batch, null, 0, up, ws, 'old');
    const pass = encoderForward(d, p.enc, batch, noise.keep, dropout, up, ws, 'enc');
    const z = ws.get('z', rows * Z);
    const std = ws.get('std', rows * Z);
    sample(pass.o, noise.eps, rows, Z, z, std);
    const dz = ws.get('dz', rows * Z);
    const nll = softmaxOutputTrain({ hidden: Z, numItems: I }, p.dec, up, z, rows, targets, g.dec, dz, ws);
    const dO = ws.get('dO', rows * 2 * Z);
    const kl = compositeKl(z, { o: pass.o, latent: Z }, { o: prior.o, latent: Z }, rows, klWeight, { dz, dO });
    // Through the reparameterisation: dz reaches mu as it is, and logvar as dz eps exp(logvar / 2) / 2.
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < Z; k++) {
        const gz = dz[r * Z + k];
        dO[r * 2 * Z + k] += gz;
        dO[r * 2 * Z + Z + k] += 0.5 * gz * noise.eps[r * Z + k] * std[r * Z + k];
      }
    }
    encoderBackward(d, p.enc, pass, dO, g.enc, up, ws);
    return { nll, kl };
  } finally {
    up.dispose();
  }
}

/**
 * One decoder step's pass: the encoder fixed and without dropout, z still sampled, and the prior's
 * encoder equal to the encoder (the reference refreshes it just before its decoder passes); writes
 * the decoder's gradients into g.dec. The KL term does not depend on the decoder: it is reported only.
 */
export function decoderStep(
  d: RecVaeDims,
  p: RecVaeParams,
  batch: SparseBatch,
  eps: Float32Array,
  gamma: number,
  g: RecVaeParams,
  meanOver = batch.rows,
  ws: Workspace = new Workspace(),
): RecVaeLoss {
  checkNoise(d, batch, { keep: null, eps });
  const { latent: Z, numItems: I } = d;
  const rows = batch.rows;
  const { targets, klWeight } = weightsOf(batch, gamma, meanOver);
  const up = new Uploads();
  try {
    const pass = encoderForward(d, p.enc, batch, null, 0, up, ws, 'enc');
    const z = ws.get('z', rows * Z);
    sample(pass.o, eps, rows, Z, z, ws.get('std', rows * Z));
    const dz = ws.get('dz', rows * Z);
    const nll = softmaxOutputTrain({ hidden: Z, numItems: I }, p.dec, up, z, rows, targets, g.dec, dz, ws);
    const posterior = { o: pass.o, latent: Z };
    return { nll, kl: compositeKl(z, posterior, posterior, rows, klWeight, null) };
  } finally {
    up.dispose();
  }
}

/** Evaluation mode: each row's posterior mean mu (no dropout). */
export function encodeMean(d: RecVaeDims, p: EncoderParams, batch: SparseBatch): Float32Array {
  const up = new Uploads();
  try {
    const o = encoderForward(d, p, batch, null, 0, up, new Workspace(), 'eval').o;
    const Z = d.latent;
    const mu = new Float32Array(batch.rows * Z);
    for (let r = 0; r < batch.rows; r++) mu.set(o.subarray(r * 2 * Z, r * 2 * Z + Z), r * Z);
    return mu;
  } finally {
    up.dispose();
  }
}

/** Evaluation-mode logits (z = mu, no dropout): rows x numItems. */
export function scoreLogits(d: RecVaeDims, p: RecVaeParams, batch: SparseBatch): Float32Array {
  const mu = encodeMean(d, p.enc, batch);
  return decode(d, p.dec, mu, batch.rows);
}

function decode(d: RecVaeDims, dec: DecoderParams, z: Float32Array, rows: number): Float32Array {
  const up = new Uploads();
  try {
    return product(z, rows, up.matrix(dec.w, d.latent, d.numItems), up.vector(dec.b), new Float32Array(rows * d.numItems));
  } finally {
    up.dispose();
  }
}
