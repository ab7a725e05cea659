/**
 * Starts the inference process (dist/inference.js) and turns its numbered replies back into
 * promises. Used by the extension host's inspector; it never loads TensorFlow.js itself.
 */
import type { InferenceCall, InferenceResults } from '../../shared/inferenceMessages';
import { isInferenceReply } from '../../shared/inferenceMessages';
import { forkChild, type ForkedChild } from './childProcess';

export interface InferenceClientOptions {
  /** Path of the bundled entry (dist/inference.js). */
  script: string;
  nodePath?: string;
  env?: NodeJS.ProcessEnv;
  onLog?(line: string): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const STDERR_TAIL_LINES = 20;

export class InferenceClient {
  private readonly child: ForkedChild;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited: string | undefined;

  constructor(private readonly opts: InferenceClientOptions) {
    this.child = forkChild({
      script: opts.script,
      nodePath: opts.nodePath,
      env: opts.env,
      tailLines: STDERR_TAIL_LINES,
      onStderr: opts.onLog,
      onMessage: (m) => this.onMessage(m),
    });
    void this.child.exited.then(({ code, signal, stderrTail }) =>
      this.fail(`the inference process exited (${signal ?? `code ${code}`})${stderrTail.length ? `: ${stderrTail[stderrTail.length - 1]}` : ''}`),
    );
  }

  get pid(): number | undefined {
    return this.child.process.pid;
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  request<T extends InferenceCall['type']>(call: Extract<InferenceCall, { type: T }>): Promise<InferenceResults[T]> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise<InferenceResults[T]>((resolve, reject) => {
      // The reply's value type follows from the request type (see InferenceResults); the child is ours.
      this.pending.set(id, { resolve: (v) => resolve(v as InferenceResults[T]), reject });
      this.child.process.send({ ...call, id }, (err) => {
        if (err) {
          this.pending.delete(id);
          reject(err);
        }
      });
    });
  }

  private onMessage(m: unknown): void {
    if (!isInferenceReply(m)) return;
    if (m.type === 'log') {
      this.opts.onLog?.(m.message);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error));
  }

  private fail(reason: string): void {
    this.exited ??= reason;
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
  }

  dispose(): void {
    this.fail('the inference process was stopped');
    if (this.child.running) this.child.process.kill();
  }
}
