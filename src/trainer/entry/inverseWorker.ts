/** Helper-thread entry of spdInverse.ts: updates its share of the rows at each block step. */
import { parentPort, workerData } from 'node:worker_threads';
import { serveJobs } from '../helperThread';
import { INVERSE_WORKER, InverseJob, InverseWorkerData, threadSide } from '../linalg/spdInverse';
import { updateRows } from '../linalg/symmetricSweep';

const data = workerData as InverseWorkerData & { status: SharedArrayBuffer };
void serveJobs<InverseJob>(parentPort, data.status, INVERSE_WORKER.label, () => {
  const { buf, kernel } = threadSide(data);
  return (job) => updateRows(buf, kernel, job, job.from, job.to);
});
