/** Helper-thread entry of spdInverse.ts: updates its share of the rows at each block step. */
import { parentPort, workerData } from 'node:worker_threads';
import { serveJobs } from '../linalg/helperThread';
import { InverseJob, InverseWorkerData, threadSide } from '../linalg/spdInverse';
import { updateRows } from '../linalg/symmetricSweep';

const data = workerData as InverseWorkerData & { status: SharedArrayBuffer };
if (parentPort === null) throw new Error('inverseWorker must run in a worker thread');
serveJobs<InverseJob>(parentPort, data.status, () => {
  const { buf, kernel } = threadSide(data);
  return (job) => updateRows(buf, kernel, job, job.from, job.to);
});
