/**
 * What the lab knows about each kind of model apart from its numerics: what the UI calls it, which
 * parts of a config, a chart or a table apply to it, its defaults and its own hyperparameters.
 * Code that treats models differently asks this table (and, in the trainer, src/trainer/modelKinds.ts)
 * instead of testing a model's name, so a new kind is one entry here, one there and its model module.
 * Free of heavy imports: the extension host and the webviews read it too.
 */
import type { TrainConfig } from './runSchema';
import type { NumberRule } from './trainConfig';

/** The `model` of a config and of run.json. */
export type ModelKind = 'mvae' | 'mdae' | 'pop' | 'svae' | 'ease' | 'recvae';

/**
 * How "because you liked" is worked out for a kind: 'contributions' when each score is a sum of one
 * part per history item (EASE: B[j, i] over the user's items j), each part's share of the score;
 * 'leave-one-out' otherwise, the drop in the item's log-probability when one history item is left out.
 */
export type ExplainMethod = 'contributions' | 'leave-one-out';

/** One pass over the training users within an epoch, for kinds that make several of different kinds. */
export interface TrainingPass {
  /** Recorded with each step line of the pass (`pass`). */
  name: string;
  /** Its steps' losses are the objective the curves show (RecVAE's decoder passes optimise another: no dropout, encoder fixed). */
  curves: boolean;
}

export interface ModelKindInfo {
  /** How the UI names it: the Runs tree, the status bar, the dashboard and the inspector. */
  readonly label: string;
  /**
   * Trained by gradient steps over epochs, so it has an architecture, an optimiser and training
   * curves; otherwise fitted in one pass over the training users.
   */
  readonly epochs: boolean;
  /** Its loss has a KL term weighted by β, annealed to annealCap over annealSteps (the β settings, column and curve apply). */
  readonly kl: boolean;
  /** How its KL term is weighted when that is not an annealed β (RecVAE: gamma times the user's items). */
  readonly klWeight?: string;
  /** Reads each user's history in time order (the sequential split) instead of as a set of items. */
  readonly sequential: boolean;
  /** Why the inspector has no per-user latent space to project for it; absent when it has one. */
  readonly noLatent?: string;
  /** How its recommendations are explained by the user's items; absent: its scores do not depend on them. */
  readonly explain?: ExplainMethod;
  /** An epoch's passes over the training users when it makes several (RecVAE: encoder passes, then decoder passes); absent: one. */
  readonly passes?: (c: TrainConfig) => readonly TrainingPass[];
  /** Its defaults where they differ from DEFAULT_CONFIG. */
  readonly defaults: Partial<TrainConfig>;
  /** The hyperparameters only this kind accepts, with their ranges; the other kinds refuse them. */
  readonly ownKeys: readonly NumberRule[];
  /** Validation and test users (each) when the config says 0, where the common rule does not fit. */
  readonly autoHeldoutUsers?: (eligibleUsers: number) => number;
  /** Its own hyperparameters in words: a row of the run's tooltip and a phrase of the Train summary. */
  readonly describe?: { readonly row: string; detail(c: TrainConfig): string; summary(c: TrainConfig): string };
  /** The VS Code command that trains it (contributed in package.json); absent: trained from the CLI only. */
  readonly trainCommand?: string;
}

export const MODEL_INFO: Readonly<Record<ModelKind, ModelKindInfo>> = {
  mvae: { label: 'Mult-VAE', epochs: true, kl: true, sequential: false, explain: 'leave-one-out', defaults: {}, ownKeys: [], trainCommand: 'vaerec.trainMvae' },
  mdae: {
    label: 'Mult-DAE',
    epochs: true,
    kl: false,
    sequential: false,
    explain: 'leave-one-out',
    defaults: {},
    ownKeys: [],
    trainCommand: 'vaerec.trainMdae',
  },
  pop: {
    label: 'Popularity',
    epochs: false,
    kl: false,
    sequential: false,
    noLatent: 'the popularity baseline encodes no users',
    defaults: {},
    ownKeys: [],
    trainCommand: 'vaerec.trainPopularity',
  },
  svae: {
    label: 'SVAE',
    epochs: true,
    kl: true,
    sequential: true,
    noLatent: "SVAE's latent is per step, not per user",
    explain: 'leave-one-out',
    /**
     * From noveens/svae_cf: 256-200-150-64 widths, next 4 items, 25 epochs, Adam with weight decay
     * 5e-3 and no dropout. Batches of 16 users and a learning rate of 2e-3 instead of one user per
     * step and 1e-3: see README, "SVAE", for why.
     */
    defaults: {
      epochs: 25,
      batchSize: 16,
      learningRate: 2e-3,
      l2: 0,
      hidden: 150,
      latent: 64,
      dropout: 0,
      annealCap: 0.2,
      embedding: 256,
      rnn: 200,
      nextK: 4,
      maxLength: 1000,
      weightDecay: 5e-3,
    },
    ownKeys: [
      { key: 'embedding', min: 1, max: 100_000, integer: true },
      { key: 'rnn', min: 1, max: 100_000, integer: true },
      { key: 'nextK', min: 1, max: 10_000, integer: true },
      { key: 'maxLength', min: 2, max: 1_000_000, integer: true },
      { key: 'weightDecay', min: 0, max: 1e6 },
    ],
    /** 750 as in the reference on ML-1M, at most 1/8 of the users on smaller data. */
    autoHeldoutUsers: (eligibleUsers) => Math.max(1, Math.min(750, Math.round(eligibleUsers / 8))),
    describe: {
      row: 'sequence',
      detail: (c) => `embedding ${c.embedding}, GRU ${c.rnn}, next ${c.nextK} items, max length ${c.maxLength}, weight decay ${c.weightDecay}`,
      summary: (c) => `next ${c.nextK} items, max length ${c.maxLength}`,
    },
    trainCommand: 'vaerec.trainSvae',
  },
  ease: {
    label: 'EASE',
    epochs: false,
    kl: false,
    sequential: false,
    noLatent: 'EASE is a linear item-item model: it encodes no users',
    explain: 'contributions',
    /** lambda 0: chosen on validation NDCG@100 from `lambdas`; an empty list: the default one around the data's scale (easeFit.ts). */
    defaults: { lambda: 0, lambdas: [] },
    ownKeys: [
      { key: 'lambda', min: 0, max: 1e12 },
      { key: 'lambdas', min: 0, max: 1e12, exclusiveMin: true, list: true },
    ],
    describe: {
      row: 'lambda',
      detail: (c) =>
        c.lambda ? `${c.lambda} (fixed)` : `chosen on validation from ${c.lambdas?.length ? c.lambdas.join(', ') : "a list around the data's scale"}`,
      summary: (c) => (c.lambda ? `lambda ${c.lambda}` : 'lambda chosen on validation'),
    },
    trainCommand: 'vaerec.trainEase',
  },
  recvae: {
    label: 'RecVAE',
    epochs: true,
    kl: false,
    klWeight: "gamma x the user's number of items",
    sequential: false,
    explain: 'leave-one-out',
    passes: (c) => [
      ...Array.from({ length: c.encoderEpochs ?? 3 }, () => ({ name: 'encoder', curves: true })),
      ...Array.from({ length: c.decoderEpochs ?? 1 }, () => ({ name: 'decoder', curves: false })),
    ],
    /** From ilya-shenbin/RecVAE's run.py and its README's command (gamma 0.005, 50 epochs): see docs/RECVAE.md. */
    defaults: {
      epochs: 50,
      learningRate: 5e-4,
      batchSize: 500,
      hidden: 600,
      latent: 200,
      dropout: 0.5,
      l2: 0,
      gamma: 0.005,
      encoderEpochs: 3,
      decoderEpochs: 1,
    },
    ownKeys: [
      { key: 'gamma', min: 0, max: 1e6 },
      { key: 'encoderEpochs', min: 1, max: 1000, integer: true },
      { key: 'decoderEpochs', min: 1, max: 1000, integer: true },
    ],
    describe: {
      row: 'RecVAE',
      detail: (c) =>
        `KL weight gamma ${c.gamma} x the user's items, ${c.encoderEpochs} encoder and ${c.decoderEpochs} decoder passes per epoch, composite prior`,
      summary: (c) => `gamma ${c.gamma}, ${c.encoderEpochs}+${c.decoderEpochs} passes`,
    },
    trainCommand: 'vaerec.trainRecvae',
  },
};

export const MODEL_KINDS = Object.keys(MODEL_INFO) as readonly ModelKind[];

export function isModelKind(v: unknown): v is ModelKind {
  return typeof v === 'string' && Object.hasOwn(MODEL_INFO, v);
}

/** For a model name from a message: undefined when this version does not know it. */
export function modelInfo(kind: string): ModelKindInfo | undefined {
  return isModelKind(kind) ? MODEL_INFO[kind] : undefined;
}

/** An epoch's passes over the training users (one for most kinds). */
export function trainingPasses(c: TrainConfig): readonly TrainingPass[] {
  return modelInfo(c.model)?.passes?.(c) ?? [{ name: 'train', curves: true }];
}

/** The names of the passes whose steps the loss curves leave out. */
export function offCurvePasses(c: TrainConfig): Set<string> {
  return new Set(trainingPasses(c).flatMap((p) => (p.curves ? [] : [p.name])));
}

/** The UI's name of a kind; a name this version does not know as it is. */
export function modelLabel(kind: string): string {
  return modelInfo(kind)?.label ?? kind;
}
