/**
 * The trainer child process through the same client the extension uses: the typed message stream,
 * cancel from the parent, and a crash reported with its signal and stderr tail.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { makeConfig } from '../../src/shared/trainConfig';
import type { TrainerToParent } from '../../src/shared/trainerMessages';
import { startTrainer } from '../../src/trainer/process/client';
import { makeFixtureDir } from '../fixtures/generate';

const TRAINER = path.resolve(__dirname, '../../dist/trainer.js');
if (!fs.existsSync(TRAINER)) throw new Error(`${TRAINER} is missing: run npm run build first`);

function start(epochs: number, onMessage: (m: TrainerToParent) => void) {
  const data = makeFixtureDir('ml-1m', { users: 900, items: 300, seed: 3, clusters: 4 });
  const config = makeConfig('mvae', data, { epochs, protocol: { heldoutUsers: 60 } });
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-proc-'));
  return startTrainer({ trainerScript: TRAINER, request: { type: 'start', config, runsDir, cacheDir: os.tmpdir() }, onMessage });
}

test('a run reports started, phases, backend, progress, metrics, epochs, a checkpoint and done, in order', async () => {
  const messages: TrainerToParent[] = [];
  const handle = start(3, (m) => messages.push(m));
  const exit = await handle.exited;
  assert.equal(exit.code, 0, exit.stderrTail);
  const types = messages.map((m) => m.type);
  for (const t of ['phase', 'started', 'backend', 'progress', 'epoch', 'checkpoint', 'done'])
    assert.ok(types.includes(t as TrainerToParent['type']), `no ${t} message`);
  assert.ok(types.indexOf('started') < types.indexOf('progress'));
  assert.equal(types[types.length - 1], 'done');
  const epochs = messages.filter((m): m is Extract<TrainerToParent, { type: 'epoch' }> => m.type === 'epoch');
  assert.deepEqual(
    epochs.map((e) => e.epoch),
    [1, 2, 3],
  );
  for (const e of epochs) assert.ok(e['val_ndcg@100'] !== undefined && e['val_ndcg@100'] > 0);
  const progress = messages.filter((m): m is Extract<TrainerToParent, { type: 'progress' }> => m.type === 'progress');
  assert.equal(progress.length, 3 * progress[0].stepsPerEpoch);
  assert.ok(progress.every((p) => Number.isFinite(p.loss)));
  const done = messages[messages.length - 1] as Extract<TrainerToParent, { type: 'done' }>;
  assert.equal(done.status, 'completed');
  assert.ok(done.test && done.test['ndcg@100'] > 0);
  assert.ok(done.runDir && fs.existsSync(path.join(done.runDir, 'run.json')));
});

test('cancel from the parent stops at a batch boundary and the run is recorded as cancelled', async () => {
  let cancelledAt = -1;
  const messages: TrainerToParent[] = [];
  // messages arrive asynchronously, after `handle` is initialised
  const handle = start(500, (m) => {
    messages.push(m);
    if (m.type === 'epoch' && m.epoch === 1) {
      cancelledAt = m.epoch;
      handle.cancel();
    }
  });
  const exit = await handle.exited;
  assert.equal(cancelledAt, 1);
  assert.equal(exit.code, 130);
  const done = messages.find((m): m is Extract<TrainerToParent, { type: 'done' }> => m.type === 'done');
  assert.equal(done?.status, 'cancelled');
  assert.ok((done?.epochs ?? 0) < 500);
  const record = JSON.parse(fs.readFileSync(path.join(done!.runDir!, 'run.json'), 'utf8'));
  assert.equal(record.status, 'cancelled');
});

test('a crash is reported with the signal and the last lines of stderr', async () => {
  const handle = start(500, (m) => {
    if (m.type === 'epoch') handle.kill();
  });
  const exit = await handle.exited;
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(exit.code, null);
  assert.equal(typeof exit.stderrTail, 'string');
});

test('every message is delivered before the trainer exits, even when the parent reads them late', async () => {
  const data = makeFixtureDir('ml-1m', { users: 3000, items: 200, seed: 8, clusters: 4 });
  // batch size 1: a progress message per user, hundreds of KB in all, more than a socket buffer holds.
  const config = makeConfig('mvae', data, { epochs: 1, batchSize: 1, hidden: 32, latent: 8, protocol: { heldoutUsers: 100 } });
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-proc-'));
  const messages: TrainerToParent[] = [];
  const handle = startTrainer({
    trainerScript: TRAINER,
    request: { type: 'start', config, runsDir, cacheDir: os.tmpdir() },
    onMessage: (m) => {
      messages.push(m);
      if (m.type !== 'started') return;
      // The parent is busy (a long synchronous task) while the whole run happens: the trainer's
      // messages pile up unread until it has recorded the run's end, and a while after.
      const runJson = path.join(m.runDir, 'run.json');
      const deadline = Date.now() + 170_000;
      while (Date.now() < deadline && (JSON.parse(fs.readFileSync(runJson, 'utf8')) as { status: string }).status === 'running');
      for (const until = Date.now() + 1000; Date.now() < until;);
    },
  });
  const exit = await handle.exited;
  assert.equal(exit.code, 0, exit.stderrTail);
  const done = messages.at(-1);
  assert.equal(done?.type, 'done', `the last message is done (got ${messages.length} messages, the last ${done?.type})`);
  assert.equal(done.type === 'done' && done.status, 'completed');
  const progress = messages.filter((m) => m.type === 'progress');
  assert.equal(progress.length, progress[0]?.type === 'progress' ? progress[0].stepsPerEpoch : -1, 'every progress message arrived');
});
