/**
 * EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): an item-item weight
 * matrix B with a zero diagonal; a user's scores are x_u B, the sum of B's rows over the user's
 * items, so each score splits exactly into one part per history item (contributions()). Fitted in
 * closed form by easeFit.ts; stored as float32 (the inverse behind it is float64).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateBatch } from './batch';
import type { Recommender, SparseBatch, StepStats } from './types';

const SAVE_FORMAT = 'vaerec-ease';
export const EASE_META_FILE = 'ease.json';
export const EASE_WEIGHTS_FILE = 'B.bin';

interface EaseMeta {
  format: string;
  numItems: number;
  lambda: number;
  /** B, numItems x numItems row-major float32 in the host's byte order (little-endian on every platform the lab runs on), in EASE_WEIGHTS_FILE. */
  weights: string;
}

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

export class EaseModel implements Recommender {
  /**
   * @param b numItems x numItems row-major: row j holds what item j adds to every item's score.
   */
  constructor(
    readonly numItems: number,
    readonly lambda: number,
    private readonly b: Float32Array,
  ) {
    if (b.length !== numItems * numItems) throw new Error(`EASE: B has ${b.length} values, expected ${numItems} x ${numItems}`);
  }

  /** Closed-form: there is nothing to step. */
  trainStep(_batch: SparseBatch, _beta: number): StepStats {
    throw new Error('EASE is fitted in closed form, not trained in steps');
  }

  score(batch: SparseBatch): Float32Array {
    validateBatch(batch, this.numItems);
    const I = this.numItems;
    const out = new Float32Array(batch.rows * I);
    // Summed in float64: a sum of ~100 float32 rows would otherwise lose the last bits that break near-ties.
    const acc = new Float64Array(I);
    for (let r = 0; r < batch.rows; r++) {
      acc.fill(0);
      for (let k = batch.indptr[r]; k < batch.indptr[r + 1]; k++) {
        const o = batch.indices[k] * I;
        for (let i = 0; i < I; i++) acc[i] += this.b[o + i];
      }
      out.set(acc, r * I);
    }
    return out;
  }

  /** B[j, item] for each j of `known`: their sum is the item's score for a user who has exactly `known`. */
  contributions(known: ArrayLike<number>, item: number): Float64Array {
    const out = new Float64Array(known.length);
    for (let q = 0; q < known.length; q++) out[q] = this.b[known[q] * this.numItems + item];
    return out;
  }

  async save(dir: string): Promise<void> {
    const bytes = new Uint8Array(this.b.buffer, this.b.byteOffset, this.b.byteLength);
    writeAtomic(path.join(dir, EASE_WEIGHTS_FILE), bytes);
    const meta: EaseMeta = { format: SAVE_FORMAT, numItems: this.numItems, lambda: this.lambda, weights: EASE_WEIGHTS_FILE };
    writeAtomic(path.join(dir, EASE_META_FILE), JSON.stringify(meta, null, 1));
  }

  static load(dir: string): EaseModel {
    const metaPath = path.join(dir, EASE_META_FILE);
    let meta: Partial<EaseMeta>;
    try {
      meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as Partial<EaseMeta>;
    } catch (err) {
      throw new Error(`${metaPath}: ${(err as Error).message}`);
    }
    if (meta.format !== SAVE_FORMAT) throw new Error(`${metaPath}: format '${String(meta.format)}' is not '${SAVE_FORMAT}'`);
    const n = meta.numItems;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new Error(`${metaPath}: numItems must be a positive integer`);
    if (typeof meta.lambda !== 'number' || !Number.isFinite(meta.lambda)) throw new Error(`${metaPath}: lambda must be a number`);
    const weightsPath = path.join(dir, EASE_WEIGHTS_FILE);
    const raw = fs.readFileSync(weightsPath);
    if (raw.byteLength !== 4 * n * n) throw new Error(`${weightsPath}: ${raw.byteLength} bytes, expected ${4 * n * n} (${n} x ${n} float32)`);
    const b = new Float32Array(n * n);
    new Uint8Array(b.buffer).set(raw);
    return new EaseModel(n, meta.lambda, b);
  }

  dispose(): void {}
}
