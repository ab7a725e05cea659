/**
 * What a stepped model keeps so that a resumed run continues exactly where it stopped: its flat
 * buffers (parameters, Adam's moments), its step counts and its random stream (dropout masks and
 * the VAE's noise). The training loop writes it at every epoch's end (trainingCheckpoint.ts).
 */
import type { RngState } from '../../shared/rng';
import type { Rng } from '../../shared/rng';
import type { AdamBuffers } from './adam';

export interface TrainingState {
  /** The model's save format ('vaerec-multvae', ...): a state goes back only into the same kind. */
  format: string;
  /** Optimiser step counts and flags of the model's schedule, by name. */
  counters: Record<string, number>;
  rng: RngState;
  /** Named flat buffers in a fixed order. */
  arrays: { name: string; data: Float32Array }[];
}

/** A model that can hand out its training state and take one back. */
export interface Resumable {
  /** The state now; host models hand out views of their live buffers, valid until the next step. */
  trainingState(): Promise<TrainingState>;
  /** Continues from a state taken from a model of the same format and shape; throws on any mismatch. */
  restoreTrainingState(state: TrainingState): void;
}

/** The state of a model trained on the host: parameters and Adam's moments, as TrainingBuffers holds them. */
export function hostTrainingState(format: string, adam: AdamBuffers, rng: Rng, counters: Record<string, number>): TrainingState {
  return {
    format,
    counters,
    rng: rng.state(),
    arrays: [
      { name: 'params', data: adam.params },
      { name: 'm', data: adam.m },
      { name: 'v', data: adam.v },
    ],
  };
}

/** The state's buffer `name`, checked against the length the model expects. */
export function stateArray(state: TrainingState, name: string, length: number): Float32Array {
  const a = state.arrays.find((x) => x.name === name);
  if (!a) throw new Error(`the training state has no '${name}'`);
  if (a.data.length !== length) throw new Error(`the training state's '${name}' holds ${a.data.length} values where the model has ${length}`);
  return a.data;
}

/** A counter of the state: a non-negative integer. */
export function stateCounter(state: TrainingState, name: string): number {
  const v = state.counters[name];
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`the training state's '${name}' is not a step count`);
  return v;
}

/** Puts a host model's state back into its buffers and generator; returns the state's counters. */
export function restoreHostTrainingState(format: string, adam: AdamBuffers, rng: Rng, state: TrainingState): TrainingState['counters'] {
  if (state.format !== format) throw new Error(`the training state is of a '${state.format}' model, not '${format}'`);
  const arrays = (['params', 'm', 'v'] as const).map((name) => stateArray(state, name, adam[name].length));
  adam.params.set(arrays[0]);
  adam.m.set(arrays[1]);
  adam.v.set(arrays[2]);
  rng.restore(state.rng);
  return state.counters;
}
