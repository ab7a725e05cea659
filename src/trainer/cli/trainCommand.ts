/** `vaerec train`: starts the trainer child process and follows it on the terminal. */
import { SingleBar } from 'cli-progress';
import * as path from 'node:path';
import { MODEL_INFO, type ModelKind } from '../../shared/modelKinds';
import { oneLine } from '../../shared/text';
import type { ResumeRequest, StartRequest, TrainerToParent } from '../../shared/trainerMessages';
import { startTrainer } from '../process/client';
import { EXIT } from './exitCodes';
import { withFlag } from './flags';

export interface TrainCliOptions {
  /** A new run (its configuration, and its sweep tag when a sweep runs it as a trial), or a run to resume. */
  request: Omit<StartRequest, 'whenOrphaned'> | Omit<ResumeRequest, 'whenOrphaned'>;
  model: ModelKind;
  json: boolean;
  quiet: boolean;
}

const fmt = (v: number | undefined, d = 4) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));

/** Signals that cancel a run like Ctrl-C: `kill`, `timeout`, a CI job's cancellation, a closed terminal. */
const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Resolves with the process exit code (exitCodes.ts): a run stopped by a sweep's early stopping is
 * ok; a run the trainer refused for its data or options is bad input.
 */
export async function trainFromCli(o: TrainCliOptions): Promise<number> {
  const tty = process.stderr.isTTY && !o.quiet && !o.json;
  const verbose = !o.quiet && !o.json;
  const say = (line: string) => verbose && process.stderr.write(line + '\n');
  let bar: SingleBar | undefined;
  let done: Extract<TrainerToParent, { type: 'done' }> | undefined;
  let errorMessage: string | undefined;
  /** Warnings are never silenced: --quiet and --json silence progress only. */
  const warnings: string[] = [];
  let errorField: string | undefined;

  const onMessage = (m: TrainerToParent) => {
    switch (m.type) {
      case 'started':
        say(
          m.resumedAfterEpoch === undefined
            ? `run ${m.runId} in ${m.runDir}`
            : `run ${m.runId} in ${m.runDir}, resumed ${m.resumedAfterEpoch > 0 ? `after epoch ${m.resumedAfterEpoch}` : 'from the start'}`,
        );
        break;
      case 'phase':
        if (m.phase === 'download' && tty && m.fraction !== undefined) {
          process.stderr.write(`\r${m.message} ${(m.fraction * 100).toFixed(0)}%`);
        } else if (m.phase !== 'evaluate' && m.phase !== 'checkpoint' && m.phase !== 'train') {
          if (!bar) say(m.message);
        }
        break;
      case 'backend':
        say(`backend: ${m.backend}${m.note ? ` (${m.note})` : ''}`);
        break;
      case 'log':
        if (bar) bar.stop();
        bar = undefined;
        if (m.level === 'warn') {
          warnings.push(m.message);
          process.stderr.write(`warning: ${oneLine(m.message)}\n`);
        } else say(m.message);
        break;
      case 'progress':
        if (tty) {
          if (!bar) {
            bar = new SingleBar({
              format: 'epoch {epoch}/{epochs} [{bar}] {percentage}% | loss {loss} | val NDCG@100 {ndcg} | ETA {eta_formatted}',
              stream: process.stderr,
              hideCursor: true,
              etaBuffer: 50,
            });
            bar.start(m.epochs * m.stepsPerEpoch, 0, { epoch: m.epoch, epochs: m.epochs, loss: '-', ndcg: '-' });
          }
          bar.update(m.step, { epoch: m.epoch, loss: fmt(m.loss, 2) });
        }
        break;
      case 'epoch':
        if (bar) bar.update({ ndcg: fmt(m['val_ndcg@100']) });
        else
          say(
            `epoch ${m.epoch}/${m.epochs}  ${m.seconds.toFixed(2)} s  loss ${fmt(m.loss, 2)}  val NDCG@100 ${fmt(m['val_ndcg@100'])}  best ${fmt(m.best?.['ndcg@100'])} (epoch ${m.best?.epoch ?? '-'})`,
          );
        break;
      case 'error':
        errorMessage = m.message;
        errorField = m.field;
        break;
      case 'done':
        done = m;
        break;
      default:
        break;
    }
  };

  const handle = startTrainer({
    trainerScript: path.join(__dirname, 'trainer.js'),
    request: o.request,
    onMessage,
  });
  // The first signal cancels (the trainer finishes its batch, tests the best weights and records the
  // run), however long that takes; only a second one kills.
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      say('\ncancelling at the next batch (Ctrl-C again to kill)');
      handle.cancel();
    } else handle.kill();
  };
  for (const sig of CANCEL_SIGNALS) process.on(sig, onSignal);
  const exit = await handle.exited;
  for (const sig of CANCEL_SIGNALS) process.off(sig, onSignal);
  bar?.stop();

  if (!done) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const reason = errorMessage ?? exit.stderrTail.trim().split('\n').slice(-1)[0];
    process.stderr.write(`vaerec: error: ${oneLine(`the trainer ${how}${reason ? `: ${reason}` : ''}`)}\n`);
    return EXIT.failed;
  }
  if (done.status === 'failed') {
    process.stderr.write(`vaerec: error: ${withFlag(oneLine(errorMessage ?? 'training failed'), errorField)}\n`);
  }
  const summary = {
    runId: done.runId,
    runDir: done.runDir,
    status: done.status,
    model: o.model,
    backend: done.backend,
    epochs: done.epochs,
    medianEpochSeconds: done.medianEpochSeconds,
    fitSeconds: done.fitSeconds,
    best: done.best,
    test: done.test,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
  if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else if (done.status !== 'failed') {
    // EASE's fit (an inverse per lambda) takes long enough to report; popularity's is a count.
    const lambda = done.best?.lambda !== undefined ? `, lambda ${done.best.lambda} (fitted in ${fmt(done.fitSeconds, 1)} s)` : '';
    // A kind fitted in one pass has no epochs or best epoch to report.
    const trained = MODEL_INFO[o.model].epochs
      ? `${done.epochs} epochs on ${done.backend ?? '-'}, median epoch ${fmt(done.medianEpochSeconds, 2)} s\n` +
        `best validation NDCG@100 ${fmt(done.best?.['ndcg@100'])} (epoch ${done.best?.epoch ?? '-'})\n`
      : `${MODEL_INFO[o.model].label}, fitted in one pass\nvalidation NDCG@100 ${fmt(done.best?.['ndcg@100'])}${lambda}\n`;
    process.stdout.write(
      `${done.status}: ${done.runId ?? ''}  ${trained}` +
        `test NDCG@100 ${fmt(done.test?.['ndcg@100'])}  Recall@20 ${fmt(done.test?.['recall@20'])}  Recall@50 ${fmt(done.test?.['recall@50'])}  Recall@10 ${fmt(done.test?.['recall@10'])}\n`,
    );
    const t = done.test;
    if (t && MODEL_INFO[o.model].sequential) {
      process.stdout.write(
        `test NDCG@10 ${fmt(t['ndcg@10'])}  Precision@10 ${fmt(t['precision@10'])}  Precision@100 ${fmt(t['precision@100'])}  Recall@100 ${fmt(t['recall@100'])}\n` +
          `SVAE reference's Recall (hits / #targets): @10 ${fmt(t['refRecall@10'])}  @100 ${fmt(t['refRecall@100'])}\n`,
      );
    }
  }
  if (done.status === 'completed' || done.status === 'stopped') return EXIT.ok;
  return done.status === 'cancelled' ? EXIT.cancelled : done.badInput ? EXIT.badInput : EXIT.failed;
}
