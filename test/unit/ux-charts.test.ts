/**
 * Issue 14, item 13 (the dashboard's charts and the trainer's log): β is a schedule and is never
 * smoothed, the step axis ticks at whole steps only, and the log channel reads as a log.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trainerLogLine } from '../../src/extension/trainerLog';
import type { MetricsLine } from '../../src/shared/runSchema';
import { METRICS, smoothingOf, xIncrements } from '../../webview/dashboard/chartMetrics';
import { SeriesBuilder, type ChartMetric } from '../../webview/dashboard/transforms';

/** Steps of a run whose β rises to 0.2 over 40 steps, with noisy losses. */
function lines(): MetricsLine[] {
  return Array.from({ length: 60 }, (_, i) => {
    const step = i + 1;
    const nll = 500 - step + (step % 3) * 7;
    return {
      kind: 'step',
      step,
      epoch: Math.ceil(step / 4),
      time: step,
      loss: nll,
      nll,
      kl: 10 + (step % 5),
      beta: Math.min(0.2, step / 200),
      negElbo: nll + 10,
    };
  });
}

function drawn(metric: ChartMetric, weight: number): { raw: number[]; smoothed: number[] } {
  const spec = METRICS.find((m) => m.metric === metric)!;
  const series = new SeriesBuilder(metric, 'step', {}, smoothingOf(spec, weight), false);
  series.update(lines());
  return { raw: series.raw.y, smoothed: series.smoothed.y };
}

describe('charts', () => {
  it('β is drawn as it is, whatever the smoothing: min(cap, step / annealSteps), with its corner at step 40', () => {
    assert.equal(METRICS.find((m) => m.metric === 'beta')?.smoothed, false);
    for (const weight of [0, 0.6, 0.99]) {
      const beta = drawn('beta', weight);
      assert.deepEqual(beta.smoothed, beta.raw, `smoothing ${weight}`);
      assert.equal(beta.smoothed[39], 0.2, 'the cap is reached at step 40, not later');
      assert.ok(beta.smoothed[38] < 0.2);
    }
  });

  it('the losses and KL are smoothed as the slider says', () => {
    for (const metric of ['negElbo', 'nll', 'kl'] as const) {
      assert.equal(METRICS.find((m) => m.metric === metric)?.smoothed, true);
      const d = drawn(metric, 0.9);
      assert.notDeepEqual(d.smoothed, d.raw, metric);
      assert.deepEqual(drawn(metric, 0).smoothed, d.raw);
    }
  });

  it("the step axis ticks at whole steps only (no 2.5 early in a run); epochs and seconds keep uPlot's spacing", () => {
    const incrs = xIncrements('step');
    assert.ok(incrs && incrs.length > 20);
    assert.ok(incrs.every((v) => Number.isInteger(v) && v >= 1));
    assert.ok(incrs.every((v, i) => i === 0 || v > incrs[i - 1]));
    assert.deepEqual(incrs.slice(0, 6), [1, 2, 5, 10, 20, 50]);
    assert.equal(xIncrements('epoch'), undefined);
    assert.equal(xIncrements('time'), undefined);
  });
});

describe('the log channel reads as a log, not as IPC messages', () => {
  it('phases, the backend, one line per epoch with its metrics, warnings and the outcome', () => {
    const log = (m: Parameters<typeof trainerLogLine>[0]) => trainerLogLine(m, 'mvae');
    assert.deepEqual(log({ type: 'phase', phase: 'load', message: 'loading /data/ml' }), { level: 'info', text: 'Loading /data/ml' });
    assert.deepEqual(log({ type: 'backend', backend: 'wasm', note: 'SIMD' }), { level: 'info', text: 'Backend: wasm (SIMD)' });
    assert.deepEqual(
      log({ type: 'epoch', epoch: 3, epochs: 20, seconds: 2.4, loss: 512.345, 'val_ndcg@100': 0.31234, best: { epoch: 3, 'ndcg@100': 0.31234 } }),
      {
        level: 'info',
        text: 'Epoch 3/20 · loss 512.35 · val NDCG@100 0.312 (best so far) · 2s',
      },
    );
    assert.deepEqual(log({ type: 'epoch', epoch: 4, epochs: 20, seconds: 75, loss: 500, 'val_ndcg@100': 0.3, best: { epoch: 3, 'ndcg@100': 0.31 } }), {
      level: 'info',
      text: 'Epoch 4/20 · loss 500.00 · val NDCG@100 0.300 · 1m 15s',
    });
    assert.deepEqual(log({ type: 'log', level: 'warn', message: 'skipped 3 malformed rows' }), { level: 'warn', text: 'Skipped 3 malformed rows' });
    assert.deepEqual(log({ type: 'error', message: 'the loss became NaN' }), { level: 'error', text: 'Error: the loss became NaN' });
    assert.deepEqual(log({ type: 'done', status: 'cancelled', runId: 'r', epochs: 4, backend: 'wasm', best: { epoch: 3, 'ndcg@100': 0.31 } }), {
      level: 'warn',
      text: 'Mult-VAE run r cancelled: best val NDCG@100 0.310 (epoch 3) · 4 epochs on wasm',
    });
    assert.deepEqual(log({ type: 'started', runId: 'r', runDir: '/runs/r', pid: 42 }), { level: 'info', text: 'Run r started in /runs/r (trainer pid 42)' });
  });

  it('per-step messages and download ticks are left to the status bar and the dashboard', () => {
    assert.equal(trainerLogLine({ type: 'progress', epoch: 1, epochs: 2, step: 1, stepInEpoch: 1, stepsPerEpoch: 2, loss: 1 }, 'mvae'), undefined);
    assert.equal(trainerLogLine({ type: 'phase', phase: 'download', message: 'downloading', fraction: 0.5 }, 'mvae'), undefined);
    assert.equal(trainerLogLine({ type: 'phase', phase: 'evaluate', message: 'validating epoch 1' }, 'mvae'), undefined);
    for (const m of [{ type: 'phase', phase: 'split', message: 'splitting users' }] as const)
      assert.doesNotMatch(trainerLogLine(m, 'mvae')?.text ?? '', /[{}[\]"]/, 'no JSON');
  });
});
