/** Reused scratch arrays for the passes: fresh large typed arrays cost page faults on every step. */
export class Workspace {
  private readonly buffers = new Map<string, Float32Array>();

  /** A scratch array of `size` floats under `name`; its previous contents are left as they were. */
  get(name: string, size: number): Float32Array {
    let b = this.buffers.get(name);
    if (!b || b.length < size) {
      b = new Float32Array(Math.ceil(size * 1.25));
      this.buffers.set(name, b);
    }
    return b.subarray(0, size);
  }
}
