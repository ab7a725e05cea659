/**
 * Sending whole series to the dashboard without losing or repeating lines that arrive meanwhile:
 * series are read asynchronously, so each run's lines queued until its read are dropped (they are
 * in the series), and lines that arrive later wait in the batcher until the series has been posted.
 */
import type { SeriesSampling } from '../../shared/dashboardMessages';
import type { MetricsLine } from '../../shared/runSchema';
import type { RunsSource } from '../runsSource';
import type { UpdateBatcher } from './updateBatcher';

export async function sendWithSeries(
  source: RunsSource,
  batcher: UpdateBatcher,
  runIds: readonly string[],
  post: (series: Record<string, MetricsLine[]>, sampling: Record<string, SeriesSampling>) => void,
): Promise<void> {
  batcher.hold(runIds);
  const series: Record<string, MetricsLine[]> = {};
  const sampling: Record<string, SeriesSampling> = {};
  try {
    for (const id of runIds) {
      const s = await source.metrics(id);
      batcher.forget(id);
      series[id] = s.lines;
      if (s.stride > 1) sampling[id] = { stride: s.stride, stepLines: s.stepLines };
    }
    post(series, sampling);
  } finally {
    batcher.release(runIds);
  }
}
