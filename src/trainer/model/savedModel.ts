/**
 * What the host models (Mult-VAE, RecVAE, SVAE) share around their passes: scoring in chunks of
 * rows, and reading back what saveWeights wrote (the format, the numeric config, each named weight
 * checked against its shape).
 */
import { sliceRows } from './batch';
import type { SparseBatch } from './types';
import { type LoadedWeights, loadWeights } from './weightsIo';

/** `f` over chunks of at most `chunkRows` rows, the results laid end to end (rows x width). */
export function chunkedRows(batch: SparseBatch, width: number, chunkRows: number, f: (chunk: SparseBatch) => Float32Array): Float32Array {
  if (batch.rows <= chunkRows) return f(batch);
  const out = new Float32Array(batch.rows * width);
  for (let start = 0; start < batch.rows; start += chunkRows) {
    const end = Math.min(batch.rows, start + chunkRows);
    out.set(f(sliceRows(batch, start, end)), start * width);
  }
  return out;
}

/** A saved model of `format` and the config saved with it. */
export async function readSaved(dir: string, format: string): Promise<{ loaded: LoadedWeights; saved: Record<string, unknown> | undefined }> {
  const loaded = await loadWeights(dir);
  if (loaded.format !== format) throw new Error(`${dir}: format '${loaded.format}' is not '${format}'`);
  return { loaded, saved: loaded.metadata.config as Record<string, unknown> | undefined };
}

/** The saved config's numeric keys, in order; the first that is missing or not a number is named. */
export function numericConfig<K extends string>(dir: string, saved: Record<string, unknown> | undefined, keys: readonly K[]): Record<K, number> {
  const config = {} as Record<K, number>;
  for (const k of keys) {
    const v = saved?.[k];
    if (typeof v !== 'number') throw new Error(`${dir}: saved config has no numeric '${k}'`);
    config[k] = v;
  }
  return config;
}

/** Copies each named weight into its place, refusing one that is missing or of another shape. */
export function copyWeights(dir: string, loaded: LoadedWeights, targets: readonly { name: string; shape: readonly number[]; into: Float32Array }[]): void {
  for (const t of targets) {
    const w = loaded.weights.get(t.name);
    if (!w || w.shape.join('x') !== t.shape.join('x')) throw new Error(`${dir}: weight '${t.name}' missing or not shaped ${t.shape.join('x')}`);
    t.into.set(w.data);
  }
}
