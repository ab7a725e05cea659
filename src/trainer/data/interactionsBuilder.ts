/**
 * Collects rating rows into compact typed arrays, interning user and item ids, and removes
 * duplicate (user, item) rows at the end (the last row wins).
 */
import type { Interactions } from './types';

const INITIAL_CAPACITY = 1 << 16;

export class InteractionsBuilder {
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly userNumberIndex = new NumericIdIndex();
  private readonly itemNumberIndex = new NumericIdIndex();
  private readonly users: string[] = [];
  private readonly items: string[] = [];
  private user = new Int32Array(INITIAL_CAPACITY);
  private item = new Int32Array(INITIAL_CAPACITY);
  private rating = new Float32Array(INITIAL_CAPACITY);
  private timestamp: Float64Array | null;
  private length = 0;
  /** Runs of consecutive rows with the same user; equal to the number of users when rows are grouped by user. */
  private userRuns = 0;
  // MovieLens files are grouped by user: remembering the last user saves most map look-ups.
  private lastUserId = '';
  private lastUserNumber = -1;
  private lastUser = -1;

  constructor(withTimestamps: boolean) {
    this.timestamp = withTimestamps ? new Float64Array(INITIAL_CAPACITY) : null;
  }

  get rows(): number {
    return this.length;
  }

  /** A row with string ids (generic files). Do not mix with addNumeric in one builder. */
  add(userId: string, itemId: string, rating: number, timestamp: number): void {
    let u = this.lastUser;
    if (userId !== this.lastUserId || u < 0) {
      u = intern(this.userIndex, this.users, userId);
      this.lastUserId = userId;
      this.lastUser = u;
    }
    this.push(u, intern(this.itemIndex, this.items, itemId), rating, timestamp);
  }

  /**
   * A row with non-negative integer ids (MovieLens), interned by value so the hot path creates no
   * strings; the id's decimal form is stored once per distinct id.
   */
  addNumeric(userId: number, itemId: number, rating: number, timestamp: number): void {
    let u = this.lastUser;
    if (userId !== this.lastUserNumber || u < 0) {
      u = this.userNumberIndex.intern(userId, this.users);
      this.lastUserNumber = userId;
      this.lastUser = u;
    }
    this.push(u, this.itemNumberIndex.intern(itemId, this.items), rating, timestamp);
  }

  private push(u: number, i: number, rating: number, timestamp: number): void {
    if (this.length === this.user.length) this.grow();
    const n = this.length++;
    if (n === 0 || this.user[n - 1] !== u) this.userRuns++;
    this.user[n] = u;
    this.item[n] = i;
    this.rating[n] = rating;
    if (this.timestamp) this.timestamp[n] = timestamp;
  }

  /** The interactions without duplicates, in file order, and how many duplicate rows were dropped. */
  build(): { interactions: Interactions; duplicates: number } {
    const { dropped, duplicates } = this.findEarlierDuplicates();
    const length = this.length - duplicates;
    const copy = <T extends Int32Array | Float32Array | Float64Array>(from: T): T => {
      if (duplicates === 0) return from.slice(0, length) as T;
      const to = from.slice(0, length) as T;
      for (let i = 0, j = 0; i < this.length; i++) if (!dropped[i]) to[j++] = from[i];
      return to;
    };
    return {
      interactions: {
        users: this.users,
        user: copy(this.user),
        items: this.items,
        item: copy(this.item),
        rating: copy(this.rating),
        timestamp: this.timestamp ? copy(this.timestamp) : null,
        length,
      },
      duplicates,
    };
  }

  /**
   * Marks every row that a later row with the same (user, item) overrides. Linear time: visiting the
   * rows user by user, a per-item stamp (the user last seen with that item) finds repeats without
   * hashing pairs. MovieLens files are already grouped by user; other files are bucketed first.
   */
  private findEarlierDuplicates(): { dropped: Uint8Array; duplicates: number } {
    const n = this.length;
    const order = this.userRuns === this.users.length ? null : this.rowsByUser();
    const stamp = new Int32Array(this.items.length).fill(-1);
    const lastRow = new Int32Array(this.items.length);
    const dropped = new Uint8Array(n);
    let duplicates = 0;
    for (let k = 0; k < n; k++) {
      const row = order ? order[k] : k;
      const u = this.user[row];
      const it = this.item[row];
      if (stamp[it] === u) {
        dropped[lastRow[it]] = 1;
        duplicates++;
      }
      stamp[it] = u;
      lastRow[it] = row;
    }
    return { dropped, duplicates };
  }

  /** Row numbers ordered by user, keeping file order within a user (a counting sort). */
  private rowsByUser(): Int32Array {
    const n = this.length;
    const next = new Int32Array(this.users.length + 1);
    for (let i = 0; i < n; i++) next[this.user[i] + 1]++;
    for (let u = 1; u <= this.users.length; u++) next[u] += next[u - 1];
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[next[this.user[i]]++] = i;
    return order;
  }

  /** Makes room for `rows` rows in total up front (from a size estimate), sparing the copies of repeated growth. */
  reserve(rows: number): void {
    if (rows > this.user.length) this.grow(rows);
  }

  private grow(capacity = this.user.length * 2): void {
    this.user = resized(this.user, new Int32Array(capacity));
    this.item = resized(this.item, new Int32Array(capacity));
    this.rating = resized(this.rating, new Float32Array(capacity));
    if (this.timestamp) this.timestamp = resized(this.timestamp, new Float64Array(capacity));
  }
}

function intern(index: Map<string, number>, names: string[], id: string): number {
  let i = index.get(id);
  if (i === undefined) {
    i = names.length;
    index.set(id, i);
    names.push(id);
  }
  return i;
}

/** Ids below this are looked up in a flat table (at most 32 MB); larger ones in a Map. */
const DENSE_ID_LIMIT = 1 << 23;

/** Maps integer ids to their interned index; a flat table is several times faster than a Map per row. */
class NumericIdIndex {
  private dense = new Int32Array(1024); // id -> index + 1; 0 = not seen
  private readonly sparse = new Map<number, number>();

  intern(id: number, names: string[]): number {
    if (id < DENSE_ID_LIMIT) {
      if (id >= this.dense.length) this.growTo(id);
      const known = this.dense[id];
      if (known !== 0) return known - 1;
      this.dense[id] = names.length + 1;
    } else {
      const known = this.sparse.get(id);
      if (known !== undefined) return known;
      this.sparse.set(id, names.length);
    }
    names.push(String(id));
    return names.length - 1;
  }

  private growTo(id: number): void {
    let size = this.dense.length;
    while (size <= id) size *= 2;
    const grown = new Int32Array(Math.min(size, DENSE_ID_LIMIT));
    grown.set(this.dense);
    this.dense = grown;
  }
}

function resized<T extends Int32Array | Float32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
