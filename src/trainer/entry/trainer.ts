/**
 * Entry point of the trainer child process (dist/trainer.js). The parent sends one `start` (or `resume`), may send
 * `cancel`; the child reports through typed messages and exits once they are all delivered.
 * SIGTERM, SIGINT and SIGHUP cancel like a `cancel` message; a second one ends the process at once.
 * When the parent goes away, the start request says what to do: a CLI's trainer cancels its run
 * (a killed CLI takes its run with it), a VS Code window's trainer finishes it (a reloaded window
 * picks the run up from its directory).
 */
import { parseRunSweepTag } from '../../shared/runSchema';
import { oneLine } from '../../shared/text';
import type { JobRequest, TrainerToParent } from '../../shared/trainerMessages';
import { isParentMessage } from '../../shared/trainerMessages';
import { EXIT } from '../cli/exitCodes';
import { watchStopRequest } from '../stopRequest';
import { resumeTraining, runTraining } from '../train';

const abort = new AbortController();
let request: JobRequest | undefined;
let done: Extract<TrainerToParent, { type: 'done' }> | undefined;

/** Sends whose callback has not run yet; the process disconnects only when this is back to zero. */
let inFlight = 0;
let onDrained: (() => void) | undefined;

function settled(): void {
  inFlight--;
  if (inFlight === 0) onDrained?.();
}

/** Messages are best effort once the parent is gone (a window reload): the run directory is the record. */
function emit(message: TrainerToParent): void {
  if (message.type === 'done') done = message;
  if (!process.connected || !process.send) return;
  // Messages quote untrusted text (data errors, warnings): each is one bounded line.
  const bounded = message.type === 'log' || message.type === 'error' ? { ...message, message: oneLine(message.message) } : message;
  inFlight++;
  try {
    // The callback also receives the error of a send on a closing channel, instead of an 'error' event that would end the process.
    process.send(bounded, undefined, {}, settled);
  } catch {
    settled(); // the channel closed between the check and the send
  }
}

/** Resolves when every message sent so far has been handed to the channel (or the channel is gone). */
function delivered(): Promise<void> {
  if (inFlight === 0 || !process.connected) return Promise.resolve();
  return new Promise((resolve) => {
    onDrained = resolve;
    process.once('disconnect', resolve);
  });
}

/** The same codes as the CLI's (the CLI reports from the `done` message; this is for anyone else watching). */
function exitCode(): number {
  if (done?.status === 'completed' || done?.status === 'stopped') return EXIT.ok;
  if (done?.status === 'cancelled' || (!done && abort.signal.aborted)) return EXIT.cancelled;
  return done?.badInput ? EXIT.badInput : EXIT.failed;
}

// Writes to a pipe whose reader died (the parent) fail with EPIPE; that must not end the run.
process.stderr.on('error', () => undefined);
process.stdout.on('error', () => undefined);
process.on('disconnect', () => {
  if (request?.whenOrphaned === 'cancel') abort.abort();
});

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (!abort.signal.aborted) {
      abort.abort();
      return;
    }
    // A second signal: whatever the run is blocked on, the process ends now (its run reads as interrupted).
    process.removeAllListeners(sig);
    process.kill(process.pid, sig);
  });
}

process.on('message', (m: unknown) => {
  if (!isParentMessage(m)) {
    emit({ type: 'log', level: 'warn', message: 'ignored a malformed message from the parent' });
    return;
  }
  if (m.type === 'cancel') {
    abort.abort();
    return;
  }
  if (request) {
    emit({ type: 'error', message: 'this trainer process is already running a job' });
    return;
  }
  request = m;
  let unwatch: () => void = () => undefined;
  const emitAndWatch = (message: TrainerToParent) => {
    // Once the run directory exists, a sweep may leave a stop request there.
    if (message.type === 'started') unwatch = watchStopRequest(message.runDir, () => abort.abort());
    emit(message);
  };
  let job: Promise<unknown>;
  if (m.type === 'resume') job = resumeTraining({ runDir: m.runDir, cacheDir: m.cacheDir, backend: m.backend, emit: emitAndWatch, signal: abort.signal });
  else {
    const sweep = parseRunSweepTag(m.sweep);
    if (m.sweep !== undefined && !sweep) emit({ type: 'log', level: 'warn', message: 'ignored a malformed sweep tag' });
    job = runTraining({ config: m.config, runsDir: m.runsDir, cacheDir: m.cacheDir, name: m.name, sweep, emit: emitAndWatch, signal: abort.signal });
  }
  job
    .catch((err: unknown) => {
      // Only reached when the run directory itself could not be created or written.
      emit({ type: 'error', message: (err as Error).message });
      emit({ type: 'done', status: 'failed', epochs: 0 });
    })
    .then(delivered)
    .finally(() => {
      unwatch();
      process.exitCode = exitCode();
      if (process.connected) process.disconnect();
    });
});

if (!process.send) {
  process.stderr.write('dist/trainer.js is the trainer child process; start it through `vaerec train` or the extension.\n');
  process.exit(2);
}
