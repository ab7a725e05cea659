/**
 * RecVAE (Shenbin et al., "RecVAE: a New Variational Autoencoder for Top-N Recommendations with
 * Implicit Feedback", WSDM 2020), after its official code (ilya-shenbin/RecVAE): a dense-connection
 * encoder with swish and layer normalisation, a linear decoder, the composite prior and a KL weight of
 * gamma times the user's number of items. Each epoch makes several passes that update the encoder
 * (with dropout), then refreshes the prior's copy of the encoder, then passes that update the
 * decoder (encoder fixed, no dropout), each block with its own Adam; docs/RECVAE.md says where this
 * follows the code rather than the paper. The passes are in recvaeNetwork.ts; a batch is split over
 * two threads as Mult-VAE's (parallel.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamConfig, TORCH_ADAM, adamUpdateWithDecay } from './adam';
import { sliceRows, validateBatch } from './batch';
import { Workspace } from './kernels/workspace';
import { GradientWorker, TrainingBuffers } from './parallel';
import { RecVaeLoss, decoderStep, encodeMean, encoderStep, scoreLogits } from './recvaeNetwork';
import { RecVaeDims, RecVaeParams, encoderArrays, encoderViews, initRecVae, recvaeLayout, viewRecVae } from './recvaeParams';
import { Rng } from '../../shared/rng';
import { type Resumable, type TrainingState, hostTrainingState, restoreHostTrainingState, stateCounter } from './trainingState';
import { Recommender, SparseBatch, StepStats } from './types';
import { chunkedRows, copyWeights, numericConfig, readSaved } from './savedModel';
import { saveWeights } from './weightsIo';

export interface RecVaeConfig {
  numItems: number;
  hidden: number;
  latent: number;
  /** Input dropout of the encoder passes. */
  dropout: number;
  /** A user's KL weight is gamma times their number of items. */
  gamma: number;
  learningRate: number;
  /** Passes updating the encoder, then passes updating the decoder, per epoch. */
  encoderEpochs: number;
  decoderEpochs: number;
  seed: number;
}

export type RecVae = Recommender &
  Resumable & {
    readonly config: RecVaeConfig;
    /** Threads that compute each training step (1, or 2 when the worker started). */
    readonly threads: number;
    /** Evaluation-mode posterior means: rows x latent. */
    encode(batch: SparseBatch): Float32Array;
    /**
     * Called before each pass over the training users with its index in the epoch: the first
     * encoderEpochs update the encoder, the rest the decoder; the prior is refreshed between them.
     */
    beginPass(index: number): void;
  };

const SAVE_FORMAT = 'vaerec-recvae';
const SCORE_CHUNK_ROWS = 1000;
const INT_KEYS = ['numItems', 'hidden', 'latent', 'encoderEpochs', 'decoderEpochs'] as const;

function validateConfig(cfg: RecVaeConfig): void {
  for (const k of INT_KEYS) {
    const v = cfg[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`RecVaeConfig.${k} must be a positive integer, got ${String(v)}`);
  }
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw new Error(`RecVaeConfig.dropout must be in [0, 1), got ${cfg.dropout}`);
  if (!(cfg.gamma >= 0)) throw new Error(`RecVaeConfig.gamma must be >= 0, got ${cfg.gamma}`);
  if (!(cfg.learningRate > 0)) throw new Error(`RecVaeConfig.learningRate must be > 0, got ${cfg.learningRate}`);
  if (!Number.isInteger(cfg.seed)) throw new Error(`RecVaeConfig.seed must be an integer, got ${cfg.seed}`);
}

class RecVaeModel implements RecVae {
  readonly numItems: number;
  private readonly dims: RecVaeDims;
  private readonly layout: ReturnType<typeof recvaeLayout>;
  private readonly adam: AdamConfig;
  private readonly training: TrainingBuffers;
  private readonly params: RecVaeParams;
  private readonly grads: RecVaeParams;
  private readonly rng: Rng;
  private readonly ws = new Workspace();
  private decoderPass = false;
  /** Adam's step counts: the encoder's and the decoder's optimisers step separately, as the reference's two. */
  private encoderSteps = 0;
  private decoderSteps = 0;

  /** `initial`: the encoder then the decoder (a saved model); the prior's encoder starts as a copy of the encoder. */
  constructor(
    readonly config: RecVaeConfig,
    initial: Float32Array | null,
    threads: 1 | 2,
  ) {
    validateConfig(config);
    this.numItems = config.numItems;
    this.dims = { numItems: config.numItems, hidden: config.hidden, latent: config.latent };
    this.layout = recvaeLayout(this.dims);
    this.adam = { learningRate: config.learningRate, ...TORCH_ADAM };
    this.rng = new Rng(config.seed);
    this.training = TrainingBuffers.create(this.layout.total, threads, tf.getBackend(), { kind: 'recvaeNet', dims: this.dims }, (flat) => {
      if (initial === null) initRecVae(this.dims, viewRecVae(this.dims, flat), this.rng);
      else {
        flat.set(initial);
        flat.copyWithin(this.layout.decoder, 0, this.layout.encoder);
      }
    });
    this.params = viewRecVae(this.dims, this.training.adam.params);
    this.grads = viewRecVae(this.dims, this.training.grads);
  }

  get threads(): number {
    return this.training.threads;
  }

  beginPass(index: number): void {
    const decoder = index >= this.config.encoderEpochs;
    // The reference's update_prior(), after the encoder passes: the prior's encoder becomes the encoder.
    if (decoder && !this.decoderPass) this.training.adam.params.copyWithin(this.layout.decoder, 0, this.layout.encoder);
    this.decoderPass = decoder;
  }

  trainStep(batch: SparseBatch, _beta: number): StepStats {
    validateBatch(batch, this.numItems);
    if (batch.rows === 0) throw new Error('trainStep: empty batch');
    const keep = this.decoderPass ? null : new Uint8Array(batch.indices.length).map(() => (this.rng.uniform() >= this.config.dropout ? 1 : 0));
    const eps = new Float32Array(batch.rows * this.config.latent);
    this.rng.fillNormal(eps, 1);
    const { worker } = this.training;
    const parts = worker !== null && batch.rows > 1 ? this.inParallel(worker, batch, keep, eps) : this.alone(batch, keep, eps);
    const [from, to] = this.decoderPass ? [this.layout.encoder, this.layout.decoder] : [0, this.layout.encoder];
    const t = this.decoderPass ? ++this.decoderSteps : ++this.encoderSteps;
    this.training.updateInHalves(
      (a, b) => ({ kind: 'adamDecay', adam: this.adam, t, decay: 0, from: a, to: b }),
      (grads, a, b) => adamUpdateWithDecay(this.adam, t, this.training.adam, grads, 0, a, b),
      from,
      to,
    );
    return { loss: parts.nll + parts.kl, nll: parts.nll, kl: parts.kl };
  }

  private step(batch: SparseBatch, keep: Uint8Array | null, eps: Float32Array, meanOver: number): RecVaeLoss {
    const { dims: d, params: p, grads: g, config: c } = this;
    return keep === null
      ? decoderStep(d, p, batch, eps, c.gamma, g, meanOver, this.ws)
      : encoderStep(d, p, batch, { keep, eps }, c.dropout, c.gamma, g, meanOver, this.ws);
  }

  private alone(batch: SparseBatch, keep: Uint8Array | null, eps: Float32Array): RecVaeLoss {
    this.training.clearWorkerGradient();
    return this.step(batch, keep, eps, batch.rows);
  }

  /** The worker takes the second half of the rows; both halves divide by the whole batch size. */
  private inParallel(worker: GradientWorker, batch: SparseBatch, keep: Uint8Array | null, eps: Float32Array): RecVaeLoss {
    const split = Math.ceil(batch.rows / 2);
    const cut = batch.indptr[split];
    const Z = this.config.latent;
    const { mine, theirs } = worker.alongside(
      {
        kind: 'recvaeGrad',
        batch: sliceRows(batch, split, batch.rows),
        keep: keep === null ? null : keep.subarray(cut),
        eps: eps.subarray(split * Z),
        dropout: this.config.dropout,
        gamma: this.config.gamma,
        meanOver: batch.rows,
      },
      () => this.step(sliceRows(batch, 0, split), keep === null ? null : keep.subarray(0, cut), eps.subarray(0, split * Z), batch.rows),
    );
    return { nll: mine.nll + theirs.nll, kl: mine.kl + theirs.kl };
  }

  score(batch: SparseBatch): Float32Array {
    validateBatch(batch, this.numItems);
    return chunkedRows(batch, this.numItems, SCORE_CHUNK_ROWS, (chunk) => scoreLogits(this.dims, this.params, chunk));
  }

  encode(batch: SparseBatch): Float32Array {
    validateBatch(batch, this.numItems);
    return chunkedRows(batch, this.config.latent, SCORE_CHUNK_ROWS, (chunk) => encodeMean(this.dims, this.params.enc, chunk));
  }

  async save(dir: string): Promise<void> {
    const d = this.dims;
    const enc = encoderViews(d, this.training.adam.params.subarray(0, this.layout.encoder));
    const weights = encoderArrays(d).map((a) => ({ name: a.name, data: enc.get(a.name) as Float32Array, shape: a.shape }));
    weights.push({ name: 'wd', data: this.params.dec.w, shape: [d.latent, d.numItems] }, { name: 'bd', data: this.params.dec.b, shape: [d.numItems] });
    await saveWeights(dir, SAVE_FORMAT, weights, { config: { ...this.config } });
  }

  /**
   * The whole flat buffer (encoder, decoder and the prior's copy of the encoder, refreshed once an
   * epoch), both optimisers' moments and step counts, and which block the last pass updated.
   */
  async trainingState(): Promise<TrainingState> {
    return hostTrainingState(SAVE_FORMAT, this.training.adam, this.rng, {
      encoderSteps: this.encoderSteps,
      decoderSteps: this.decoderSteps,
      decoderPass: this.decoderPass ? 1 : 0,
    });
  }

  restoreTrainingState(state: TrainingState): void {
    const encoderSteps = stateCounter(state, 'encoderSteps');
    const decoderSteps = stateCounter(state, 'decoderSteps');
    const decoderPass = stateCounter(state, 'decoderPass') === 1;
    restoreHostTrainingState(SAVE_FORMAT, this.training.adam, this.rng, state);
    this.encoderSteps = encoderSteps;
    this.decoderSteps = decoderSteps;
    this.decoderPass = decoderPass;
  }

  dispose(): void {
    this.training.dispose();
  }
}

export function createRecVae(config: RecVaeConfig, threads: 1 | 2 = 1): RecVae {
  return new RecVaeModel({ ...config }, null, threads);
}

const NUMERIC_KEYS = ['numItems', 'hidden', 'latent', 'dropout', 'gamma', 'learningRate', 'encoderEpochs', 'decoderEpochs', 'seed'] as const;

/** Loads what save() wrote (for scoring: optimiser state and the prior's encoder are not saved). */
export async function loadRecVae(dir: string): Promise<RecVae> {
  const { loaded, saved } = await readSaved(dir, SAVE_FORMAT);
  const config: RecVaeConfig = numericConfig(dir, saved, NUMERIC_KEYS);
  validateConfig(config);
  const d: RecVaeDims = { numItems: config.numItems, hidden: config.hidden, latent: config.latent };
  const layout = recvaeLayout(d);
  const flat = new Float32Array(layout.decoder);
  const arrays = [...encoderArrays(d), { name: 'wd', shape: [d.latent, d.numItems] }, { name: 'bd', shape: [d.numItems] }];
  let offset = 0;
  const targets = arrays.map((a) => {
    const size = a.shape.reduce((x, y) => x * y, 1);
    const into = flat.subarray(offset, offset + size);
    offset += size;
    return { name: a.name, shape: a.shape, into };
  });
  copyWeights(dir, loaded, targets);
  return new RecVaeModel(config, flat, 1);
}
