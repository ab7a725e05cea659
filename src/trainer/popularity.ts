/** The trivial baseline every run is read against: rank items by how many training users have them. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UserRows } from './protocol/split';
import type { Recommender, SparseBatch, StepStats } from './model/types';

export const POPULARITY_FILE = 'popularity.json';

export class PopularityModel implements Recommender {
  private constructor(
    readonly numItems: number,
    private readonly counts: Float32Array,
  ) {}

  static fit(train: UserRows, numItems: number): PopularityModel {
    const counts = new Float32Array(numItems);
    for (const i of train.indices) counts[i]++;
    return new PopularityModel(numItems, counts);
  }

  static load(dir: string): PopularityModel {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(dir, POPULARITY_FILE), 'utf8'));
    if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new Error(`${path.join(dir, POPULARITY_FILE)}: expected an array of item counts`);
    }
    return new PopularityModel(parsed.length, Float32Array.from(parsed as number[]));
  }

  trainStep(_batch: SparseBatch, _beta: number): StepStats {
    return { loss: 0, nll: 0, kl: 0 };
  }

  score(batch: SparseBatch): Float32Array {
    const out = new Float32Array(batch.rows * this.numItems);
    for (let r = 0; r < batch.rows; r++) out.set(this.counts, r * this.numItems);
    return out;
  }

  async save(dir: string): Promise<void> {
    fs.writeFileSync(path.join(dir, POPULARITY_FILE), JSON.stringify(Array.from(this.counts)));
  }

  dispose(): void {}
}
