/**
 * Access to a tensor's values without dataSync. On the wasm backend dataSync copies into a fresh
 * ArrayBuffer, and fresh large buffers are slow here (a 28 MB read-back costs ~85 ms, mostly page
 * faults, against ~60 ms for the 2048 x 150 x 3483 product that produced it). A view of the wasm
 * heap costs nothing and can be written in place, so SVAE's output layer turns probabilities into
 * the logits' gradient where they lie and feeds the same tensor to the backward products.
 *
 * A heap view is invalidated when the wasm memory grows, i.e. by any new tensor: use it before
 * creating the next one. Other backends get a copy, and `commit` uploads it back.
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

function wasmInternals(): WasmBackendInternals | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as Partial<WasmBackendInternals>;
  if (!backend.dataIdMap || !backend.wasm?.HEAPU8) return null;
  return backend as WasmBackendInternals;
}

export interface TensorData {
  data: Float32Array;
  /** The tensor holding `data` as written: the same tensor on wasm, a new one elsewhere (the old one is disposed). */
  commit(): tf.Tensor;
}

/** The float32 values of t, writable; see the module comment for the lifetime of the view. */
export function tensorData(t: tf.Tensor): TensorData {
  const internals = wasmInternals();
  const info = internals?.dataIdMap.get(t.dataId);
  if (internals && info) {
    const data = new Float32Array(internals.wasm.HEAPU8.buffer, info.memoryOffset, t.size);
    return { data, commit: () => t };
  }
  const data = t.dataSync() as Float32Array;
  return {
    data,
    commit: () => {
      const fresh = tf.tensor(data, t.shape);
      t.dispose();
      return fresh;
    },
  };
}

/** Copies t's values into out (a reused buffer) and disposes t. */
export function readInto(t: tf.Tensor, out: Float32Array): Float32Array {
  out.set(tensorData(t).data);
  t.dispose();
  return out;
}
