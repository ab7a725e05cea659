/**
 * SVAE (Sachdeva et al., WSDM 2019), after noveens/svae_cf: item embedding -> GRU -> per-step
 * tanh MLP -> per-step Gaussian latent -> tanh MLP decoder -> logits over all items, trained on
 * the next k items of every step with a KL term, by Adam with PyTorch-style weight decay.
 * Unlike the reference (one user per step) it trains on packed mini-batches (svaeNetwork.ts),
 * split over two threads when asked (parallel.ts): the loss is a sum over users, so each thread
 * takes half of a batch's steps and the gradients add.
 *
 * As a Recommender, a batch row is one user's history with its items in time order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamConfig, TORCH_ADAM, adamUpdateWithDecay } from './adam';
import { validateBatch } from './batch';
import { GradientWorker, TrainingBuffers } from './parallel';
import { Rng } from '../../shared/rng';
import { Workspace } from './kernels/workspace';
import { splitForThreads, trainingSteps } from './svaeBatch';
import { SvaeLossParts, SvaeTrainOptions, svaeForwardBackward, svaeScore } from './svaeNetwork';
import { SVAE_PARAM_NAMES, SvaeDims, SvaeParams, initSvaeParams, svaeParamCount, svaeParamShapes, viewSvaeParams } from './svaeParams';
import { type Resumable, type TrainingState, hostTrainingState, restoreHostTrainingState, stateCounter } from './trainingState';
import { Recommender, SparseBatch, StepStats } from './types';
import { chunkedRows, copyWeights, numericConfig, readSaved } from './savedModel';
import { saveWeights } from './weightsIo';

export interface SvaeConfig {
  numItems: number;
  embed: number;
  rnn: number;
  hidden: number;
  latent: number;
  /** Items predicted at each step (1 = next item only). */
  nextK: number;
  /** Histories longer than this keep their most recent items. */
  maxLength: number;
  learningRate: number;
  /** PyTorch Adam weight_decay: decay * p added to every gradient. */
  weightDecay: number;
  seed: number;
}

/** How to run, as opposed to what the model is: not saved with it. */
export interface SvaeOptions {
  /**
   * 2 = split each training step over the main thread and one worker thread (parallel.ts);
   * falls back to 1 when the worker script is not deployed next to this code or fails to start. Default 1.
   */
  threads?: 1 | 2;
}

export type Svae = Recommender &
  Resumable & {
    readonly config: SvaeConfig;
    /** Threads that actually compute each training step (1, or 2 when the worker started). */
    readonly threads: number;
  };

const SAVE_FORMAT = 'vaerec-svae';
/** Rows per scoring pass: bounds memory when a whole held-out set is scored at once. */
const SCORE_CHUNK_ROWS = 500;
const INT_KEYS = ['numItems', 'embed', 'rnn', 'hidden', 'latent', 'nextK', 'maxLength'] as const;

function validateConfig(cfg: SvaeConfig): void {
  for (const k of INT_KEYS) {
    const v = cfg[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`SvaeConfig.${k} must be a positive integer, got ${String(v)}`);
  }
  if (cfg.maxLength < 2) throw new Error(`SvaeConfig.maxLength must be at least 2, got ${cfg.maxLength}`);
  if (!(cfg.learningRate > 0)) throw new Error(`SvaeConfig.learningRate must be > 0, got ${cfg.learningRate}`);
  if (!(cfg.weightDecay >= 0)) throw new Error(`SvaeConfig.weightDecay must be >= 0, got ${cfg.weightDecay}`);
  if (!Number.isInteger(cfg.seed)) throw new Error(`SvaeConfig.seed must be an integer, got ${cfg.seed}`);
}

function dimsOf(cfg: SvaeConfig): SvaeDims {
  return { numItems: cfg.numItems, embed: cfg.embed, rnn: cfg.rnn, hidden: cfg.hidden, latent: cfg.latent };
}

class SvaeModel implements Svae {
  readonly numItems: number;
  private readonly dims: SvaeDims;
  private readonly adam: AdamConfig;
  private readonly training: TrainingBuffers;
  private readonly params: SvaeParams;
  private readonly grads: SvaeParams;
  private readonly rng: Rng;
  private readonly workspace = new Workspace();
  private step = 0;

  constructor(
    readonly config: SvaeConfig,
    initial: Float32Array | null,
    options: SvaeOptions,
  ) {
    validateConfig(config);
    this.numItems = config.numItems;
    this.dims = dimsOf(config);
    this.adam = { learningRate: config.learningRate, ...TORCH_ADAM };
    this.rng = new Rng(config.seed);
    this.training = TrainingBuffers.create(svaeParamCount(this.dims), options.threads ?? 1, tf.getBackend(), { kind: 'svae', dims: this.dims }, (params) =>
      initial === null ? initSvaeParams(this.dims, viewSvaeParams(this.dims, params), this.rng) : params.set(initial),
    );
    this.params = viewSvaeParams(this.dims, this.training.adam.params);
    this.grads = viewSvaeParams(this.dims, this.training.grads);
  }

  get threads(): number {
    return this.training.threads;
  }

  trainStep(batch: SparseBatch, beta: number): StepStats {
    validateBatch(batch, this.numItems);
    if (batch.rows === 0) throw new Error('trainStep: empty batch');
    const { nextK, maxLength } = this.config;
    const eps = this.workspace.get('noise', trainingSteps(batch, maxLength) * this.config.latent);
    this.rng.fillNormal(eps, 1);
    const opts: SvaeTrainOptions = { nextK, maxLength, beta, meanOver: batch.rows };
    let parts: SvaeLossParts;
    const { worker } = this.training;
    if (worker !== null && batch.rows > 1) {
      parts = this.gradientsInParallel(worker, batch, opts, eps);
    } else {
      this.training.clearWorkerGradient();
      parts = svaeForwardBackward(this.dims, this.params, batch, opts, eps, this.grads, this.workspace);
    }
    // The decay is not part of the reported loss (as in the reference, where it lives in the optimiser):
    // on the N(0, 1) embedding its implied penalty would dwarf the likelihood on every curve.
    const loss = parts.nll + beta * parts.kl;
    this.step++;
    this.applyAdam();
    return { loss, nll: parts.nll, kl: parts.kl };
  }

  /** The worker takes one of two parts of equal work; both divide by the whole batch size. */
  private gradientsInParallel(worker: GradientWorker, batch: SparseBatch, opts: SvaeTrainOptions, eps: Float32Array): SvaeLossParts {
    const [ours, theirs] = splitForThreads(batch, this.config.maxLength, this.config.latent, eps);
    const { mine, theirs: other } = worker.alongside({ kind: 'svaeGrad', batch: theirs.batch, eps: theirs.eps, opts }, () =>
      svaeForwardBackward(this.dims, this.params, ours.batch, opts, ours.eps, this.grads, this.workspace),
    );
    return { nll: mine.nll + other.nll, kl: mine.kl + other.kl };
  }

  /** Adam on the summed gradients; with a worker, each thread updates half of the parameters. */
  private applyAdam(): void {
    const decay = this.config.weightDecay;
    this.training.updateInHalves(
      (from, to) => ({ kind: 'adamDecay', adam: this.adam, t: this.step, decay, from, to }),
      (grads, from, to) => adamUpdateWithDecay(this.adam, this.step, this.training.adam, grads, decay, from, to),
    );
  }

  score(batch: SparseBatch): Float32Array {
    validateBatch(batch, this.numItems);
    return chunkedRows(batch, this.numItems, SCORE_CHUNK_ROWS, (chunk) => svaeScore(this.dims, this.params, chunk, this.config.maxLength, this.workspace));
  }

  async save(dir: string): Promise<void> {
    const shapes = svaeParamShapes(this.dims);
    const weights = SVAE_PARAM_NAMES.map((name) => ({ name, data: this.params[name], shape: [...shapes[name]] }));
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
    // Parameters live in JS and every tensor is freed inside each call; only a worker is held.
    this.training.dispose();
  }
}

export function createSvae(cfg: SvaeConfig, options: SvaeOptions = {}): Svae {
  return new SvaeModel({ ...cfg }, null, options);
}

const CONFIG_KEYS = [...INT_KEYS, 'learningRate', 'weightDecay', 'seed'] as const;

/** Loads what save() wrote. Optimiser state is not saved (further training restarts Adam). */
export async function loadSvae(dir: string): Promise<Svae> {
  const { loaded, saved } = await readSaved(dir, SAVE_FORMAT);
  const cfg: SvaeConfig = numericConfig(dir, saved, CONFIG_KEYS);
  validateConfig(cfg);
  const dims = dimsOf(cfg);
  const flat = new Float32Array(svaeParamCount(dims));
  const views = viewSvaeParams(dims, flat);
  const shapes = svaeParamShapes(dims);
  copyWeights(
    dir,
    loaded,
    SVAE_PARAM_NAMES.map((name) => ({ name, shape: shapes[name], into: views[name] })),
  );
  return new SvaeModel(cfg, flat, {});
}
