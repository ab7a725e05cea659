/**
 * Principal components of a small dense matrix (users x latent dims, e.g. 6,040 x 200), for the
 * inspector's 2-D view of the latent space. The covariance is only dims x dims, so power iteration
 * with deflation on it is exact enough and needs no linear-algebra dependency.
 */

export interface Pca {
  /** components[c] is a unit vector of length `cols`. */
  components: Float64Array[];
  /** Variance along each component (eigenvalues of the covariance). */
  variances: number[];
  /** Total variance (trace of the covariance), to report the explained share. */
  totalVariance: number;
  /** projections[c][r]: row r's coordinate along component c. */
  projections: Float64Array[];
  mean: Float64Array;
}

const MAX_ITERATIONS = 1000;
const TOLERANCE = 1e-11;

/** Row-major `rows x cols` data; returns the first `k` components. */
export function pca(data: ArrayLike<number>, rows: number, cols: number, k = 2): Pca {
  if (data.length !== rows * cols) throw new Error(`pca: ${data.length} values are not ${rows} x ${cols}`);
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c];
  for (let c = 0; c < cols; c++) mean[c] /= Math.max(1, rows);

  // Upper triangle of X^T X on the centred data, then mirrored: half the multiplications.
  const cov = new Float64Array(cols * cols);
  const centred = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) centred[c] = data[r * cols + c] - mean[c];
    for (let i = 0; i < cols; i++) {
      const xi = centred[i];
      if (xi === 0) continue;
      const base = i * cols;
      for (let j = i; j < cols; j++) cov[base + j] += xi * centred[j];
    }
  }
  const denom = Math.max(1, rows - 1);
  for (let i = 0; i < cols; i++) {
    for (let j = i; j < cols; j++) {
      const v = cov[i * cols + j] / denom;
      cov[i * cols + j] = v;
      cov[j * cols + i] = v;
    }
  }
  let totalVariance = 0;
  for (let i = 0; i < cols; i++) totalVariance += cov[i * cols + i];

  const components: Float64Array[] = [];
  const variances: number[] = [];
  const tmp = new Float64Array(cols);
  for (let comp = 0; comp < Math.min(k, cols); comp++) {
    // A fixed, non-symmetric start: deterministic output, and unlikely to be orthogonal to the answer.
    let v = new Float64Array(cols);
    for (let i = 0; i < cols; i++) v[i] = 1 + ((i * 7919) % 13) / 13;
    normalise(v);
    for (let it = 0; it < MAX_ITERATIONS; it++) {
      multiply(cov, v, tmp, cols);
      // Deflation by projecting out the components found so far keeps the iteration in their complement.
      for (const u of components) axpy(-dot(u, tmp), u, tmp);
      const norm = Math.sqrt(dot(tmp, tmp));
      if (norm === 0) break;
      const next = Float64Array.from(tmp, (x) => x / norm);
      // Distance between successive unit vectors (up to sign): 1 - |cos| would stall near 1e-8.
      const sign = dot(next, v) < 0 ? -1 : 1;
      let change = 0;
      for (let i = 0; i < cols; i++) change = Math.max(change, Math.abs(next[i] - sign * v[i]));
      v = next;
      if (change < TOLERANCE) break;
    }
    // Sign convention: the largest coordinate is positive, so reruns draw the same picture.
    let arg = 0;
    for (let i = 1; i < cols; i++) if (Math.abs(v[i]) > Math.abs(v[arg])) arg = i;
    if (v[arg] < 0) for (let i = 0; i < cols; i++) v[i] = -v[i];
    components.push(v);
    multiply(cov, v, tmp, cols);
    variances.push(dot(v, tmp));
  }

  const projections = components.map((u) => {
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += (data[r * cols + c] - mean[c]) * u[c];
      out[r] = s;
    }
    return out;
  });
  return { components, variances, totalVariance, projections, mean };
}

function multiply(m: Float64Array, v: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    const base = i * n;
    for (let j = 0; j < n; j++) s += m[base + j] * v[j];
    out[i] = s;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

function normalise(v: Float64Array): void {
  const n = Math.sqrt(dot(v, v));
  for (let i = 0; i < v.length; i++) v[i] /= n;
}
