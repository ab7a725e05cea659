/**
 * RecVAE's parameters as Float32Array views of one flat buffer, in three blocks: the encoder (trained
 * in the encoder passes), the decoder (trained in the decoder passes; each block has its own Adam,
 * as the reference's two optimisers) and the previous epoch's encoder, the composite prior's copy,
 * which no optimiser touches. Weights are row-major fanIn x fanOut (x @ W); the output layer's
 * columns are [mu | logvar], the reference's fc_mu and fc_logvar side by side.
 */
import { Rng } from '../../shared/rng';

export interface RecVaeDims {
  numItems: number;
  hidden: number;
  latent: number;
}

/** The dense layers of the encoder (fc1..fc5 in the reference), each followed by swish and layer normalisation. */
export const ENCODER_LAYERS = 5;

/** One of the encoder's dense layers: its weights, then its layer normalisation's gain and bias. */
export interface EncoderLayer {
  w: Float32Array;
  b: Float32Array;
  gain: Float32Array;
  bias: Float32Array;
}

export interface EncoderParams {
  layers: EncoderLayer[];
  /** hidden -> [mu | logvar] */
  out: { w: Float32Array; b: Float32Array };
}

/** The encoder's arrays in buffer order, named as in the saved model (w1, b1, ln1g, ln1b, ..., wo, bo). */
export function encoderArrays(d: RecVaeDims): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  for (let k = 1; k <= ENCODER_LAYERS; k++) {
    out.push({ name: `w${k}`, shape: [k === 1 ? d.numItems : d.hidden, d.hidden] });
    out.push({ name: `b${k}`, shape: [d.hidden] }, { name: `ln${k}g`, shape: [d.hidden] }, { name: `ln${k}b`, shape: [d.hidden] });
  }
  out.push({ name: 'wo', shape: [d.hidden, 2 * d.latent] }, { name: 'bo', shape: [2 * d.latent] });
  return out;
}

export interface DecoderParams {
  /** latent x items */
  w: Float32Array;
  b: Float32Array;
}

export interface RecVaeParams {
  enc: EncoderParams;
  dec: DecoderParams;
  /** The composite prior's encoder: the encoder as it was at the end of the previous epoch's encoder passes. */
  old: EncoderParams;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function encoderSize(d: RecVaeDims): number {
  return encoderArrays(d).reduce((n, a) => n + sizeOf(a.shape), 0);
}

export function decoderSize(d: RecVaeDims): number {
  return d.latent * d.numItems + d.numItems;
}

/** Where each block lies in the flat buffer: [0, encoder) [encoder, decoder) [decoder, total). */
export function recvaeLayout(d: RecVaeDims): { encoder: number; decoder: number; total: number } {
  const encoder = encoderSize(d);
  const decoder = encoder + decoderSize(d);
  return { encoder, decoder, total: decoder + encoder };
}

/** The encoder's arrays as views of `flat`, by name (encoderArrays' order). */
export function encoderViews(d: RecVaeDims, flat: Float32Array): Map<string, Float32Array> {
  if (flat.length !== encoderSize(d)) throw new Error(`encoder buffer has ${flat.length} floats, expected ${encoderSize(d)}`);
  const views = new Map<string, Float32Array>();
  let offset = 0;
  for (const a of encoderArrays(d)) {
    const n = sizeOf(a.shape);
    views.set(a.name, flat.subarray(offset, offset + n));
    offset += n;
  }
  return views;
}

export function viewEncoder(d: RecVaeDims, flat: Float32Array): EncoderParams {
  const v = encoderViews(d, flat);
  const get = (name: string) => v.get(name) as Float32Array;
  return {
    layers: Array.from({ length: ENCODER_LAYERS }, (_, i) => ({
      w: get(`w${i + 1}`),
      b: get(`b${i + 1}`),
      gain: get(`ln${i + 1}g`),
      bias: get(`ln${i + 1}b`),
    })),
    out: { w: get('wo'), b: get('bo') },
  };
}

/** Views of all three blocks (the gradient buffer has the same layout; its last block stays unused). */
export function viewRecVae(d: RecVaeDims, flat: Float32Array): RecVaeParams {
  const at = recvaeLayout(d);
  if (flat.length !== at.total) throw new Error(`parameter buffer has ${flat.length} floats, expected ${at.total}`);
  const decoder = flat.subarray(at.encoder, at.decoder);
  return {
    enc: viewEncoder(d, flat.subarray(0, at.encoder)),
    dec: { w: decoder.subarray(0, d.latent * d.numItems), b: decoder.subarray(d.latent * d.numItems) },
    old: viewEncoder(d, flat.subarray(at.decoder)),
  };
}

function fillUniform(out: Float32Array, limit: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * limit;
}

/** PyTorch's defaults, as the reference leaves them: linear weights and biases U(+-1/sqrt(fanIn)), layer norm gain 1 and bias 0. */
export function initEncoder(d: RecVaeDims, p: EncoderParams, rng: Rng): void {
  p.layers.forEach((layer, k) => {
    const bound = 1 / Math.sqrt(k === 0 ? d.numItems : d.hidden);
    fillUniform(layer.w, bound, rng);
    fillUniform(layer.b, bound, rng);
    layer.gain.fill(1);
    layer.bias.fill(0);
  });
  fillUniform(p.out.w, 1 / Math.sqrt(d.hidden), rng);
  fillUniform(p.out.b, 1 / Math.sqrt(d.hidden), rng);
}

/**
 * The encoder, the prior's encoder and the decoder, in the reference's order of construction. The
 * prior's encoder starts as an encoder of its own (the reference builds a second Encoder): the first
 * epoch's prior is a random network's posterior.
 */
export function initRecVae(d: RecVaeDims, p: RecVaeParams, rng: Rng): void {
  initEncoder(d, p.enc, rng);
  initEncoder(d, p.old, rng);
  const bound = 1 / Math.sqrt(d.latent);
  fillUniform(p.dec.w, bound, rng);
  fillUniform(p.dec.b, bound, rng);
}
