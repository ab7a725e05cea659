/**
 * Mult-VAE / Mult-DAE kept on the backend's device, for the webgpu backend. The host model
 * (multvae.ts, network.ts) cannot run there: it reads results back inside every pass and runs the
 * sparse input layer and Adam in JS. Here the parameters and Adam's moments are tf.Variables, the
 * passes are tensor ops (devicePasses.ts) and Adam is the same update as adam.ts in tensor ops, so
 * a step queues its work on the GPU and reads back three numbers: loss, nll and kl. Evaluation
 * ranks on the device and reads back only each user's top k.
 *
 * Initialisation, dropout and the VAE's noise come from the same seeded stream, drawn in the same
 * order, as the host model's: one seed gives the same run on either, within float tolerance.
 */
import * as tf from '@tensorflow/tfjs-core';
import { deviceProblem, readTensor } from '../webgpu';
import { AdamConfig, TORCH_ADAM } from './adam';
import { validateBatch } from './batch';
import { DeviceParams, deviceBatch, deviceGradients, deviceLogits } from './devicePasses';
import { MultVae, MultVaeConfig, MultVaeOptions, SAVE_FORMAT, createMultVae, drawNoise, loadMultVae, readSavedMultVae, validateConfig } from './multvae';
import { Dims, PARAM_NAMES, Segment, initParams, isWeight, paramCount, paramSegments, paramShapes, viewParams } from './params';
import { Rng } from '../../shared/rng';
import { type Resumable, type TrainingState, stateArray, stateCounter } from './trainingState';
import { DeviceRecommender, RankedRows, SparseBatch, StepStats } from './types';
import { saveWeights } from './weightsIo';

export type DeviceMultVae = DeviceRecommender &
  Resumable & {
    readonly config: MultVaeConfig;
    readonly threads: 1;
  };

class DeviceMultVaeModel implements DeviceMultVae {
  readonly onDevice = true;
  readonly threads = 1;
  readonly numItems: number;
  private readonly dims: Dims;
  private readonly adam: AdamConfig;
  private readonly segments: Segment[];
  /**
   * All parameters in one flat variable (params.ts's layout), and Adam's moments beside them: Adam
   * is then a dozen kernels over three buffers instead of a dozen per parameter, and on a GPU the
   * cost of a step is mostly the number of kernels it dispatches.
   */
  private readonly flat: tf.Variable;
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  /** 2 * l2 on the weights' entries, 0 on the biases' (adam.ts's decay), or null without l2. */
  private readonly decay: tf.Tensor1D | null;
  private readonly rng: Rng;
  private step = 0;

  constructor(
    readonly config: MultVaeConfig,
    initial: Float32Array | null,
  ) {
    validateConfig(config);
    this.numItems = config.numItems;
    this.dims = { numItems: config.numItems, hidden: config.hidden, latent: config.latent, variational: config.variational };
    this.adam = { learningRate: config.learningRate, ...TORCH_ADAM };
    this.segments = paramSegments(this.dims);
    this.rng = new Rng(config.seed);
    let flat = initial;
    if (flat === null) {
      flat = new Float32Array(paramCount(this.dims));
      initParams(this.dims, viewParams(this.dims, flat), this.rng);
    }
    this.flat = tf.variable(tf.tensor1d(flat), false);
    this.m = tf.variable(tf.zeros([flat.length]), false);
    this.v = tf.variable(tf.zeros([flat.length]), false);
    if (config.l2 > 0) {
      const decay = new Float32Array(flat.length);
      for (const seg of this.segments) if (isWeight(seg.name)) decay.fill(2 * config.l2, seg.start, seg.end);
      this.decay = tf.tensor1d(decay);
    } else {
      this.decay = null;
    }
  }

  private checkDevice(): void {
    const problem = deviceProblem();
    if (problem !== null) throw new Error(problem);
  }

  /** Each parameter as a tensor of its shape, cut from the flat variable. Call inside tf.tidy. */
  private views(): DeviceParams {
    const shapes = paramShapes(this.dims);
    const out = {} as DeviceParams;
    for (const seg of this.segments) out[seg.name] = tf.reshape(tf.slice(this.flat, seg.start, seg.end - seg.start), shapes[seg.name]);
    return out;
  }

  /** Adam as adam.ts (torch.optim.Adam, plus 2 * l2 * W on weights) over the flat buffers. Call inside tf.tidy. */
  private applyAdam(grads: DeviceParams): void {
    const { beta1: b1, beta2: b2, epsilon } = this.adam;
    const t = this.step;
    const stepSize = this.adam.learningRate / (1 - b1 ** t);
    const invSqrtBc2 = 1 / Math.sqrt(1 - b2 ** t);
    const p = this.flat;
    const flatGrad = tf.concat(this.segments.map((seg) => tf.reshape(grads[seg.name], [-1])));
    const g = this.decay === null ? flatGrad : tf.add(flatGrad, tf.mul(this.decay, p));
    const m = tf.add(tf.mul(this.m, b1), tf.mul(g, 1 - b1));
    const v = tf.add(tf.mul(this.v, b2), tf.mul(tf.square(g), 1 - b2));
    p.assign(tf.sub(p, tf.div(tf.mul(m, stepSize), tf.add(tf.mul(tf.sqrt(v), invSqrtBc2), epsilon))));
    this.m.assign(m);
    this.v.assign(v);
  }

  /** l2 * sum(W^2) at the current weights, for the reported loss (as the host model reports it). */
  private l2Term(params: DeviceParams): tf.Scalar {
    const sums = PARAM_NAMES.filter(isWeight).map((name) => tf.sum(tf.square(params[name])));
    return tf.mul(tf.addN(sums), this.config.l2);
  }

  async trainStep(batch: SparseBatch, beta: number): Promise<StepStats> {
    validateBatch(batch, this.numItems);
    if (batch.rows === 0) throw new Error('trainStep: empty batch');
    this.checkDevice();
    const noise = drawNoise(this.rng, batch, this.config);
    const { variational, latent, l2, dropout } = this.config;
    this.step++;
    const stats = tf.tidy(() => {
      const params = this.views();
      const input = deviceBatch(batch, this.numItems, noise.keep, dropout);
      const eps = noise.eps === null ? null : tf.tensor2d(noise.eps, [batch.rows, latent]);
      const { grads, parts } = deviceGradients(this.dims, params, input, eps, variational ? beta : 0);
      const [nll, kl] = tf.unstack(parts);
      // The loss is reported at the weights the gradient was taken at, i.e. before the update.
      let loss: tf.Scalar = tf.add(nll, tf.mul(kl, variational ? beta : 0));
      if (l2 > 0) loss = tf.add(loss, this.l2Term(params));
      this.applyAdam(grads);
      return tf.stack([loss, nll, kl]);
    });
    try {
      const [loss, nll, kl] = await readTensor(stats);
      return { loss, nll, kl };
    } finally {
      stats.dispose();
    }
  }

  async rankTop(batch: SparseBatch, k: number): Promise<RankedRows> {
    validateBatch(batch, this.numItems);
    if (!(Number.isInteger(k) && k >= 1 && k <= this.numItems)) throw new Error(`rankTop: k must be in 1..${this.numItems}, got ${k}`);
    this.checkDevice();
    const top = tf.tidy(() => {
      const { x } = deviceBatch(batch, this.numItems, null, 0);
      // A user's own (fold-in) items are not recommended: -Infinity ranks them last.
      const logits = tf.where(tf.greater(x, 0), tf.fill([batch.rows, this.numItems], -Infinity), deviceLogits(this.dims, this.views(), x));
      return tf.topk(logits, k, true);
    });
    try {
      const [scores, items] = await Promise.all([readTensor(top.values), readTensor(top.indices)]);
      const out: RankedRows = { k, items: Int32Array.from(items), scores: Float32Array.from(scores) };
      for (let i = 0; i < out.items.length; i++) if (out.scores[i] === -Infinity || Number.isNaN(out.scores[i])) out.items[i] = -1;
      return out;
    } finally {
      top.values.dispose();
      top.indices.dispose();
    }
  }

  async save(dir: string): Promise<void> {
    this.checkDevice();
    const views = viewParams(this.dims, Float32Array.from(await readTensor(this.flat)));
    const shapes = paramShapes(this.dims);
    await saveWeights(
      dir,
      SAVE_FORMAT,
      PARAM_NAMES.map((name) => ({ name, data: views[name], shape: [...shapes[name]] })),
      { config: { ...this.config } },
    );
  }

  /** Read back from the device: the same buffers, in the same layout, as the host model's state. */
  async trainingState(): Promise<TrainingState> {
    this.checkDevice();
    const [params, m, v] = await Promise.all([this.flat, this.m, this.v].map(async (t) => Float32Array.from(await readTensor(t))));
    return {
      format: SAVE_FORMAT,
      counters: { step: this.step },
      rng: this.rng.state(),
      arrays: [
        { name: 'params', data: params },
        { name: 'm', data: m },
        { name: 'v', data: v },
      ],
    };
  }

  restoreTrainingState(state: TrainingState): void {
    if (state.format !== SAVE_FORMAT) throw new Error(`the training state is of a '${state.format}' model, not '${SAVE_FORMAT}'`);
    const n = paramCount(this.dims);
    const step = stateCounter(state, 'step');
    const [params, m, v] = (['params', 'm', 'v'] as const).map((name) => stateArray(state, name, n));
    tf.tidy(() => {
      this.flat.assign(tf.tensor1d(params));
      this.m.assign(tf.tensor1d(m));
      this.v.assign(tf.tensor1d(v));
    });
    this.rng.restore(state.rng);
    this.step = step;
  }

  dispose(): void {
    for (const t of [this.flat, this.m, this.v, this.decay]) t?.dispose();
  }
}

export function createDeviceMultVae(cfg: MultVaeConfig, initial: Float32Array | null = null): DeviceMultVae {
  return new DeviceMultVaeModel({ ...cfg }, initial);
}

/** Whether Mult-VAE trains as a DeviceMultVae: on webgpu, where the host model cannot read back synchronously. */
export function multVaeOnDevice(): boolean {
  return tf.getBackend() === 'webgpu';
}

/** The Mult-VAE the current backend trains: the device model on webgpu, the host model elsewhere. */
export function createMultVaeForBackend(cfg: MultVaeConfig, options: MultVaeOptions = {}): MultVae | DeviceMultVae {
  return multVaeOnDevice() ? createDeviceMultVae(cfg) : createMultVae(cfg, options);
}

/** loadMultVae for the current backend (see createMultVaeForBackend). */
export async function loadMultVaeForBackend(dir: string, options: MultVaeOptions = {}): Promise<MultVae | DeviceMultVae> {
  if (!multVaeOnDevice()) return loadMultVae(dir, options);
  const { config, params } = await readSavedMultVae(dir);
  return createDeviceMultVae(config, params);
}
