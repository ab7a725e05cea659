/** Worker-thread entry for parallel.ts: computes gradients and Adam updates for its share. */
import { parentPort, workerData } from 'node:worker_threads';
import { BackendChoice, selectBackend } from '../backend';
import { adamUpdate } from './adam';
import { forwardBackward } from './network';
import { paramSegments, viewParams } from './params';
import { Control, WorkerInit, WorkerJob } from './parallel';

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const control = new Control(init.control);
  const port = parentPort;
  if (port === null) throw new Error('gradWorker must run in a worker thread');
  try {
    await selectBackend(init.backend as BackendChoice, () => undefined);
  } catch (err) {
    control.fail(err);
    return;
  }
  const { dims, buffers } = init;
  const params = new Float32Array(buffers.params);
  const p = viewParams(dims, params);
  const g = viewParams(dims, new Float32Array(buffers.gradsWorker));
  const grads = [new Float32Array(buffers.gradsMain), new Float32Array(buffers.gradsWorker)];
  const adamBuffers = { params, m: new Float32Array(buffers.m), v: new Float32Array(buffers.v) };
  const segments = paramSegments(dims);
  port.on('message', (job: WorkerJob) => {
    try {
      if (job.kind === 'grad') {
        control.done(forwardBackward(dims, p, job.batch, { keep: job.keep, eps: job.eps }, job.dropout, job.beta, g, job.meanOver));
      } else {
        adamUpdate(job.adam, job.t, adamBuffers, grads, segments, job.l2, job.from, job.to);
        control.done();
      }
    } catch (err) {
      control.fail(err);
    }
  });
  control.done();
}

void main();
