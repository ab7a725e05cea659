/**
 * The dashboard's charts as data, without a DOM (unit-tested): which metrics are drawn, which of them
 * are smoothed, and the tick spacings of the x axis.
 */
import type { ChartMetric, XAxis } from './transforms';

export interface MetricSpec {
  metric: ChartMetric;
  title: string;
  /** What the chart shows when no overlaid run has this metric yet. */
  emptyText: string;
  /**
   * Whether the smoothing slider applies. Losses and KL are noisy measurements; β is a schedule
   * (min(cap, step / annealSteps)), so smoothing would only bend and delay it; validation NDCG is
   * one point per epoch.
   */
  smoothed: boolean;
}

export const METRICS: readonly MetricSpec[] = [
  { metric: 'negElbo', title: 'Negative ELBO', emptyText: 'No training steps yet.', smoothed: true },
  { metric: 'nll', title: 'Reconstruction NLL', emptyText: 'No training steps yet.', smoothed: true },
  { metric: 'kl', title: 'KL divergence', emptyText: 'No training steps yet.', smoothed: true },
  { metric: 'beta', title: 'β (KL weight)', emptyText: 'No training steps yet.', smoothed: false },
  { metric: 'val_ndcg@100', title: 'Validation NDCG@100', emptyText: 'No validated epoch yet.', smoothed: true },
];

/** The smoothing weight a chart uses for the slider's value. */
export function smoothingOf(spec: MetricSpec, weight: number): number {
  return spec.smoothed ? weight : 0;
}

/** 1, 2, 5, 10, 20, 50... up to 1e12. */
const WHOLE_INCREMENTS: readonly number[] = Array.from({ length: 13 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

/**
 * Tick spacings of the x axis, for uPlot's `incrs`: steps are whole numbers, so their axis never
 * ticks at 2.5 early in a run; undefined leaves uPlot's defaults (epochs and seconds may be fractional).
 */
export function xIncrements(axis: XAxis): number[] | undefined {
  return axis === 'step' ? [...WHOLE_INCREMENTS] : undefined;
}
