/** The extension host's side of the comparison worker: one worker, started on the first comparison, jobs answered in turn. */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DashboardComparison } from '../../shared/dashboardComparisons';
import type { ComparisonJob } from './comparisonWorker';

export class ComparisonWorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (result: DashboardComparison) => void>();

  /** `script`: the bundled worker (dist/comparisonWorker.js, beside dist/extension.js). */
  constructor(private readonly script = path.join(__dirname, 'comparisonWorker.js')) {}

  compare(runDir: string, baselineDir: string): Promise<DashboardComparison> {
    const worker = this.start();
    const job: ComparisonJob = { id: this.nextId++, runDir, baselineDir };
    return new Promise((resolve) => {
      this.waiting.set(job.id, resolve);
      worker.postMessage(job);
    });
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.on('message', (m: { id: number; result: DashboardComparison }) => {
      this.waiting.get(m.id)?.(m.result);
      this.waiting.delete(m.id);
    });
    // A worker that dies answers its jobs with the reason; the next comparison starts a new one.
    const fail = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const resolve of this.waiting.values()) resolve({ state: 'unavailable', short: 'failed', reason });
      this.waiting.clear();
    };
    worker.on('error', (e) => fail(`the comparison worker failed: ${e.message}`));
    worker.on('exit', (code) => fail(`the comparison worker exited (code ${code})`));
    this.worker = worker;
    return worker;
  }
}
