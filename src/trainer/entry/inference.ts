/**
 * Entry point of the inference process (dist/inference.js), started by the extension host for the
 * inspector so that TensorFlow.js never loads in the editor. It opens runs on request (weights
 * loaded once per run, datasets shared between runs on the same data) and answers numbered
 * requests over IPC. It exits when its parent disconnects: it holds nothing worth keeping.
 */
import type { InferenceReply, InferenceRequest, InferenceResults } from '../../shared/inferenceMessages';
import { isInferenceRequest } from '../../shared/inferenceMessages';
import { isValidUserId } from '../../shared/inferenceResults';
import { oneLine } from '../../shared/text';
import { DatasetCache, InspectError, RunInspector } from '../inspect/runInspector';

const datasets = new DatasetCache();
const runs = new Map<string, Promise<RunInspector>>();

function reply(message: InferenceReply): void {
  if (!process.connected || !process.send) return;
  try {
    process.send(message, undefined, {}, () => undefined);
  } catch {
    // the parent went away between the check and the send
  }
}

function inspectorFor(runDir: string, cacheDir?: string): Promise<RunInspector> {
  let entry = runs.get(runDir);
  if (!entry) {
    if (cacheDir === undefined) return Promise.reject(new InspectError(`run ${runDir} is not open`));
    entry = RunInspector.open(runDir, { cacheDir, datasets });
    entry.catch(() => runs.delete(runDir));
    runs.set(runDir, entry);
  }
  return entry;
}

async function answer(request: InferenceRequest): Promise<InferenceResults[keyof InferenceResults]> {
  switch (request.type) {
    case 'open':
      if (typeof request.cacheDir !== 'string') throw new InspectError('open: cacheDir missing');
      return (await inspectorFor(request.runDir, request.cacheDir)).info();
    case 'users':
      return (await inspectorFor(request.runDir)).users();
    case 'user':
      if (!isValidUserId(request.user) || !Number.isInteger(request.k) || request.k < 1) throw new InspectError('user: expected a user id and a positive k');
      return (await inspectorFor(request.runDir)).userView(request.user, request.k);
    case 'latent':
      return (await inspectorFor(request.runDir)).latent();
    case 'export':
      return (await inspectorFor(request.runDir)).exportCsv(request.users, request.k);
  }
}

process.stderr.on('error', () => undefined);
process.on('disconnect', () => process.exit(0));

// Requests are answered one at a time: each is CPU-bound, and order keeps replies predictable.
let queue: Promise<void> = Promise.resolve();
process.on('message', (m: unknown) => {
  if (!isInferenceRequest(m)) {
    reply({ type: 'log', message: 'ignored a malformed request' });
    return;
  }
  queue = queue.then(async () => {
    try {
      reply({ type: 'result', id: m.id, ok: true, value: await answer(m) });
    } catch (err) {
      reply({ type: 'result', id: m.id, ok: false, error: oneLine(err instanceof Error ? err.message : String(err)) });
    }
  });
});

if (!process.send) {
  process.stderr.write('dist/inference.js is the inspector inference process; the extension starts it.\n');
  process.exit(2);
}
