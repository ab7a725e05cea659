/** Adam (Kingma & Ba) exactly as torch.optim.Adam (no weight decay, no amsgrad), fused in JS loops. */
import { Segment, isWeight } from './params';

export interface AdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const TORCH_ADAM: Omit<AdamConfig, 'learningRate'> = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** Flat parameter, first- and second-moment buffers (same layout). */
export interface AdamBuffers {
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/**
 * One Adam update at step t (1-based) of the flat range [from, to). The gradient is the sum of
 * `grads` (one buffer, or one per thread that computed part of the batch), plus the gradient of
 * l2 * sum(W^2) for weights (not biases). One fused pass touches each 8 MB matrix once; the
 * equivalent tfjs elementwise ops cost ~2x more on wasm.
 */
export function adamUpdate(
  cfg: AdamConfig,
  t: number,
  buf: AdamBuffers,
  grads: readonly Float32Array[],
  segments: readonly Segment[],
  l2: number,
  from: number,
  to: number,
): void {
  const { beta1: b1, beta2: b2, epsilon: eps } = cfg;
  const stepSize = cfg.learningRate / (1 - b1 ** t);
  const invSqrtBc2 = 1 / Math.sqrt(1 - b2 ** t);
  const { params: p, m, v } = buf;
  if (grads.length < 1 || grads.length > 2) throw new Error('adamUpdate: one or two gradient buffers');
  const [g0, g1] = grads;
  for (const seg of segments) {
    const start = Math.max(seg.start, from);
    const end = Math.min(seg.end, to);
    const decay = isWeight(seg.name) ? 2 * l2 : 0;
    // Separate loops so the hot one has no per-element branch.
    if (g1 === undefined) {
      for (let i = start; i < end; i++) {
        const gi = g0[i] + decay * p[i];
        const mi = b1 * m[i] + (1 - b1) * gi;
        const vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
      }
    } else {
      for (let i = start; i < end; i++) {
        const gi = g0[i] + g1[i] + decay * p[i];
        const mi = b1 * m[i] + (1 - b1) * gi;
        const vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
      }
    }
  }
}

/**
 * Adam over the flat range [from, to) with torch.optim.Adam's weight_decay: decay * p is added to
 * every gradient (biases and embeddings included), as SVAE's reference trains. The gradient is
 * the sum of `grads`, as in adamUpdate.
 */
export function adamUpdateWithDecay(
  cfg: AdamConfig,
  t: number,
  buf: AdamBuffers,
  grads: readonly Float32Array[],
  decay: number,
  from: number,
  to: number,
): void {
  const { beta1: b1, beta2: b2, epsilon: eps } = cfg;
  const stepSize = cfg.learningRate / (1 - b1 ** t);
  const invSqrtBc2 = 1 / Math.sqrt(1 - b2 ** t);
  const { params: p, m, v } = buf;
  if (grads.length < 1 || grads.length > 2) throw new Error('adamUpdateWithDecay: one or two gradient buffers');
  const [g0, g1] = grads;
  for (let i = from; i < to; i++) {
    const gi = g0[i] + (g1 === undefined ? 0 : g1[i]) + decay * p[i];
    const mi = b1 * m[i] + (1 - b1) * gi;
    const vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
  }
}
