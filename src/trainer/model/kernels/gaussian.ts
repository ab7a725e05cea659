/**
 * The Gaussian latent layer of a VAE, forward and backward: each row of o holds [mu | logvar]
 * (latent values each), z = mu + exp(logvar / 2) eps, and the row's KL(N(mu, sigma^2) || N(0, I))
 * = 1/2 sum(sigma^2 + mu^2 - 1 - logvar) enters the loss with a per-row weight. Row by row in JS:
 * cheaper than a dozen tiny backend kernels over a few hundred columns.
 */

/** A weight per row, or one for all rows. */
export type RowWeights = Float64Array | number;

const weightOf = (w: RowWeights, r: number): number => (typeof w === 'number' ? w : w[r]);

/** Writes z and sigma (rows x latent each) and returns sum_r klWeight_r KL_r. */
export function gaussianForward(
  o: Float32Array,
  eps: Float32Array,
  rows: number,
  latent: number,
  klWeight: RowWeights,
  z: Float32Array,
  std: Float32Array,
): number {
  const Z = latent;
  let klSum = 0;
  for (let r = 0; r < rows; r++) {
    let kl = 0;
    for (let c = 0; c < Z; c++) {
      const mu = o[r * 2 * Z + c];
      const lv = o[r * 2 * Z + Z + c];
      const s = Math.exp(0.5 * lv);
      std[r * Z + c] = s;
      z[r * Z + c] = mu + s * eps[r * Z + c];
      kl += 0.5 * (s * s + mu * mu - 1 - lv);
    }
    klSum += kl * weightOf(klWeight, r);
  }
  return klSum;
}

/**
 * dO (rows x 2 latent) = d(loss)/do from dz = d(loss)/dz, for loss = ... + sum_r klWeight_r KL_r
 * (the weights here include beta).
 */
export function gaussianBackward(
  o: Float32Array,
  eps: Float32Array,
  std: Float32Array,
  dz: Float32Array,
  rows: number,
  latent: number,
  klWeight: RowWeights,
  dO: Float32Array,
): void {
  const Z = latent;
  for (let r = 0; r < rows; r++) {
    const kw = weightOf(klWeight, r);
    for (let c = 0; c < Z; c++) {
      const gz = dz[r * Z + c];
      const s = std[r * Z + c];
      dO[r * 2 * Z + c] = gz + kw * o[r * 2 * Z + c];
      dO[r * 2 * Z + Z + c] = 0.5 * s * gz * eps[r * Z + c] + 0.5 * kw * (s * s - 1);
    }
  }
}
