/**
 * SVAE's parameters (Sachdeva et al. 2019) as Float32Array views of one flat buffer, as for
 * Mult-VAE (params.ts): Adam runs in one pass over the buffer and the products upload views.
 * Weights are row-major fanIn x fanOut (x @ W); the GRU's gates are stacked [reset, update, new]
 * along the columns, in PyTorch's order and with PyTorch's two bias vectors (input and hidden).
 */
import { Rng } from '../../shared/rng';

export interface SvaeDims {
  numItems: number;
  /** Item embedding width (256 in the reference). */
  embed: number;
  /** GRU state width (200). */
  rnn: number;
  /** Width of the per-step encoder and decoder MLP layers (150). */
  hidden: number;
  /** Per-step latent width (64). */
  latent: number;
}

export const SVAE_PARAM_NAMES = ['emb', 'wx', 'bx', 'wh', 'bh', 'w1', 'b1', 'w2', 'b2', 'w3', 'b3', 'w4', 'b4'] as const;
export type SvaeParamName = (typeof SVAE_PARAM_NAMES)[number];
export type SvaeParams = Record<SvaeParamName, Float32Array>;

export function svaeParamShapes(d: SvaeDims): Record<SvaeParamName, number[]> {
  const g = 3 * d.rnn;
  return {
    emb: [d.numItems, d.embed],
    wx: [d.embed, g],
    bx: [g],
    wh: [d.rnn, g],
    bh: [g],
    w1: [d.rnn, d.hidden],
    b1: [d.hidden],
    w2: [d.hidden, 2 * d.latent],
    b2: [2 * d.latent],
    w3: [d.latent, d.hidden],
    b3: [d.hidden],
    w4: [d.hidden, d.numItems],
    b4: [d.numItems],
  };
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function svaeParamCount(d: SvaeDims): number {
  const shapes = svaeParamShapes(d);
  return SVAE_PARAM_NAMES.reduce((n, name) => n + sizeOf(shapes[name]), 0);
}

export function viewSvaeParams(d: SvaeDims, flat: Float32Array): SvaeParams {
  if (flat.length !== svaeParamCount(d)) throw new Error(`parameter buffer has ${flat.length} floats, expected ${svaeParamCount(d)}`);
  const shapes = svaeParamShapes(d);
  const views = {} as SvaeParams;
  let offset = 0;
  for (const name of SVAE_PARAM_NAMES) {
    const n = sizeOf(shapes[name]);
    views[name] = flat.subarray(offset, offset + n);
    offset += n;
  }
  return views;
}

function fillUniform(out: Float32Array, limit: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * limit;
}

/**
 * The reference's initialisation, i.e. PyTorch's defaults plus its explicit Xavier-normal linear
 * weights: embedding N(0, 1); GRU weights and biases U(+-1/sqrt(rnn)); linear weights
 * N(0, 2 / (fanIn + fanOut)); linear biases U(+-1/sqrt(fanIn)).
 */
export function initSvaeParams(d: SvaeDims, p: SvaeParams, rng: Rng): void {
  const shapes = svaeParamShapes(d);
  rng.fillNormal(p.emb, 1);
  const gru = 1 / Math.sqrt(d.rnn);
  for (const name of ['wx', 'bx', 'wh', 'bh'] as const) fillUniform(p[name], gru, rng);
  for (const [w, b] of [
    ['w1', 'b1'],
    ['w2', 'b2'],
    ['w3', 'b3'],
    ['w4', 'b4'],
  ] as const) {
    const [fanIn, fanOut] = shapes[w];
    rng.fillNormal(p[w], Math.sqrt(2 / (fanIn + fanOut)));
    fillUniform(p[b], 1 / Math.sqrt(fanIn), rng);
  }
}
