/**
 * Mult-VAE and Mult-DAE (Liang et al., WWW 2018): [I -> hidden -> latent -> hidden -> I], tanh,
 * multinomial likelihood, dropout on the L2-normalised input, Adam. Maths as
 * ../shared/bench/ref_multvae.py (beside the repository); the passes themselves are in network.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamConfig, TORCH_ADAM, adamUpdate } from './adam';
import { sliceRows, validateBatch } from './batch';
import { Workspace } from './kernels/workspace';
import { LossParts, Noise, encodeMean, forwardBackward, scoreLogits } from './network';
import { GradientWorker, TrainingBuffers } from './parallel';
import { Dims, PARAM_NAMES, ParamViews, Segment, initParams, isWeight, paramCount, paramSegments, paramShapes, viewParams } from './params';
import { Rng } from '../../shared/rng';
import { type Resumable, type TrainingState, hostTrainingState, restoreHostTrainingState, stateCounter } from './trainingState';
import { Recommender, SparseBatch, StepStats } from './types';
import { chunkedRows, copyWeights, numericConfig, readSaved } from './savedModel';
import { saveWeights } from './weightsIo';

export interface MultVaeConfig {
  numItems: number;
  hidden: number;
  latent: number;
  dropout: number;
  variational: boolean;
  learningRate: number;
  l2: number;
  seed: number;
}

/** How to run, as opposed to what the model is: not saved with it. */
export interface MultVaeOptions {
  /**
   * 2 = split each training step over the main thread and one worker thread (see parallel.ts);
   * falls back to 1 when the worker script is not deployed next to this code or fails to start. Default 1.
   */
  threads?: 1 | 2;
}

export type MultVae = Recommender &
  Resumable & {
    readonly config: MultVaeConfig;
    /** Threads that actually compute each training step (1, or 2 when the worker started). */
    readonly threads: number;
    /** Evaluation-mode latent means: rows x latent (mu for Mult-VAE, z for Mult-DAE). */
    encode(batch: SparseBatch): Float32Array;
  };

export const SAVE_FORMAT = 'vaerec-multvae';
/** Rows per forward pass in score/encode: bounds backend memory for whole-dataset scoring. */
const SCORE_CHUNK_ROWS = 1000;

export function validateConfig(cfg: MultVaeConfig): void {
  const positiveInts: (keyof MultVaeConfig)[] = ['numItems', 'hidden', 'latent'];
  for (const k of positiveInts) {
    const v = cfg[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`MultVaeConfig.${k} must be a positive integer, got ${String(v)}`);
  }
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw new Error(`MultVaeConfig.dropout must be in [0, 1), got ${cfg.dropout}`);
  if (!(cfg.learningRate > 0)) throw new Error(`MultVaeConfig.learningRate must be > 0, got ${cfg.learningRate}`);
  if (!(cfg.l2 >= 0)) throw new Error(`MultVaeConfig.l2 must be >= 0, got ${cfg.l2}`);
  if (!Number.isInteger(cfg.seed)) throw new Error(`MultVaeConfig.seed must be an integer, got ${cfg.seed}`);
}

/** Dropout keep flags per nonzero and the VAE's eps, from the model's seeded stream (the device model draws the same). */
export function drawNoise(rng: Rng, batch: SparseBatch, cfg: MultVaeConfig): Noise {
  const keep = new Uint8Array(batch.indices.length);
  const p = cfg.dropout;
  for (let k = 0; k < keep.length; k++) keep[k] = rng.uniform() >= p ? 1 : 0;
  let eps: Float32Array | null = null;
  if (cfg.variational) {
    eps = new Float32Array(batch.rows * cfg.latent);
    rng.fillNormal(eps, 1);
  }
  return { keep, eps };
}

function sumSquaredWeights(p: ParamViews): number {
  let s = 0;
  for (const name of PARAM_NAMES) {
    if (!isWeight(name)) continue;
    const w = p[name];
    for (let i = 0; i < w.length; i++) s += w[i] * w[i];
  }
  return s;
}

class MultVaeModel implements MultVae {
  readonly numItems: number;
  private readonly dims: Dims;
  private readonly segments: Segment[];
  private readonly adam: AdamConfig;
  private readonly training: TrainingBuffers;
  private readonly params: ParamViews;
  private readonly grads: ParamViews;
  private readonly rng: Rng;
  private readonly workspace = new Workspace();
  private step = 0;

  constructor(
    readonly config: MultVaeConfig,
    initial: Float32Array | null,
    options: MultVaeOptions,
  ) {
    validateConfig(config);
    this.numItems = config.numItems;
    this.dims = { numItems: config.numItems, hidden: config.hidden, latent: config.latent, variational: config.variational };
    this.segments = paramSegments(this.dims);
    this.adam = { learningRate: config.learningRate, ...TORCH_ADAM };
    this.rng = new Rng(config.seed);
    this.training = TrainingBuffers.create(paramCount(this.dims), options.threads ?? 1, tf.getBackend(), { kind: 'multvae', dims: this.dims }, (params) =>
      initial === null ? initParams(this.dims, viewParams(this.dims, params), this.rng) : params.set(initial),
    );
    this.params = viewParams(this.dims, this.training.adam.params);
    this.grads = viewParams(this.dims, this.training.grads);
  }

  get threads(): number {
    return this.training.threads;
  }

  trainStep(batch: SparseBatch, beta: number): StepStats {
    validateBatch(batch, this.numItems);
    if (batch.rows === 0) throw new Error('trainStep: empty batch');
    const noise = drawNoise(this.rng, batch, this.config);
    const { worker } = this.training;
    const parts = worker !== null && batch.rows > 1 ? this.gradientsInParallel(worker, batch, noise, beta) : this.gradients(batch, noise, beta);
    const kl = this.config.variational ? parts.kl : 0;
    let loss = parts.nll + (this.config.variational ? beta * kl : 0);
    // The l2 term is reported at the weights the gradient was taken at, i.e. before the update.
    if (this.config.l2 > 0) loss += this.config.l2 * sumSquaredWeights(this.params);
    this.step++;
    this.applyAdam();
    return { loss, nll: parts.nll, kl };
  }

  private gradients(batch: SparseBatch, noise: Noise, beta: number): LossParts {
    this.training.clearWorkerGradient();
    return forwardBackward(this.dims, this.params, batch, noise, this.config.dropout, beta, this.grads, batch.rows, this.workspace);
  }

  /** The worker takes the second half of the rows; both halves divide by the whole batch size. */
  private gradientsInParallel(worker: GradientWorker, batch: SparseBatch, noise: Noise, beta: number): LossParts {
    const split = Math.ceil(batch.rows / 2);
    const cut = batch.indptr[split];
    const Z = this.config.latent;
    const { dropout } = this.config;
    const job = {
      kind: 'multvaeGrad',
      batch: sliceRows(batch, split, batch.rows),
      keep: noise.keep.subarray(cut),
      eps: noise.eps === null ? null : noise.eps.subarray(split * Z),
      dropout,
      beta,
      meanOver: batch.rows,
    } as const;
    const { mine: own, theirs } = worker.alongside(job, () =>
      forwardBackward(
        this.dims,
        this.params,
        sliceRows(batch, 0, split),
        { keep: noise.keep.subarray(0, cut), eps: noise.eps === null ? null : noise.eps.subarray(0, split * Z) },
        dropout,
        beta,
        this.grads,
        batch.rows,
        this.workspace,
      ),
    );
    return { nll: own.nll + theirs.nll, kl: own.kl + theirs.kl };
  }

  /** Adam on the summed gradients; with a worker, each thread updates half of the parameters. */
  private applyAdam(): void {
    const { l2 } = this.config;
    this.training.updateInHalves(
      (from, to) => ({ kind: 'adam', adam: this.adam, t: this.step, l2, from, to }),
      (grads, from, to) => adamUpdate(this.adam, this.step, this.training.adam, grads, this.segments, l2, from, to),
    );
  }

  score(batch: SparseBatch): Float32Array {
    validateBatch(batch, this.numItems);
    return chunkedRows(batch, this.numItems, SCORE_CHUNK_ROWS, (chunk) => scoreLogits(this.dims, this.params, chunk));
  }

  encode(batch: SparseBatch): Float32Array {
    validateBatch(batch, this.numItems);
    return chunkedRows(batch, this.config.latent, SCORE_CHUNK_ROWS, (chunk) => encodeMean(this.dims, this.params, chunk));
  }

  async save(dir: string): Promise<void> {
    const shapes = paramShapes(this.dims);
    const weights = PARAM_NAMES.map((name) => ({ name, data: this.params[name], shape: [...shapes[name]] }));
    await saveWeights(dir, SAVE_FORMAT, weights, { config: { ...this.config } });
  }

  async trainingState(): Promise<TrainingState> {
    return hostTrainingState(SAVE_FORMAT, this.training.adam, this.rng, { step: this.step });
  }

  restoreTrainingState(state: TrainingState): void {
    const step = stateCounter(state, 'step');
    restoreHostTrainingState(SAVE_FORMAT, this.training.adam, this.rng, state);
    this.step = step;
  }

  dispose(): void {
    // Parameters are JS arrays and every tensor is freed inside each call; only a worker is held.
    this.training.dispose();
  }
}

export function createMultVae(cfg: MultVaeConfig, options: MultVaeOptions = {}): MultVae {
  return new MultVaeModel({ ...cfg }, null, options);
}

const NUMERIC_KEYS = ['numItems', 'hidden', 'latent', 'dropout', 'learningRate', 'l2', 'seed'] as const;

/** The config and the flat parameters (PARAM_NAMES order) that save() wrote. */
export async function readSavedMultVae(dir: string): Promise<{ config: MultVaeConfig; params: Float32Array }> {
  const { loaded, saved } = await readSaved(dir, SAVE_FORMAT);
  if (typeof saved?.variational !== 'boolean') throw new Error(`${dir}: saved config has no boolean 'variational'`);
  const cfg: MultVaeConfig = { ...numericConfig(dir, saved, NUMERIC_KEYS), variational: saved.variational };
  validateConfig(cfg);
  const dims: Dims = { numItems: cfg.numItems, hidden: cfg.hidden, latent: cfg.latent, variational: cfg.variational };
  const flat = new Float32Array(paramCount(dims));
  const views = viewParams(dims, flat);
  const shapes = paramShapes(dims);
  copyWeights(
    dir,
    loaded,
    PARAM_NAMES.map((name) => ({ name, shape: shapes[name], into: views[name] })),
  );
  return { config: cfg, params: flat };
}

/**
 * Loads what save() wrote. Optimiser state is not saved: further training of a loaded model
 * restarts Adam from zero and its noise stream from the saved seed.
 */
export async function loadMultVae(dir: string, options: MultVaeOptions = {}): Promise<MultVae> {
  const { config, params } = await readSavedMultVae(dir);
  return new MultVaeModel(config, params, options);
}
