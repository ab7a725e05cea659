/**
 * Issue 14, item 1: a run trained by a process this window did not start (its own trainer before a
 * window reload, the CLI, another window) gets a status bar item, a progress notification whose
 * Cancel stops it, and the message saying how it ended; the run this window trains is left to its
 * TrainingSession. Driven through a fake RunsSource and a fake `vscode`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunsChange, RunsSource } from '../../src/extension/runsSource';
import { followedEnding, followedProgress, progressText } from '../../src/extension/runPresentation';
import type { MetricsLine, RunEntry, RunRecord } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import { FakeEmitter, serveFakeModules } from '../helpers/fakeVscode';
import { runRecord } from '../helpers/runRecord';

interface FakeStatusBar {
  text: string;
  shown: boolean;
  disposed: boolean;
}
interface FakeProgress {
  title: string;
  cancellable: boolean;
  messages: string[];
  ended: boolean;
  cancel: () => void;
}

const ui = {
  statusBars: [] as FakeStatusBar[],
  progresses: [] as FakeProgress[],
  messages: [] as { level: string; message: string; items: string[] }[],
  commands: [] as unknown[][],
};

const message =
  (level: string) =>
  (text: string, ...items: string[]) =>
    Promise.resolve(void ui.messages.push({ level, message: text, items }));

const fakeVscode = {
  StatusBarAlignment: { Left: 1 },
  ProgressLocation: { Notification: 15 },
  window: {
    createStatusBarItem: () => {
      const item = { text: '', shown: false, disposed: false, show: () => (item.shown = true), dispose: () => (item.disposed = true) };
      ui.statusBars.push(item);
      return item;
    },
    withProgress: (o: { title: string; cancellable: boolean }, task: (p: unknown, t: unknown) => Promise<unknown>) => {
      const cancelled = new FakeEmitter<void>();
      const p: FakeProgress = { title: o.title, cancellable: o.cancellable, messages: [], ended: false, cancel: () => cancelled.fire() };
      ui.progresses.push(p);
      return task({ report: (r: { message?: string }) => r.message && p.messages.push(r.message) }, { onCancellationRequested: cancelled.event }).then(() => {
        p.ended = true;
      });
    },
    showInformationMessage: message('info'),
    showWarningMessage: message('warning'),
    showErrorMessage: message('error'),
  },
  commands: { executeCommand: (...args: unknown[]) => Promise.resolve(void ui.commands.push(args)) },
};

serveFakeModules((request) => (request === 'vscode' ? fakeVscode : undefined));

const record = (id: string, extra: Partial<RunRecord> = {}): RunRecord =>
  runRecord(id, { status: 'running', config: makeConfig('mvae', '/data', { epochs: 10 }), epochsCompleted: 0, steps: 0, pid: 4242, ...extra });

const step = (epoch: number, loss: number): MetricsLine => ({ kind: 'step', step: 1, epoch, time: 1, loss, nll: loss, kl: 0, beta: 0, negElbo: loss });

function fakeSource(entries: RunEntry[], series: Record<string, MetricsLine[]> = {}) {
  const changes = new FakeEmitter<RunsChange>();
  const source: RunsSource = {
    runsDir: '/runs',
    list: () => entries,
    get: (id) => entries.find((e) => e.ok && e.record.id === id),
    metrics: async (id) => ({ lines: series[id] ?? [], stride: 1, stepLines: 0, bad: 0, tornTail: false }),
    onDidChange: changes.event as RunsSource['onDidChange'],
  };
  const fire = (c: Partial<RunsChange>) => changes.fire({ reload: false, runIds: [], appended: {}, resampled: [], ...c });
  return { source, fire };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('runs trained by another process are followed like a run started here (item 1)', () => {
  it('progress: the epoch in progress, its loss, the ETA from the epochs done; a popularity run is fitting', () => {
    assert.equal(progressText(followedProgress(record('a'), undefined)), 'Mult-VAE · preparing the data');
    const r = record('a', { epochsCompleted: 2, epochSeconds: [30, 50] });
    assert.equal(progressText(followedProgress(r, step(3, 512.34))), 'Mult-VAE epoch 3/10 · loss 512.3 · ETA 5m 20s');
    const pop = record('p', { model: 'pop', config: makeConfig('pop', '/data') });
    assert.equal(progressText(followedProgress(pop, undefined)), 'Popularity · fitting');
  });

  it('the end message says how the run ended, with its test NDCG@100 and the dashboard when it completed', () => {
    const test = { 'ndcg@100': 0.4123, 'recall@10': 0, 'recall@20': 0.3, 'recall@50': 0.4, users: 30 };
    assert.deepEqual(followedEnding(record('a', { status: 'completed', test })), {
      level: 'info',
      message: 'Mult-VAE run run a completed: test NDCG@100 0.412.',
      offerDashboard: true,
    });
    assert.match(followedEnding(record('a', { status: 'cancelled' })).message, /was cancelled; its metrics so far are kept\.$/);
    assert.deepEqual(followedEnding(record('a', { status: 'interrupted', error: 'the trainer process is gone' })), {
      level: 'warning',
      message: 'Mult-VAE run run a was interrupted: the trainer process is gone.',
      offerDashboard: false,
    });
    const stop = { rule: 'asha' as const, epoch: 3, reason: 'ASHA rung 0 (epoch 3): val_ndcg@100 0.30 is not in the top 1 of 3' };
    assert.deepEqual(followedEnding(record('a', { status: 'stopped', stop })), {
      level: 'info',
      message: `Mult-VAE run run a was stopped early by its sweep: ${stop.reason}.`,
      offerDashboard: false,
    });
  });

  it('a running run found at activation: status bar, a cancellable notification that follows its metrics, Cancel stops it, the end is told', async () => {
    const { FollowedRuns } = await import('../../src/extension/followedRuns');
    ui.statusBars.length = ui.progresses.length = ui.messages.length = ui.commands.length = 0;
    const entries: RunEntry[] = [
      { ok: true, dir: '/runs/a', record: record('a', { epochsCompleted: 1, epochSeconds: [60] }) },
      { ok: true, dir: '/runs/own', record: record('own', { pid: 7 }) },
      { ok: true, dir: '/runs/done', record: record('done', { status: 'completed' }) },
      { ok: true, dir: '/runs/trial', record: record('trial', { sweep: { sweepId: 's1', trial: 0, attempt: 1, seedIndex: 0, parameters: { dropout: 0.5 } } }) },
    ];
    const { source, fire } = fakeSource(entries, { a: [step(2, 100)] });
    const followed = new FollowedRuns(source, (r) => r.pid === 7);
    await settle();
    assert.deepEqual(followed.runIds, ['a'], 'only the running run this window does not train, and not a sweep trial');
    assert.equal(ui.statusBars.length, 1);
    assert.equal(ui.statusBars[0].text, '$(sync~spin) Mult-VAE epoch 2/10 · loss 100.0 · ETA 9m 00s');
    assert.ok(ui.statusBars[0].shown);
    const [progress] = ui.progresses;
    assert.equal(progress.title, 'Training Mult-VAE (run a)');
    assert.ok(progress.cancellable);
    // Lines the trainer appends move it on.
    fire({ appended: { a: [step(2, 90)] } });
    assert.equal(progress.messages.at(-1), 'Mult-VAE epoch 2/10 · loss 90.0 · ETA 9m 00s');
    // Cancel goes to Stop Training for that run (which confirms, then signals its trainer).
    progress.cancel();
    assert.deepEqual(ui.commands, [['vaerec.stopTraining', 'a']]);
    // The trainer records the run as cancelled: the notification and the status bar go, the end is told.
    entries[0] = { ok: true, dir: '/runs/a', record: record('a', { status: 'cancelled' }) };
    fire({ runIds: ['a'] });
    await settle();
    assert.ok(progress.ended);
    assert.ok(ui.statusBars[0].disposed);
    assert.deepEqual(ui.messages, [{ level: 'info', message: 'Mult-VAE run run a was cancelled; its metrics so far are kept.', items: [] }]);
    assert.deepEqual(followed.runIds, []);
    followed.dispose();
  });

  it('a run started later by the CLI or another window is followed too; one deleted while it trains ends silently', async () => {
    const { FollowedRuns } = await import('../../src/extension/followedRuns');
    ui.statusBars.length = ui.progresses.length = ui.messages.length = 0;
    const entries: RunEntry[] = [];
    const { source, fire } = fakeSource(entries);
    const followed = new FollowedRuns(source, () => false);
    assert.equal(ui.progresses.length, 0);
    entries.push({ ok: true, dir: '/runs/cli', record: record('cli') });
    fire({ reload: true });
    await settle();
    assert.deepEqual(followed.runIds, ['cli']);
    assert.equal(ui.statusBars[0].text, '$(sync~spin) Mult-VAE · preparing the data');
    entries.length = 0;
    fire({ reload: true });
    await settle();
    assert.ok(ui.progresses[0].ended);
    assert.deepEqual(ui.messages, []);
    followed.dispose();
  });
});
