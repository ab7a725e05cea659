/**
 * NumPy's legacy RandomState (MT19937 seeded with init_genrand) and the two draws the reference
 * protocol uses: `shuffle` and `choice(n, k, replace=False)`. Reproducing them bit for bit makes our
 * split identical to the PyTorch reference's (../shared/bench/ref_multvae.py) for the same seed, so
 * metrics compare on exactly the same users and targets.
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed must be an integer in [0, 2^32): ${seed}`);
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 * prev + i, in 32-bit arithmetic without losing precision
      this.mt[i] = (((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
  }

  /** The generator's whole state (NumPy's get_state: the 624 words and the position). */
  state(): { words: number[]; index: number } {
    return { words: Array.from(this.mt), index: this.index };
  }

  /** Continues from a state(); refuses one that is not 624 32-bit words and a position in 0..624. */
  restore(state: { words: readonly number[]; index: number }): void {
    const ok =
      state.words.length === 624 &&
      state.words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
      Number.isInteger(state.index) &&
      state.index >= 0 &&
      state.index <= 624;
    if (!ok) throw new Error('not a MT19937 state (624 words and a position)');
    this.mt.set(state.words);
    this.index = state.index;
  }

  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      mt[i] = (mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    }
    this.index = 0;
  }

  /** A uniform integer in [0, max], by masked rejection as NumPy's legacy random_interval. */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /** In-place Fisher-Yates exactly as RandomState.shuffle on a 1-D array. */
  shuffle<T extends { length: number; [i: number]: number | string }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** RandomState.permutation(n). */
  permutation(n: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    return this.shuffle(a);
  }

  /** RandomState.choice(n, k, replace=False): the first k of a permutation. */
  choiceWithoutReplacement(n: number, k: number): Int32Array {
    return this.permutation(n).subarray(0, k);
  }

  /** A float in [0, 1) with 53 random bits, as NumPy's random_sample. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}
