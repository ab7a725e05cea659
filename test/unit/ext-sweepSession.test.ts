/**
 * Issue 16, item 1: what a sweep started in VS Code tells its user: the progress line (trials done /
 * total, best so far) and the message at its end, from the CLI's exit code and the sweep record:
 * a bad file or Slurm without sbatch (the CLI's one-line error), a stop (what happened to running
 * and pending trials), completion (the best configuration), every trial failed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SweepRecord, SweepTrial } from '../../src/shared/sweepSchema';
import { parseSweepSpec } from '../../src/shared/sweepSchema';
import { serveFakeModules } from '../helpers/fakeVscode';
import { sweepTrial } from '../helpers/sweepTrial';

serveFakeModules((request) => (request === 'vscode' ? {} : undefined));

function trial(index: number, over: Partial<SweepTrial>): SweepTrial {
  return sweepTrial(index, { dropout: [0.2, 0.5, 0.7][index % 3] }, over);
}

function record(trials: SweepTrial[], over: Partial<SweepRecord> = {}): SweepRecord {
  return {
    schemaVersion: 1,
    id: 'g-20260101-120000',
    name: 'g',
    status: 'completed',
    specFile: '/ws/g.sweep.json',
    spec: parseSweepSpec({ name: 'g', model: 'mvae', dataset: 'ml-1m', parameters: { dropout: { values: [0.2, 0.5, 0.7] } } }),
    dataSource: 'ml-1m',
    runsDir: '/ws/.vaerec/runs',
    cacheDir: '/cache',
    createdAt: '2026-01-01T12:00:00.000Z',
    updatedAt: '2026-01-01T12:00:00.000Z',
    elapsedSeconds: 1,
    executor: { type: 'local', concurrency: 2, threadsPerTrial: 1 },
    trials,
    log: [],
    ...over,
  };
}

describe('what a sweep of this window says', async () => {
  const { endingMessage, progressLine } = await import('../../src/extension/sweeps/sweepSession');
  const a = { label: 'Sweep g.sweep.json' };

  it('follows trials done / total, the running ones and the best so far', () => {
    const r = record([trial(0, { state: 'completed', metric: 0.31, runId: 'r0' }), trial(1, { state: 'running', metric: 0.35 }), trial(2, {})], {
      status: 'running',
    });
    assert.equal(progressLine(r), '1/3 trials · 1 running · best val NDCG@100 0.3100 (trial 0)');
    const early = record([trial(0, { state: 'running', metric: 0.2 }), trial(1, {}), trial(2, {})], { status: 'running' });
    assert.equal(progressLine(early), '0/3 trials · 1 running · best val NDCG@100 0.2000 (trial 0, so far)');
  });

  it("shows the CLI's error when the file was refused (exit 2), Slurm without sbatch included", () => {
    const stderr = 'vaerec: error: /ws/g.sweep.json: executor.type: slurm needs sbatch on the PATH (is this a Slurm login node?)\n';
    const m = endingMessage(a, 2, undefined, '', stderr);
    assert.equal(m.level, 'error');
    assert.equal(m.message, 'Sweep g.sweep.json did not start: /ws/g.sweep.json: executor.type: slurm needs sbatch on the PATH (is this a Slurm login node?)');
  });

  it('says what a stop did to the running and the pending trials, and offers Resume', () => {
    const r = record([trial(0, { state: 'completed', metric: 0.3 }), trial(1, { state: 'cancelled' }), trial(2, {})], { status: 'stopped' });
    const m = endingMessage({ ...a, stopRequested: true }, 130, r, '', '');
    assert.equal(
      m.message,
      'Sweep g stopped: 1 running trial was cancelled (their runs are kept, recorded as cancelled) and 1 pending trial was not started; Resume trains them.',
    );
    assert.deepEqual(m.actions, ['Resume']);
  });

  it('names the best configuration of a completed sweep, with its test NDCG@100', () => {
    const test = { 'ndcg@100': 0.3, 'recall@10': 0.2, 'recall@20': 0.25, 'recall@50': 0.4, users: 30 };
    const r = record([
      trial(0, { state: 'completed', metric: 0.31, runId: 'r0', test }),
      trial(1, { state: 'stopped', metric: 0.2 }),
      trial(2, { state: 'failed', error: 'NaN' }),
    ]);
    const m = endingMessage(a, 0, r, '', '');
    assert.equal(m.level, 'info');
    assert.equal(
      m.message,
      'Sweep g completed: 3 trials (1 completed, 1 stopped early, 1 failed); best trial 0 (dropout 0.2): val NDCG@100 0.3100, test NDCG@100 0.3000.',
    );
    assert.deepEqual(m.actions, ['Open Sweep View', 'Open Best in Dashboard']);
  });

  it('reports a sweep where every trial failed with the first reason', () => {
    const r = record([trial(0, { state: 'failed', error: 'the loss became NaN' }), trial(1, { state: 'failed', error: 'x' }), trial(2, { state: 'failed' })], {
      status: 'failed',
    });
    const m = endingMessage(a, 1, r, '', '');
    assert.equal(m.level, 'error');
    assert.equal(m.message, 'Sweep g failed: no trial completed (trial 0: the loss became NaN).');
  });
});
