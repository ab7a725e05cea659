/**
 * Starts the inference process (dist/inference.js) and turns its numbered replies back into
 * promises. Used by the extension host's inspector; it never loads TensorFlow.js itself.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { InferenceCall, InferenceResults } from '../../shared/inferenceMessages';
import { isInferenceReply } from '../../shared/inferenceMessages';

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
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited: string | undefined;
  private readonly tail: string[] = [];

  constructor(private readonly opts: InferenceClientOptions) {
    this.child = fork(opts.script, [], {
      execPath: opts.nodePath,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ...opts.env },
      serialization: 'json',
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter((l) => l.length > 0)) {
        this.tail.push(line);
        if (this.tail.length > STDERR_TAIL_LINES) this.tail.shift();
        opts.onLog?.(line);
      }
    });
    this.child.on('message', (m: unknown) => this.onMessage(m));
    this.child.on('exit', (code, signal) =>
      this.fail(`the inference process exited (${signal ?? `code ${code}`})${this.tail.length ? `: ${this.tail[this.tail.length - 1]}` : ''}`),
    );
    this.child.on('error', (err) => this.fail(`the inference process failed: ${err.message}`));
  }

  get pid(): number | undefined {
    return this.child.pid;
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
      this.child.send({ ...call, id }, (err) => {
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
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }
}
