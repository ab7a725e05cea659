/**
 * Saving and loading in the TensorFlow.js weights format: model.json (weightsManifest + our config
 * in userDefinedMetadata) next to one weights.bin. Written with node:fs, each file to a temporary
 * name first and then renamed, so a crash never leaves a half-written model behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

interface ModelJson {
  format: string;
  generatedBy: string;
  convertedBy: null;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata: Record<string, unknown>;
}

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

/** Writes named float32 arrays (with their shapes) and metadata into dir. */
export async function saveWeights(
  dir: string,
  format: string,
  weights: { name: string; data: Float32Array; shape: number[] }[],
  metadata: Record<string, unknown>,
): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const tensors = weights.map((w) => ({ name: w.name, tensor: tf.tensor(w.data, w.shape, 'float32') }));
  try {
    const { data, specs } = await tf.io.encodeWeights(tensors);
    const json: ModelJson = {
      format,
      generatedBy: `TensorFlow.js tfjs-core v${tf.version_core}`,
      convertedBy: null,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
      userDefinedMetadata: metadata,
    };
    // weights.bin first: model.json is what a loader opens, so it must never point at missing data.
    await writeAtomic(path.join(dir, WEIGHTS_FILE), new Uint8Array(data));
    await writeAtomic(path.join(dir, MODEL_FILE), JSON.stringify(json, null, 1));
  } finally {
    for (const t of tensors) t.tensor.dispose();
  }
}

export interface LoadedWeights {
  format: string;
  metadata: Record<string, unknown>;
  weights: Map<string, { data: Float32Array; shape: number[] }>;
}

export async function loadWeights(dir: string): Promise<LoadedWeights> {
  const jsonPath = path.join(dir, MODEL_FILE);
  const json = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as Partial<ModelJson>;
  if (!Array.isArray(json.weightsManifest) || typeof json.userDefinedMetadata !== 'object' || json.userDefinedMetadata === null) {
    throw new Error(`${jsonPath}: not a saved model (weightsManifest or userDefinedMetadata missing)`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) buffers.push(await fs.readFile(path.join(dir, p)));
    specs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  let decoded: tf.NamedTensorMap;
  try {
    decoded = tf.io.decodeWeights(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), specs);
  } catch (error) {
    // A cut-short weights file (an interrupted copy, a full disk) fails here: name the files, not just a tensor shape.
    const files = json.weightsManifest.flatMap((g) => g.paths).map((p) => path.join(dir, p));
    throw new Error(`${files.join(', ')}: the weights do not match ${MODEL_FILE} (${(error as Error).message})`);
  }
  const weights = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const [name, t] of Object.entries(decoded)) {
    weights.set(name, { data: new Float32Array(t.dataSync()), shape: t.shape });
    t.dispose();
  }
  return { format: String(json.format), metadata: json.userDefinedMetadata, weights };
}
