/** Worker-thread entry for parallel.ts: computes gradients and Adam updates for its share. */
import { parentPort, workerData } from 'node:worker_threads';
import { BackendChoice, selectBackend } from '../backend';
import { serveJobs } from '../helperThread';
import { adamUpdate, adamUpdateWithDecay } from '../model/adam';
import { Workspace } from '../model/kernels/workspace';
import { forwardBackward } from '../model/network';
import { paramSegments, viewParams } from '../model/params';
import { GRADIENT_WORKER, WorkerInit, WorkerJob } from '../model/parallel';
import { decoderStep, encoderStep } from '../model/recvaeNetwork';
import { viewRecVae } from '../model/recvaeParams';
import { svaeForwardBackward } from '../model/svaeNetwork';
import { viewSvaeParams } from '../model/svaeParams';

/** Runs one job against the shared buffers; returns the loss parts of a gradient job. */
type Handler = (job: WorkerJob) => { nll: number; kl: number } | undefined;

function handlerFor(init: WorkerInit): Handler {
  const { model, buffers } = init;
  const params = new Float32Array(buffers.params);
  const grads = [new Float32Array(buffers.gradsMain), new Float32Array(buffers.gradsWorker)];
  const adamBuffers = { params, m: new Float32Array(buffers.m), v: new Float32Array(buffers.v) };
  if (model.kind === 'multvae') {
    const p = viewParams(model.dims, params);
    const g = viewParams(model.dims, grads[1]);
    const segments = paramSegments(model.dims);
    const ws = new Workspace();
    return (job) => {
      if (job.kind === 'multvaeGrad')
        return forwardBackward(model.dims, p, job.batch, { keep: job.keep, eps: job.eps }, job.dropout, job.beta, g, job.meanOver, ws);
      if (job.kind === 'adam') return void adamUpdate(job.adam, job.t, adamBuffers, grads, segments, job.l2, job.from, job.to);
      throw new Error(`a Mult-VAE worker cannot run a '${job.kind}' job`);
    };
  }
  if (model.kind === 'recvaeNet') {
    const p = viewRecVae(model.dims, params);
    const g = viewRecVae(model.dims, grads[1]);
    const ws = new Workspace();
    return (job) => {
      if (job.kind === 'recvaeGrad')
        return job.keep === null
          ? decoderStep(model.dims, p, job.batch, job.eps, job.gamma, g, job.meanOver, ws)
          : encoderStep(model.dims, p, job.batch, { keep: job.keep, eps: job.eps }, job.dropout, job.gamma, g, job.meanOver, ws);
      if (job.kind === 'adamDecay') return void adamUpdateWithDecay(job.adam, job.t, adamBuffers, grads, job.decay, job.from, job.to);
      throw new Error(`a RecVAE worker cannot run a '${job.kind}' job`);
    };
  }
  const p = viewSvaeParams(model.dims, params);
  const g = viewSvaeParams(model.dims, grads[1]);
  const ws = new Workspace();
  return (job) => {
    if (job.kind === 'svaeGrad') return svaeForwardBackward(model.dims, p, job.batch, job.opts, job.eps, g, ws);
    if (job.kind === 'adamDecay') return void adamUpdateWithDecay(job.adam, job.t, adamBuffers, grads, job.decay, job.from, job.to);
    throw new Error(`an SVAE worker cannot run a '${job.kind}' job`);
  };
}

const init = workerData as WorkerInit;
void serveJobs<WorkerJob>(parentPort, init.status, GRADIENT_WORKER.label, async () => {
  await selectBackend(init.backend as BackendChoice, () => undefined);
  const handle = handlerFor(init);
  return (job) => {
    const parts = handle(job);
    return parts && [parts.nll, parts.kl];
  };
});
