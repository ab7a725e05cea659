/**
 * The network's parameters as plain Float32Arrays in one flat buffer. They live in JS, not in
 * tf.Variables: the sparse input layer and Adam run as JS loops over them, and a flat buffer can
 * be shared with or copied to other threads in one piece.
 */
import { Rng } from '../../shared/rng';

export interface Dims {
  numItems: number;
  hidden: number;
  latent: number;
  /** Mult-VAE (encoder emits mu and logvar) or Mult-DAE (encoder emits z). */
  variational: boolean;
}

export const PARAM_NAMES = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3', 'w4', 'b4'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
/** One Float32Array view per parameter; weights are row-major fanIn x fanOut (x @ W). */
export type ParamViews = Record<ParamName, Float32Array>;

export function isWeight(name: ParamName): boolean {
  return name.startsWith('w');
}

export function paramShapes(d: Dims): Record<ParamName, [number, number] | [number]> {
  const encOut = d.variational ? 2 * d.latent : d.latent;
  return {
    w1: [d.numItems, d.hidden],
    b1: [d.hidden],
    w2: [d.hidden, encOut],
    b2: [encOut],
    w3: [d.latent, d.hidden],
    b3: [d.hidden],
    w4: [d.hidden, d.numItems],
    b4: [d.numItems],
  };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function paramCount(d: Dims): number {
  const shapes = paramShapes(d);
  return PARAM_NAMES.reduce((n, name) => n + sizeOf(shapes[name]), 0);
}

/** Where each parameter lives in the flat buffer, for loops over ranges of it (Adam, threads). */
export interface Segment {
  name: ParamName;
  start: number;
  end: number;
}

export function paramSegments(d: Dims): Segment[] {
  const shapes = paramShapes(d);
  let offset = 0;
  return PARAM_NAMES.map((name) => {
    const start = offset;
    offset += sizeOf(shapes[name]);
    return { name, start, end: offset };
  });
}

/** Views of `flat` (length paramCount(d)), one per parameter, in PARAM_NAMES order. */
export function viewParams(d: Dims, flat: Float32Array): ParamViews {
  if (flat.length !== paramCount(d)) throw new Error(`parameter buffer has ${flat.length} floats, expected ${paramCount(d)}`);
  const views = {} as ParamViews;
  for (const seg of paramSegments(d)) views[seg.name] = flat.subarray(seg.start, seg.end);
  return views;
}

/** Glorot-uniform weights and N(0, 0.001) biases, as the PyTorch reference initialises them. */
export function initParams(d: Dims, views: ParamViews, rng: Rng): void {
  const shapes = paramShapes(d);
  for (const name of PARAM_NAMES) {
    const shape = shapes[name];
    if (shape.length === 2) rng.fillGlorotUniform(views[name], shape[0], shape[1]);
    else rng.fillNormal(views[name], 0.001);
  }
}
