/**
 * How the trainer splits the data for, makes, trains and restores each kind of model (what the UI
 * knows of a kind: src/shared/modelKinds.ts). Training (train.ts) and inspection
 * (inspect/runInspector.ts) both go through this table, so a finished run's split and weights are
 * read back the way they were made.
 */
import type { ModelKind } from '../shared/modelKinds';
import type { ProtocolConfig, TrainConfig } from '../shared/runSchema';
import type { Interactions } from './data/types';
import { createMultVaeForBackend, loadMultVaeForBackend } from './model/deviceMultVae';
import { EaseModel } from './model/ease';
import { defaultLambdas, fitEase, type EaseFit } from './model/easeFit';
import { createRecVae, loadRecVae } from './model/recvae';
import { createSvae, loadSvae } from './model/svae';
import type { Resumable } from './model/trainingState';
import type { AnyRecommender, Recommender } from './model/types';
import { PopularityModel } from './popularity';
import type { NumpyRandomState } from './protocol/mt19937';
import { bucketedOrder, splitSequential } from './protocol/sequential';
import { splitStrongGeneralisation, type HeldOut, type Split, type UserRows } from './protocol/split';

export type TrainableModel = AnyRecommender &
  Resumable & {
    /** Threads that compute each training step (1, or 2 when the worker thread started). */
    readonly threads: number;
    /** Before each pass of an epoch, for kinds that make several (ModelKindInfo.passes), with its index. */
    beginPass?(index: number): void;
  };

interface Common {
  /** The users' rows: sets of items (strong generalisation) or time-ordered histories (sequential). */
  split(data: Interactions, protocol: ProtocolConfig, seed: number): Split;
  /**
   * Restores a run's saved weights; a stepped kind's TensorFlow.js backend is selected first, and
   * on webgpu a kind with a GPU step restores onto the device (a DeviceRecommender).
   */
  load(dir: string): Promise<AnyRecommender>;
  /** Fills in the config's "auto" values that need the split (EASE's default lambdas); the run records the result. */
  resolve?(config: TrainConfig, split: Split): TrainConfig;
}

/** What a fit may use besides the training rows, and how it reports. */
export interface FitContext {
  /** The validation users, for choosing among candidate settings (EASE's lambda). */
  validation: HeldOut;
  /** Threads the fit may compute on. */
  threads: 1 | 2;
  /** Aborted when the run is cancelled; the fit then throws. */
  signal: AbortSignal;
  /** One candidate fitted: a "fit" line of metrics.jsonl. */
  onFit(fit: EaseFit): void;
  /** Fraction of the whole fit done, with what it is doing. */
  onProgress(fraction: number, message: string): void;
}

/** Fitted in closed form over the training rows, in plain JavaScript (no TensorFlow.js backend). */
export interface FittedKind extends Common {
  fit(train: UserRows, numItems: number, config: TrainConfig, context: FitContext): Promise<Recommender>;
  load(dir: string): Promise<Recommender>;
  create?: never;
  batchOrder?: never;
}

/** Trained by gradient steps over epochs, on the TensorFlow.js backend selected before `create`. */
export interface SteppedKind extends Common {
  fit?: never;
  /** Has a training step that stays on the GPU (webgpu backend); without one, `webgpu` and `auto` train it on wasm. */
  webgpu: boolean;
  /** Makes the model for the selected backend: on webgpu, the device-resident model when the kind has one. */
  create(config: TrainConfig, numItems: number, threads: 1 | 2): TrainableModel;
  /** The order of the training rows in one epoch: batches are consecutive slices of it. */
  batchOrder(train: UserRows, batchSize: number, rng: NumpyRandomState): Int32Array;
}

export type TrainerKind = FittedKind | SteppedKind;

const shuffled = (train: UserRows, _batchSize: number, rng: NumpyRandomState) => rng.permutation(train.users.length);

function multVae(variational: boolean): SteppedKind {
  return {
    split: splitStrongGeneralisation,
    load: (dir) => loadMultVaeForBackend(dir),
    webgpu: true,
    create: (config, numItems, threads) =>
      createMultVaeForBackend(
        {
          numItems,
          hidden: config.hidden,
          latent: config.latent,
          dropout: config.dropout,
          variational,
          learningRate: config.learningRate,
          l2: config.l2,
          seed: config.seed,
        },
        { threads },
      ),
    batchOrder: shuffled,
  };
}

/** makeConfig gives a kind's config all of its own keys; a config from elsewhere may lack them. */
function need(v: number | undefined, key: string): number {
  if (v === undefined) throw new Error(`the config has no ${key}`);
  return v;
}

/** A fixed lambda, else the configured candidates, else the default ones around the data's scale. */
function easeCandidates(config: TrainConfig, train: UserRows, numItems: number): number[] {
  if (config.lambda) return [config.lambda];
  return config.lambdas?.length ? config.lambdas : defaultLambdas(train, numItems);
}

export const TRAINER_KINDS: Readonly<Record<ModelKind, TrainerKind>> = {
  mvae: multVae(true),
  mdae: multVae(false),
  pop: {
    split: splitStrongGeneralisation,
    load: async (dir) => PopularityModel.load(dir),
    fit: async (train, numItems) => PopularityModel.fit(train, numItems),
  },
  svae: {
    split: splitSequential,
    load: (dir) => loadSvae(dir),
    // Its passes read back inside every step and work in the wasm heap (svaeNetwork.ts).
    webgpu: false,
    create: (config, numItems, threads) =>
      createSvae(
        {
          numItems,
          embed: need(config.embedding, 'embedding'),
          rnn: need(config.rnn, 'rnn'),
          hidden: config.hidden,
          latent: config.latent,
          nextK: need(config.nextK, 'nextK'),
          maxLength: need(config.maxLength, 'maxLength'),
          learningRate: config.learningRate,
          weightDecay: need(config.weightDecay, 'weightDecay'),
          seed: config.seed,
        },
        { threads },
      ),
    // Batches of similar lengths, so a batch's recurrence is about as long as its members.
    batchOrder: bucketedOrder,
  },
  ease: {
    split: splitStrongGeneralisation,
    load: async (dir) => EaseModel.load(dir),
    resolve: (config, split) => (config.lambda ? config : { ...config, lambdas: easeCandidates(config, split.train, split.items.length) }),
    fit: async (train, numItems, config, context) => (await fitEase(train, numItems, { lambdas: easeCandidates(config, train, numItems), ...context })).model,
  },
  recvae: {
    split: splitStrongGeneralisation,
    load: (dir) => loadRecVae(dir),
    // Its passes run on the host (wasm); a GPU step of its own is not written.
    webgpu: false,
    create: (config, numItems, threads) =>
      createRecVae(
        {
          numItems,
          hidden: config.hidden,
          latent: config.latent,
          dropout: config.dropout,
          gamma: need(config.gamma, 'gamma'),
          learningRate: config.learningRate,
          encoderEpochs: need(config.encoderEpochs, 'encoderEpochs'),
          decoderEpochs: need(config.decoderEpochs, 'decoderEpochs'),
          seed: config.seed,
        },
        threads,
      ),
    batchOrder: shuffled,
  },
};
