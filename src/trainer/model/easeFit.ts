/**
 * Fitting EASE: G = X^T X over the training users, then for each candidate lambda
 * P = (G + lambda I)^-1 (float64, linalg/spdInverse.ts) and B = I - P diag(1 / diag P) with a zero
 * diagonal, scored on the validation users; the lambda with the best validation NDCG@100 is kept,
 * as ../shared/bench/ref_ease.py does.
 */
import { evaluateHeldOut } from '../evaluate';
import { SpdInverter } from '../linalg/spdInverse';
import type { HeldOut, UserRows } from '../protocol/split';
import { validateBatch } from './batch';
import { EaseModel } from './ease';
import type { Recommender, SparseBatch, StepStats } from './types';

/** One candidate's outcome: what metrics.jsonl records as a "fit" line. */
export interface EaseFit {
  lambda: number;
  'val_ndcg@100': number;
  /** Wall-clock seconds to fill G + lambda I and invert it. */
  seconds: number;
  /** Threads the inversion ran on. */
  threads: number;
}

export interface EaseFitOptions {
  /** Candidates, tried in this order; one value fixes lambda (it is still scored on validation). */
  lambdas: readonly number[];
  validation: HeldOut;
  threads?: 1 | 2;
  signal?: AbortSignal;
  onFit?(fit: EaseFit): void;
  /** Fraction of the whole fit done (over all candidates). */
  onProgress?(fraction: number, message: string): void;
}

/** Counts beyond 2^24 are not exact in float32. */
const FLOAT32_EXACT = 2 ** 24;

/**
 * G = X^T X for binary rows: co-occurrence counts, lower triangle packed row by row (entry (i, j),
 * j <= i, at i (i + 1) / 2 + j). Float32 holds the counts exactly while there are fewer than 2^24 users.
 */
export function gramLowerTriangle(train: UserRows, numItems: number): Float32Array | Float64Array {
  const size = (numItems * (numItems + 1)) / 2;
  const g = train.users.length < FLOAT32_EXACT ? new Float32Array(size) : new Float64Array(size);
  const { indptr, indices } = train;
  for (let r = 0; r < train.users.length; r++) {
    for (let q = indptr[r]; q < indptr[r + 1]; q++) {
      const a = indices[q];
      for (let p = indptr[r]; p <= q; p++) {
        const b = indices[p];
        const i = a >= b ? a : b;
        const j = a >= b ? b : a;
        g[(i * (i + 1)) / 2 + j]++;
      }
    }
  }
  return g;
}

/** x to two significant digits (1,059 -> 1,100; 33.1 -> 33). */
function twoSignificant(x: number): number {
  const scale = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.round(x / scale) * scale;
}

/**
 * The default candidates, around the data's scale: the mean diagonal of G (an item's mean number of
 * training users) times 1/4, 1/2, 1, 2, 4 and 8. The best lambdas published for EASE lie between
 * about 0.3 and 4 times that mean (ML-20M: 500 at a mean of ~450; ML-1M here: 500 at 132).
 */
export function defaultLambdas(train: UserRows, numItems: number): number[] {
  const mean = Math.max(1, train.indices.length / Math.max(1, numItems));
  return [...new Set([0.25, 0.5, 1, 2, 4, 8].map((f) => twoSignificant(mean * f)))];
}

/** Scores from P directly (B[j, i] = -P[j, i] / P[i, i]), so a candidate is validated without building B. */
class InverseScorer implements Recommender {
  constructor(
    readonly numItems: number,
    private readonly p: Float64Array,
    private readonly stride: number,
  ) {}

  trainStep(_batch: SparseBatch, _beta: number): StepStats {
    throw new Error('not trainable');
  }

  score(batch: SparseBatch): Float32Array {
    validateBatch(batch, this.numItems);
    const I = this.numItems;
    const s = this.stride;
    const out = new Float32Array(batch.rows * I);
    const acc = new Float64Array(I);
    for (let r = 0; r < batch.rows; r++) {
      acc.fill(0);
      for (let k = batch.indptr[r]; k < batch.indptr[r + 1]; k++) {
        const j = batch.indices[k];
        const o = j * s;
        for (let i = 0; i < I; i++) acc[i] += this.p[o + i];
        acc[j] -= this.p[o + j]; // B's diagonal is zero
      }
      for (let i = 0; i < I; i++) out[r * I + i] = -acc[i] / this.p[i * s + i];
    }
    return out;
  }

  async save(): Promise<void> {
    throw new Error('not saved');
  }

  dispose(): void {}
}

/** B = I - P diag(1 / diag P) with a zero diagonal, as float32. */
function weightsFromInverse(p: Float64Array, stride: number, n: number): Float32Array {
  const b = new Float32Array(n * n);
  const invDiag = new Float64Array(n);
  for (let i = 0; i < n; i++) invDiag[i] = -1 / p[i * stride + i];
  for (let j = 0; j < n; j++) {
    const o = j * stride;
    for (let i = 0; i < n; i++) b[j * n + i] = p[o + i] * invDiag[i];
    b[j * n + j] = 0;
  }
  return b;
}

/** Fits every candidate and returns the model of the one with the best validation NDCG@100 (the first on ties). */
export async function fitEase(train: UserRows, numItems: number, options: EaseFitOptions): Promise<{ model: EaseModel; fits: EaseFit[] }> {
  const { lambdas, validation } = options;
  if (lambdas.length === 0) throw new Error('EASE needs at least one lambda');
  for (const l of lambdas) if (!(l > 0) || !Number.isFinite(l)) throw new Error(`EASE: lambda must be a positive number (got ${l})`);
  const n = numItems;
  const g = gramLowerTriangle(train, n);
  const inverter = await SpdInverter.create(n, { threads: options.threads ?? 1 });
  const fits: EaseFit[] = [];
  let best: { fit: EaseFit; b: Float32Array } | undefined;
  try {
    const a = inverter.matrix;
    const s = inverter.stride;
    for (let c = 0; c < lambdas.length; c++) {
      const lambda = lambdas[c];
      const start = Date.now();
      for (let i = 0; i < n; i++) {
        const row = (i * (i + 1)) / 2;
        for (let j = 0; j <= i; j++) a[i * s + j] = g[row + j];
        a[i * s + i] += lambda;
      }
      await inverter.invert({
        signal: options.signal,
        onStep: (done, total) =>
          options.onProgress?.((c + done / total) / lambdas.length, `lambda ${lambda}: inverting X^T X + lambda I (${done}/${total} blocks)`),
      });
      const seconds = (Date.now() - start) / 1000;
      const ndcg = evaluateHeldOut(new InverseScorer(n, a, s), validation).metrics['ndcg@100'];
      const fit: EaseFit = { lambda, 'val_ndcg@100': ndcg, seconds, threads: inverter.threads };
      fits.push(fit);
      if (!best || ndcg > best.fit['val_ndcg@100']) best = { fit, b: weightsFromInverse(a, s, n) };
      options.onFit?.(fit);
    }
  } finally {
    inverter.dispose();
  }
  if (!best) throw new Error('EASE: no lambda was fitted');
  return { model: new EaseModel(n, best.fit.lambda, best.b), fits };
}
