/**
 * Entry point of the trainer child process (dist/trainer.js). The parent sends one `start`, may send
 * `cancel`; the child reports through typed messages and exits when the run is finished.
 * If the parent goes away (a window reload), training goes on and keeps writing its run directory,
 * so a new window can pick the run up; SIGTERM/SIGINT cancel like a `cancel` message.
 */
import type { TrainerToParent } from '../shared/trainerMessages';
import { parseRunSweepTag } from '../shared/runSchema';
import { isParentMessage } from '../shared/trainerMessages';
import { watchStopRequest } from './stopRequest';
import { runTraining } from './train';

const abort = new AbortController();
let started = false;

/**
 * Messages are best effort: once the parent is gone (a window reload), training goes on and the run
 * directory is the record. A send on a closing channel reports its error to the callback instead of
 * an unhandled 'error' event that would end the process.
 */
function emit(message: TrainerToParent): void {
  if (!process.connected || !process.send) return;
  try {
    process.send(message, undefined, {}, () => undefined);
  } catch {
    // the channel closed between the check and the send
  }
}

// Writes to a pipe whose reader died (the parent) fail with EPIPE; that must not end the run.
process.stderr.on('error', () => undefined);
process.stdout.on('error', () => undefined);
process.on('disconnect', () => undefined);

for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => abort.abort());

process.on('message', (m: unknown) => {
  if (!isParentMessage(m)) {
    emit({ type: 'log', level: 'warn', message: 'ignored a malformed message from the parent' });
    return;
  }
  if (m.type === 'cancel') {
    abort.abort();
    return;
  }
  if (started) {
    emit({ type: 'error', message: 'this trainer process is already running a job' });
    return;
  }
  started = true;
  const sweep = parseRunSweepTag(m.sweep);
  if (m.sweep !== undefined && !sweep) emit({ type: 'log', level: 'warn', message: 'ignored a malformed sweep tag' });
  let unwatch: () => void = () => undefined;
  const emitAndWatch = (message: TrainerToParent) => {
    // Once the run directory exists, a sweep may leave a stop request there.
    if (message.type === 'started') unwatch = watchStopRequest(message.runDir, () => abort.abort());
    emit(message);
  };
  runTraining({ config: m.config, runsDir: m.runsDir, cacheDir: m.cacheDir, name: m.name, sweep, emit: emitAndWatch, signal: abort.signal })
    .then((record) => {
      const status = record?.status ?? (abort.signal.aborted ? 'cancelled' : 'failed');
      process.exitCode = status === 'completed' || status === 'stopped' ? 0 : status === 'cancelled' ? 130 : 1;
    })
    .catch((err: unknown) => {
      // Only reached when the run directory itself could not be created or written.
      emit({ type: 'error', message: (err as Error).message });
      emit({ type: 'done', status: 'failed', epochs: 0 });
      process.exitCode = 1;
    })
    .finally(() => {
      unwatch();
      if (process.connected) process.disconnect();
    });
});

if (!process.send) {
  process.stderr.write('dist/trainer.js is the trainer child process; start it through `vaerec train` or the extension.\n');
  process.exit(2);
}
