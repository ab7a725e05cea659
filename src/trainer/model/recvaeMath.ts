/**
 * The pieces of RecVAE (Shenbin et al., WSDM 2020; ilya-shenbin/RecVAE) that are not products:
 * swish, layer normalisation and the composite prior's KL term, each with its backward pass, as
 * loops over row-major rows. test/unit/recvae-math.test.ts checks them against hand-worked values.
 */
import { sigmoid } from './kernels/elementwise';

/** The reference's LayerNorm eps (nn.LayerNorm(hidden, eps=1e-1)), far above PyTorch's default. */
export const LAYER_NORM_EPS = 0.1;

/** The composite prior's mixture weights: N(0, I), the previous epoch's posterior, and a wide Gaussian. */
export const PRIOR_WEIGHTS = [3 / 20, 3 / 4, 1 / 10] as const;
/** The wide component's log-variance (the reference's logvar_uniform_prior). */
export const WIDE_LOGVAR = 10;

const LOG_2PI = Math.log(2 * Math.PI);
const LOG_W0 = Math.log(PRIOR_WEIGHTS[0]);
const LOG_W1 = Math.log(PRIOR_WEIGHTS[1]);
const LOG_W2 = Math.log(PRIOR_WEIGHTS[2]);
const WIDE_VAR = Math.exp(WIDE_LOGVAR);

/** log N(x; mu, exp(logvar)), the reference's log_norm_pdf. */
export function logNormal(x: number, mu: number, logvar: number): number {
  return -0.5 * (logvar + LOG_2PI + ((x - mu) * (x - mu)) / Math.exp(logvar));
}

/** swish(a) = a sigmoid(a), elementwise into out. */
export function swish(a: Float32Array, out: Float32Array): void {
  for (let i = 0; i < a.length; i++) out[i] = a[i] * sigmoid(a[i]);
}

/** d *= swish'(a) = sigmoid(a) (1 + a (1 - sigmoid(a))), elementwise. */
export function mulSwishGrad(d: Float32Array, a: Float32Array): void {
  for (let i = 0; i < d.length; i++) {
    const s = sigmoid(a[i]);
    d[i] *= s * (1 + a[i] * (1 - s));
  }
}

/**
 * y = gain (x - mean) / sqrt(var + eps) + bias over each row of x (rows x cols, biased variance as
 * PyTorch's). Keeps the normalised x and each row's 1 / sqrt(var + eps) for the backward pass.
 */
export function layerNorm(
  x: Float32Array,
  rows: number,
  cols: number,
  gain: Float32Array,
  bias: Float32Array,
  xhat: Float32Array,
  rstd: Float32Array,
  y: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mean = 0;
    for (let c = 0; c < cols; c++) mean += x[o + c];
    mean /= cols;
    let v = 0;
    for (let c = 0; c < cols; c++) v += (x[o + c] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / cols + LAYER_NORM_EPS);
    rstd[r] = inv;
    for (let c = 0; c < cols; c++) {
      const n = (x[o + c] - mean) * inv;
      xhat[o + c] = n;
      y[o + c] = gain[c] * n + bias[c];
    }
  }
}

/**
 * Given dy, writes dx = d(loss)/dx into dy's place and the gain's and bias's gradients into dGain and
 * dBias (overwritten): dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy gain.
 */
export function layerNormBackward(
  dy: Float32Array,
  rows: number,
  cols: number,
  gain: Float32Array,
  xhat: Float32Array,
  rstd: Float32Array,
  dGain: Float32Array,
  dBias: Float32Array,
): void {
  dGain.fill(0);
  dBias.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mg = 0;
    let mgx = 0;
    for (let c = 0; c < cols; c++) {
      const d = dy[o + c];
      dGain[c] += d * xhat[o + c];
      dBias[c] += d;
      const g = d * gain[c];
      mg += g;
      mgx += g * xhat[o + c];
    }
    mg /= cols;
    mgx /= cols;
    for (let c = 0; c < cols; c++) dy[o + c] = rstd[r] * (dy[o + c] * gain[c] - mg - xhat[o + c] * mgx);
  }
}

/** Each row's [mu | logvar] (rows x 2 latent), as the encoders emit them. */
export interface Posterior {
  o: Float32Array;
  latent: number;
}

/**
 * The KL term of one sample z ~ q(z | x) against the composite prior p(z) = 3/20 N(0, I)
 * + 3/4 q_old(z | x) + 1/10 N(0, e^10 I), as the reference estimates it: log q(z) - log p(z) summed
 * over the latent dimensions. Returns sum_r weight_r KL_r (and each row's KL in `perRow` when given).
 *
 * With grads, adds d/dz of sum_r weight_r KL_r into dz, and writes the direct derivatives (z held
 * fixed) with respect to the row's mu and logvar into dO (rows x 2 latent, overwritten).
 */
export function compositeKl(
  z: Float32Array,
  q: Posterior,
  old: Posterior,
  rows: number,
  weight: Float64Array,
  grads: { dz: Float32Array; dO: Float32Array } | null,
  perRow?: Float64Array,
): number {
  const Z = q.latent;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let kl = 0;
    const w = weight[r];
    for (let k = 0; k < Z; k++) {
      const zi = z[r * Z + k];
      const mu = q.o[r * 2 * Z + k];
      const lv = q.o[r * 2 * Z + Z + k];
      const muOld = old.o[r * 2 * Z + k];
      const lvOld = old.o[r * 2 * Z + Z + k];
      const vq = Math.exp(lv);
      const vOld = Math.exp(lvOld);
      const d = zi - mu;
      const logQ = -0.5 * (lv + LOG_2PI + (d * d) / vq);
      const l0 = LOG_W0 - 0.5 * (LOG_2PI + zi * zi);
      const l1 = LOG_W1 - 0.5 * (lvOld + LOG_2PI + ((zi - muOld) * (zi - muOld)) / vOld);
      const l2 = LOG_W2 - 0.5 * (WIDE_LOGVAR + LOG_2PI + (zi * zi) / WIDE_VAR);
      const m = Math.max(l0, l1, l2);
      const e0 = Math.exp(l0 - m);
      const e1 = Math.exp(l1 - m);
      const e2 = Math.exp(l2 - m);
      const sum = e0 + e1 + e2;
      kl += logQ - (m + Math.log(sum));
      if (grads) {
        // d log p / dz = -sum_m resp_m (z - mu_m) / var_m, with the responsibilities resp_m = e_m / sum.
        const dLogP = -(e0 * zi + (e1 * (zi - muOld)) / vOld + (e2 * zi) / WIDE_VAR) / sum;
        grads.dz[r * Z + k] += w * (-d / vq - dLogP);
        grads.dO[r * 2 * Z + k] = (w * d) / vq;
        grads.dO[r * 2 * Z + Z + k] = w * (0.5 * ((d * d) / vq) - 0.5);
      }
    }
    if (perRow) perRow[r] = kl;
    total += w * kl;
  }
  return total;
}
