/**
 * Seeded randomness for the models and the statistics. Everything random (initialisation, dropout
 * masks, the VAE's noise, bootstrap resamples) comes from here, never from tf.random*, so one seed
 * gives one run on any backend. It lives in src/shared because the statistics, which the extension
 * host also runs, need it, and src/shared imports nothing from the trainer (lint-enforced).
 */

/** An Rng's whole state: its four words and the second normal of a pair it has not handed out yet. */
export interface RngState {
  words: [number, number, number, number];
  spareNormal: number | null;
}

export function isRngState(v: unknown): v is RngState {
  if (typeof v !== 'object' || v === null) return false;
  const { words, spareNormal } = v as Record<string, unknown>;
  return (
    Array.isArray(words) &&
    words.length === 4 &&
    words.every((w) => Number.isInteger(w) && w >= -0x80000000 && w <= 0xffffffff) &&
    (spareNormal === null || (typeof spareNormal === 'number' && Number.isFinite(spareNormal)))
  );
}

/** sfc32: small, fast, passes PractRand; state is four 32-bit words. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    // splitmix32 spreads a small integer seed over the whole state.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Where the stream is: restore() with it continues it draw for draw (a resumed run). */
  state(): RngState {
    return { words: [this.a, this.b, this.c, this.d], spareNormal: this.spareNormal };
  }

  restore(state: RngState): void {
    [this.a, this.b, this.c, this.d] = state.words.map((w) => w | 0);
    this.spareNormal = state.spareNormal;
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  fillNormal(out: Float32Array, std: number): void {
    for (let i = 0; i < out.length; i++) out[i] = std * this.normal();
  }

  /** Xavier/Glorot uniform for a fanIn x fanOut weight, as torch.nn.init.xavier_uniform_. */
  fillGlorotUniform(out: Float32Array, fanIn: number, fanOut: number): void {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < out.length; i++) out[i] = (2 * this.uniform() - 1) * limit;
  }
}
