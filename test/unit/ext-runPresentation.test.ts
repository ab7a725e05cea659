import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunEntry, RunRecord } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';
import { STATE_ICONS, escapeMarkdown, progressText, runContextValue, runDescription, runLabel, runTooltipMarkdown } from '../../src/extension/runPresentation';

function record(over: Partial<RunRecord> = {}): RunRecord {
  return {
    schemaVersion: 1,
    id: 'mvae-20260101-120000',
    name: 'mvae 2026-01-01 12:00',
    model: 'mvae',
    status: 'completed',
    config: makeConfig('mvae', '/data/ml-1m', { epochs: 20 }),
    createdAt: '2026-01-01T12:00:00.000Z',
    updatedAt: '2026-01-01T12:05:00.000Z',
    finishedAt: '2026-01-01T12:03:30.000Z',
    epochsCompleted: 20,
    steps: 200,
    epochSeconds: [],
    artifacts: {},
    backend: 'wasm',
    best: { epoch: 12, 'ndcg@100': 0.41234 },
    lastValidation: { epoch: 20, 'ndcg@100': 0.39 },
    test: { 'ndcg@100': 0.4056, 'recall@10': 0.3, 'recall@20': 0.35, 'recall@50': 0.48, users: 600 },
    ...over,
  };
}

const ok = (r: RunRecord): RunEntry => ({ ok: true, dir: `/runs/${r.id}`, record: r });
const damaged: RunEntry = { ok: false, dir: '/runs/broken', id: 'broken', reason: 'run.json is truncated or not valid JSON' };

describe('run presentation', () => {
  it('labels a run by its name and a damaged one by its folder', () => {
    assert.equal(runLabel(ok(record())), 'mvae 2026-01-01 12:00');
    assert.equal(runLabel(damaged), 'broken');
  });

  it('describes the model and the best (not the last) validation NDCG@100', () => {
    assert.equal(runDescription(ok(record())), 'Mult-VAE · best NDCG@100 0.412');
    assert.equal(runDescription(ok(record({ model: 'mdae' }))), 'Mult-DAE · best NDCG@100 0.412');
  });

  it('shows the epoch in progress of a running run (as the status bar counts it), and the status otherwise', () => {
    assert.equal(runDescription(ok(record({ status: 'running', best: undefined, epochsCompleted: 3 }))), 'Mult-VAE · epoch 4/20');
    assert.equal(runDescription(ok(record({ status: 'failed', best: undefined }))), 'Mult-VAE · failed');
    assert.equal(runDescription(damaged), 'damaged');
  });

  it('maps every state to its codicon and context value', () => {
    assert.deepEqual(STATE_ICONS, {
      running: 'sync~spin',
      completed: 'pass',
      failed: 'error',
      cancelled: 'circle-slash',
      interrupted: 'debug-disconnect',
      stopped: 'stop-circle',
      damaged: 'warning',
    });
    assert.equal(runContextValue(ok(record({ status: 'running' }))), 'running');
    assert.equal(runContextValue(damaged), 'damaged');
  });

  it('puts key hyperparameters, test metrics, backend and duration in the tooltip', () => {
    const md = runTooltipMarkdown(ok(record()));
    assert.match(md, /600-200, dropout 0\.5/);
    assert.match(md, /test NDCG@100 \| 0\.406/);
    assert.match(md, /best val NDCG@100 \| 0\.412 \(epoch 12\)/);
    assert.match(md, /backend \| wasm/);
    assert.match(md, /duration \| 3m 30s/);
  });

  it('gives the reason of a damaged run and escapes markdown from disk', () => {
    assert.match(runTooltipMarkdown(damaged), /truncated or not valid JSON/);
    const md = runTooltipMarkdown(ok(record({ name: '[click](http://x)', error: '<img src=x>' })));
    assert.ok(!md.includes('[click](http://x)'));
    assert.ok(md.includes('\\<img src=x\\>'));
    assert.equal(escapeMarkdown('a_b*c'), 'a\\_b\\*c');
  });

  it('formats durations and the status bar progress', () => {
    assert.equal(progressText({ model: 'mvae', epoch: 3, epochs: 100, loss: 512.345, etaSeconds: 130 }), 'Mult-VAE epoch 3/100 · loss 512.3 · ETA 2m 10s');
    assert.equal(progressText({ model: 'mdae', epoch: 0, epochs: 5 }), 'Mult-DAE epoch 0/5');
    assert.equal(progressText({ model: 'mvae', epoch: 0, epochs: 5, phase: 'Loading ratings.dat' }), 'Mult-VAE · Loading ratings.dat');
  });
});
