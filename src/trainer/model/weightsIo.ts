/**
 * Saving and loading in the TensorFlow.js weights format: model.json (weightsManifest + our config
 * in userDefinedMetadata) next to one weights.bin. Written with node:fs, each file to a temporary
 * name first and then renamed, so a crash never leaves a half-written model behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fsReason } from '../../shared/fsErrors';

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

/** Bytes per element of the dtypes we save; a manifest with another dtype is not size-checked. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** The bytes a manifest's weights take, or undefined when a dtype is not ours to size. */
function manifestBytes(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const bytes = spec.quantization ? undefined : DTYPE_BYTES[spec.dtype];
    if (bytes === undefined) return undefined;
    total += spec.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  return total;
}

async function readModelJson(jsonPath: string): Promise<Partial<ModelJson>> {
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (err) {
    throw new Error(`${jsonPath}: ${fsReason(err)}`);
  }
  try {
    return JSON.parse(text) as Partial<ModelJson>;
  } catch {
    throw new Error(`${jsonPath}: ${text.trim().length === 0 ? 'empty' : 'damaged (truncated or not valid JSON)'}`);
  }
}

export async function loadWeights(dir: string): Promise<LoadedWeights> {
  const jsonPath = path.join(dir, MODEL_FILE);
  const json = await readModelJson(jsonPath);
  if (!Array.isArray(json.weightsManifest) || typeof json.userDefinedMetadata !== 'object' || json.userDefinedMetadata === null) {
    throw new Error(`${jsonPath}: not a saved model (weightsManifest or userDefinedMetadata missing)`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const file = path.join(dir, p);
      buffers.push(await fs.readFile(file).catch((err: unknown) => Promise.reject(new Error(`${file}: ${fsReason(err)}`))));
    }
    specs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const expected = manifestBytes(specs);
  if (expected !== undefined && all.length !== expected) {
    // Junk appended (a bad copy, two files concatenated) is as wrong as a file cut short.
    const files = json.weightsManifest.flatMap((g) => g.paths).map((p) => path.join(dir, p));
    throw new Error(`${files.join(', ')}: the weights do not match ${MODEL_FILE} (${all.length} bytes where it describes ${expected})`);
  }
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
