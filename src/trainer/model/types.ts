/** The model contract the training loop relies on; Mult-VAE, Mult-DAE, SVAE and popularity implement it. */

/**
 * A batch of users as a binary CSR matrix over the model's item indices. For SVAE, a sequential
 * model, each row lists the user's items in time order instead (the split keeps that order).
 */
export interface SparseBatch {
  rows: number;
  /** rows + 1 offsets into `indices`. */
  indptr: Int32Array;
  /** Item indices (0..numItems-1), sorted within a row (in time order for SVAE). */
  indices: Int32Array;
}

export interface StepStats {
  /** The optimised objective: nll + beta * kl (+ l2 term if any). */
  loss: number;
  /** Multinomial negative log-likelihood per user (mean over the batch). */
  nll: number;
  /** KL(q(z|x) || N(0, I)) per user (mean over the batch); 0 for Mult-DAE. */
  kl: number;
}

export interface Recommender {
  readonly numItems: number;
  /** One optimisation step on a batch; beta is ignored by models without a KL term. */
  trainStep(batch: SparseBatch, beta: number): StepStats;
  /** Deterministic scores (z = mu, no dropout) for each row: rows x numItems, row-major. */
  score(batch: SparseBatch): Float32Array;
  /** Saves weights (TensorFlow.js format) into dir. */
  save(dir: string): Promise<void>;
  dispose(): void;
}

/** Each row's k best items, best first: rows x k, row-major; item -1 where a row has fewer than k rankable items. */
export interface RankedRows {
  k: number;
  items: Int32Array;
  scores: Float32Array;
}

/**
 * A model whose parameters and passes stay on the backend's device (the webgpu backend): every
 * result comes back asynchronously, and evaluation ranks on the device instead of returning scores.
 */
export interface DeviceRecommender {
  readonly numItems: number;
  readonly onDevice: true;
  trainStep(batch: SparseBatch, beta: number): Promise<StepStats>;
  /** The k best-scored items of each row, leaving out the row's own items (a held-out user's fold-in). */
  rankTop(batch: SparseBatch, k: number): Promise<RankedRows>;
  save(dir: string): Promise<void>;
  dispose(): void;
}

/** A model on the host or on the device: what the training loop drives and evaluateModel evaluates. */
export type AnyRecommender = Recommender | DeviceRecommender;

export function isDeviceRecommender(m: AnyRecommender): m is DeviceRecommender {
  return 'onDevice' in m && m.onDevice;
}
