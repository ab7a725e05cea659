/**
 * A dense layer y = act(x W + b), its forward pass and its backward pass side by side, for any model
 * built from such layers (weights fanIn x fanOut, row-major, as in the parameter buffers).
 */
import { columnSums, mulTanhGrad, tanhInPlace } from './elementwise';
import { Operand, Uploads, product, productABt, productAtB } from './products';

export type Activation = 'linear' | 'tanh';

export interface DenseParams {
  w: Float32Array;
  b: Float32Array;
}

export interface Dense {
  fanIn: number;
  fanOut: number;
  act: Activation;
}

/** y (rows x fanOut) = act(x W + b) for x (rows x fanIn). */
export function denseForward(layer: Dense, p: DenseParams, up: Uploads, x: Operand, rows: number, y: Float32Array): Float32Array {
  product(x, rows, up.matrix(p.w, layer.fanIn, layer.fanOut), up.vector(p.b), y);
  if (layer.act === 'tanh') tanhInPlace(y);
  return y;
}

/**
 * Given dY = d(loss)/dy, writes d(loss)/dW and d(loss)/db into g and, when dx is given, d(loss)/dx
 * into it. x and y are the forward pass's; dY is overwritten with the gradient before the activation.
 */
export function denseBackward(
  layer: Dense,
  p: DenseParams,
  up: Uploads,
  x: Operand,
  y: Float32Array,
  dY: Float32Array,
  rows: number,
  g: DenseParams,
  dx: Float32Array | null,
): void {
  if (layer.act === 'tanh') mulTanhGrad(dY, y);
  productAtB(x, dY, rows, layer.fanIn, layer.fanOut, g.w);
  columnSums(dY, rows, layer.fanOut, g.b);
  if (dx) productABt(dY, rows, up.matrix(p.w, layer.fanIn, layer.fanOut), up, dx);
}
