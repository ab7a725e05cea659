/**
 * The comparison worker (bundled to dist/comparisonWorker.js): reads two runs' per-user test results
 * and runs the paired tests in a worker thread, so the extension host neither parses the statistics
 * (and their t-distribution library) at activation nor spends a comparison's few hundred
 * milliseconds on its own thread.
 */
import { parentPort } from 'node:worker_threads';
import { comparePair } from './pairComparison';

export interface ComparisonJob {
  id: number;
  runDir: string;
  baselineDir: string;
}

parentPort?.on('message', (job: ComparisonJob) => parentPort?.postMessage({ id: job.id, result: comparePair(job.runDir, job.baselineDir) }));
