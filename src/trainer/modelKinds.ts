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
import { createSvae, loadSvae } from './model/svae';
import type { AnyRecommender, Recommender } from './model/types';
import { PopularityModel } from './popularity';
import type { NumpyRandomState } from './protocol/mt19937';
import { bucketedOrder, splitSequential } from './protocol/sequential';
import { splitStrongGeneralisation, type Split, type UserRows } from './protocol/split';

export type TrainableModel = AnyRecommender & {
  /** Threads that compute each training step (1, or 2 when the worker thread started). */
  readonly threads: number;
};

interface Common {
  /** The users' rows: sets of items (strong generalisation) or time-ordered histories (sequential). */
  split(data: Interactions, protocol: ProtocolConfig, seed: number): Split;
  /**
   * Restores a run's saved weights; a stepped kind's TensorFlow.js backend is selected first, and
   * on webgpu a kind with a GPU step restores onto the device (a DeviceRecommender).
   */
  load(dir: string): Promise<AnyRecommender>;
}

/** Fitted in one pass over the training rows, in plain JavaScript (no TensorFlow.js backend). */
export interface FittedKind extends Common {
  fit(train: UserRows, numItems: number, config: TrainConfig): Recommender;
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

/** makeConfig gives an svae config all of its keys; a config from elsewhere may lack them. */
function need(v: number | undefined, key: string): number {
  if (v === undefined) throw new Error(`an svae config needs ${key}`);
  return v;
}

export const TRAINER_KINDS: Readonly<Record<ModelKind, TrainerKind>> = {
  mvae: multVae(true),
  mdae: multVae(false),
  pop: {
    split: splitStrongGeneralisation,
    load: async (dir) => PopularityModel.load(dir),
    fit: (train, numItems) => PopularityModel.fit(train, numItems),
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
};
