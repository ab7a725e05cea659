/**
 * SVAE's forward and backward passes written out by hand, layer by layer, on packed batches
 * (svaeBatch.ts): the item embedding and GRU (gru.ts), then at every step a tanh encoder layer, the
 * Gaussian latent, a tanh decoder layer and the multinomial output layer over all items, from the
 * kernels shared with Mult-VAE (kernels/: plain products only, each gradient product packing the
 * operand that costs less; the output layer in chunks, its softmax read in place).
 *
 * Per sequence of n items (the last maxLength of the history), step t reads item t and predicts
 * items t+1 .. t+k (the reference's next_k loss); the sequence's loss is
 *   sum_t -sum_{targets} log softmax(logits_t) / min(k, n - 1)  +  beta * mean_t KL_t,
 * as in the reference, and the batch loss is its mean over the batch's rows (users).
 * test/unit/svae-gradients.test.ts checks every gradient against tf.grads of a dense version.
 */
import { Dense, DenseParams, denseBackward, denseForward } from './kernels/dense';
import { gaussianBackward, gaussianForward } from './kernels/gaussian';
import { Uploads } from './kernels/products';
import { Targets, softmaxOutputTrain } from './kernels/softmaxOutput';
import { Workspace } from './kernels/workspace';
import { gruBackward, gruForward, gruSaved } from './gru';
import { Packed, nextTargets, pack, packedNoise, trainingSteps } from './svaeBatch';
import { SvaeDims, SvaeParams } from './svaeParams';
import { SparseBatch } from './types';

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

/** The per-step layers: state -> hidden (tanh) -> [mu | logvar], latent -> hidden (tanh); then the output layer. */
const encoder1 = (d: SvaeDims): Dense => ({ fanIn: d.rnn, fanOut: d.hidden, act: 'tanh' });
const encoder2 = (d: SvaeDims): Dense => ({ fanIn: d.hidden, fanOut: 2 * d.latent, act: 'linear' });
const decoder = (d: SvaeDims): Dense => ({ fanIn: d.latent, fanOut: d.hidden, act: 'tanh' });
const output = (d: SvaeDims): Dense => ({ fanIn: d.hidden, fanOut: d.numItems, act: 'linear' });
const layer1 = (p: SvaeParams): DenseParams => ({ w: p.w1, b: p.b1 });
const layer2 = (p: SvaeParams): DenseParams => ({ w: p.w2, b: p.b2 });
const layer3 = (p: SvaeParams): DenseParams => ({ w: p.w3, b: p.b3 });
const layer4 = (p: SvaeParams): DenseParams => ({ w: p.w4, b: p.b4 });

/** Each packed row's next-k targets, each -log p weighted by 1 / (users x min(k, n - 1)) of its sequence. */
function stepTargets(batch: SparseBatch, pk: Packed, nextK: number, invRows: number): Targets {
  const start = new Int32Array(pk.size);
  const count = new Int32Array(pk.size);
  const weight = new Float64Array(pk.size);
  for (let q = 0; q < pk.size; q++) {
    const j = pk.seqOf[q];
    const t = nextTargets(pk, j, pk.stepOf[q], nextK);
    start[q] = t.start;
    count[q] = t.count;
    weight[q] = invRows / Math.min(nextK, pk.length[j] - 1);
  }
  return { items: batch.indices, start, count, weight };
}

/** Each packed row's weight in the KL term: 1 / (users x steps of its sequence), times `scale`. */
function klWeights(pk: Packed, invRows: number, scale: number): Float64Array {
  return Float64Array.from(pk.seqOf, (j) => (scale * invRows) / pk.steps[j]);
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
  const { hidden: Hd, latent: Z } = d;
  const pk = pack(batch, opts.maxLength, true);
  const S = pk.size;
  for (const name of Object.keys(g) as (keyof SvaeParams)[]) g[name].fill(0);
  if (S === 0) return { nll: 0, kl: 0 };
  if (eps.length < trainingSteps(batch, opts.maxLength) * Z) throw new Error(`SVAE training needs ${trainingSteps(batch, opts.maxLength)} x ${Z} eps values`);
  const invRows = 1 / (opts.meanOver ?? pk.rows);
  const up = new Uploads();
  try {
    const saved = gruSaved(d, pk, ws);
    const h = gruForward(d, p, up, batch, pk, ws, saved);
    const e1 = denseForward(encoder1(d), layer1(p), up, h, S, ws.get('e1', S * Hd));
    const o = denseForward(encoder2(d), layer2(p), up, e1, S, ws.get('o', S * 2 * Z));
    const stepEps = packedNoise(pk, eps, Z, ws.get('eps', S * Z));
    const z = ws.get('z', S * Z);
    const std = ws.get('std', S * Z);
    const kl = gaussianForward(o, stepEps, S, Z, klWeights(pk, invRows, 1), z, std);
    const y = denseForward(decoder(d), layer3(p), up, z, S, ws.get('dec', S * Hd));

    const dy = ws.get('dDec', S * Hd);
    const nll = softmaxOutputTrain({ hidden: Hd, numItems: d.numItems }, layer4(p), up, y, S, stepTargets(batch, pk, opts.nextK, invRows), layer4(g), dy, ws);
    const dz = ws.get('dz', S * Z);
    denseBackward(decoder(d), layer3(p), up, z, y, dy, S, layer3(g), dz);
    const dO = ws.get('dO', S * 2 * Z);
    gaussianBackward(o, stepEps, std, dz, S, Z, klWeights(pk, invRows, opts.beta), dO);
    const de1 = ws.get('dA1', S * Hd);
    denseBackward(encoder2(d), layer2(p), up, e1, o, dO, S, layer2(g), de1);
    const dh = ws.get('dh', S * d.rnn);
    denseBackward(encoder1(d), layer1(p), up, h, e1, de1, S, layer1(g), dh);
    gruBackward(d, p, up, batch, pk, saved, dh, g, ws);
    return { nll, kl };
  } finally {
    up.dispose();
  }
}

/**
 * Evaluation-mode scores (z = mu): for each row, the logits over all items after its last item,
 * rows x numItems. A row without items is scored from the GRU's initial (zero) state.
 */
export function svaeScore(d: SvaeDims, p: SvaeParams, batch: SparseBatch, maxLength: number, ws: Workspace = new Workspace()): Float32Array {
  const { rnn: R, hidden: Hd, latent: Z } = d;
  const B = batch.rows;
  const pk = pack(batch, maxLength, false);
  const up = new Uploads();
  try {
    const h = gruForward(d, p, up, batch, pk, ws, null);
    const last = new Float32Array(B * R);
    for (let j = 0; j < pk.count; j++) {
      const q = pk.offset[pk.steps[j] - 1] + j;
      last.set(h.subarray(q * R, (q + 1) * R), pk.row[j] * R);
    }
    const e1 = denseForward(encoder1(d), layer1(p), up, last, B, new Float32Array(B * Hd));
    const o = denseForward(encoder2(d), layer2(p), up, e1, B, new Float32Array(B * 2 * Z));
    const mu = new Float32Array(B * Z);
    for (let r = 0; r < B; r++) mu.set(o.subarray(r * 2 * Z, r * 2 * Z + Z), r * Z);
    const y = denseForward(decoder(d), layer3(p), up, mu, B, new Float32Array(B * Hd));
    return denseForward(output(d), layer4(p), up, y, B, new Float32Array(B * d.numItems));
  } finally {
    up.dispose();
  }
}
