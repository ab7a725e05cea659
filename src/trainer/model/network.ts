/**
 * Mult-VAE / Mult-DAE forward and backward passes written out by hand, layer by layer: a sparse
 * input layer (sparse.ts), the encoder, the Gaussian latent (Mult-VAE) and the decoder as dense
 * layers, and the multinomial output layer over all items, from the kernels shared with SVAE
 * (kernels/). Why not tf.grads: autodiff's transposed products run ~10x slower on XNNPACK and it
 * would compute the useless gradient with respect to the input (kernels/products.ts).
 * test/unit/model-gradients.test.ts checks every gradient against tf.grads of a dense implementation.
 */
import { Dense, DenseParams, denseBackward, denseForward } from './kernels/dense';
import { columnSums, mulTanhGrad, tanhInPlace } from './kernels/elementwise';
import { gaussianBackward, gaussianForward } from './kernels/gaussian';
import { Uploads } from './kernels/products';
import { Targets, softmaxOutputTrain } from './kernels/softmaxOutput';
import { Workspace } from './kernels/workspace';
import { Dims, ParamViews } from './params';
import { SparseInput, inputValues, sparseAffine, sparseInput, sparseWeightGrad } from './sparse';
import { SparseBatch } from './types';

/** The randomness of one training pass, drawn by the caller so it can be fixed in tests. */
export interface Noise {
  /** Per nonzero of the batch (parallel to batch.indices): 1 = kept by dropout, 0 = dropped. */
  keep: Uint8Array;
  /** rows x latent standard normals for the reparameterisation (Mult-VAE only). */
  eps: Float32Array | null;
}

export interface LossParts {
  /** Mean over rows of -sum_i log_softmax(logits)_i * x_i. */
  nll: number;
  /** Mean over rows of KL(N(mu, sigma^2) || N(0, I)); 0 for Mult-DAE. */
  kl: number;
}

/** hidden -> latent: Mult-VAE's emits [mu | logvar], Mult-DAE's the tanh code z (as every layer but the last in Liang et al.). */
function encoder(d: Dims): Dense {
  return d.variational ? { fanIn: d.hidden, fanOut: 2 * d.latent, act: 'linear' } : { fanIn: d.hidden, fanOut: d.latent, act: 'tanh' };
}

function decoder(d: Dims): Dense {
  return { fanIn: d.latent, fanOut: d.hidden, act: 'tanh' };
}

const layer2 = (p: ParamViews): DenseParams => ({ w: p.w2, b: p.b2 });
const layer3 = (p: ParamViews): DenseParams => ({ w: p.w3, b: p.b3 });
const layer4 = (p: ParamViews): DenseParams => ({ w: p.w4, b: p.b4 });

/** h = tanh(x_n W1 + b1), computed sparsely. */
function inputForward(p: ParamViews, x: SparseInput, h: Float32Array): Float32Array {
  sparseAffine(x, p.w1, p.b1, h);
  tanhInPlace(h);
  return h;
}

/** Through tanh into W1 and b1 (dh is overwritten); the input's own gradient is never needed. */
function inputBackward(x: SparseInput, h: Float32Array, dh: Float32Array, g: ParamViews): void {
  mulTanhGrad(dh, h);
  columnSums(dh, x.rows, x.cols, g.b1);
  sparseWeightGrad(x, dh, g.w1);
}

/** Each user's targets are their items, each -log p weighted by 1 / meanOver. */
function userTargets(batch: SparseBatch, weight: number): Targets {
  const count = new Int32Array(batch.rows);
  for (let r = 0; r < batch.rows; r++) count[r] = batch.indptr[r + 1] - batch.indptr[r];
  return { items: batch.indices, start: batch.indptr, count, weight: new Float64Array(batch.rows).fill(weight) };
}

/**
 * One forward + backward pass in training mode. Writes d(loss)/d(param) into g (every view is
 * overwritten) for loss = nll + beta * kl and returns the two parts. Both are sums over the rows
 * divided by meanOver: the batch size, or the whole batch's size when this is one thread's share.
 */
export function forwardBackward(
  d: Dims,
  p: ParamViews,
  batch: SparseBatch,
  noise: Noise,
  dropout: number,
  beta: number,
  g: ParamViews,
  meanOver = batch.rows,
  ws: Workspace = new Workspace(),
): LossParts {
  const { hidden: H, latent: Z } = d;
  const B = batch.rows;
  const invB = 1 / meanOver;
  const eps = d.variational ? noise.eps : null;
  if (d.variational && (eps === null || eps.length !== B * Z)) throw new Error(`Mult-VAE training needs ${B} x ${Z} eps values`);
  const enc = encoder(d);
  const dec = decoder(d);
  const x = sparseInput(batch.indptr, batch.indices, inputValues(batch.indptr, noise.keep, 1 / (1 - dropout)), d.numItems, H);
  const up = new Uploads();
  try {
    const h = inputForward(p, x, ws.get('h', B * H));
    const o = denseForward(enc, layer2(p), up, h, B, ws.get('o', B * enc.fanOut));
    // The VAE samples z; the DAE's z is the encoder's output.
    const z = eps ? ws.get('z', B * Z) : o;
    const std = ws.get('std', eps ? B * Z : 0);
    const kl = eps ? gaussianForward(o, eps, B, Z, invB, z, std) : 0;
    const y = denseForward(dec, layer3(p), up, z, B, ws.get('dec', B * H));

    const dy = ws.get('dDec', B * H);
    const nll = softmaxOutputTrain({ hidden: H, numItems: d.numItems }, layer4(p), up, y, B, userTargets(batch, invB), layer4(g), dy, ws);
    const dz = ws.get('dz', B * Z);
    denseBackward(dec, layer3(p), up, z, y, dy, B, layer3(g), dz);
    const dO = eps ? ws.get('dO', B * enc.fanOut) : dz;
    if (eps) gaussianBackward(o, eps, std, dz, B, Z, beta * invB, dO);
    const dh = ws.get('dh', B * H);
    denseBackward(enc, layer2(p), up, h, o, dO, B, layer2(g), dh);
    inputBackward(x, h, dh, g);
    return { nll, kl };
  } finally {
    up.dispose();
  }
}

/** Evaluation-mode encoder: rows x latent means (Mult-VAE mu, or Mult-DAE's tanh code z). */
export function encodeMean(d: Dims, p: ParamViews, batch: SparseBatch): Float32Array {
  const up = new Uploads();
  try {
    return encodeWith(d, p, batch, up);
  } finally {
    up.dispose();
  }
}

function encodeWith(d: Dims, p: ParamViews, batch: SparseBatch, up: Uploads): Float32Array {
  const Z = d.latent;
  const enc = encoder(d);
  const x = sparseInput(batch.indptr, batch.indices, inputValues(batch.indptr, null, 1), d.numItems, d.hidden);
  const h = inputForward(p, x, new Float32Array(batch.rows * d.hidden));
  const o = denseForward(enc, layer2(p), up, h, batch.rows, new Float32Array(batch.rows * enc.fanOut));
  if (!d.variational) return o;
  const mu = new Float32Array(batch.rows * Z);
  for (let r = 0; r < batch.rows; r++) mu.set(o.subarray(r * 2 * Z, r * 2 * Z + Z), r * Z);
  return mu;
}

/** Evaluation-mode logits (z = mu, no dropout): rows x numItems. */
export function scoreLogits(d: Dims, p: ParamViews, batch: SparseBatch): Float32Array {
  const up = new Uploads();
  try {
    const z = encodeWith(d, p, batch, up);
    const y = denseForward(decoder(d), layer3(p), up, z, batch.rows, new Float32Array(batch.rows * d.hidden));
    const output: Dense = { fanIn: d.hidden, fanOut: d.numItems, act: 'linear' };
    return denseForward(output, layer4(p), up, y, batch.rows, new Float32Array(batch.rows * d.numItems));
  } finally {
    up.dispose();
  }
}
