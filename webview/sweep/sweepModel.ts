/**
 * The sweep view page's state without the DOM: what the host sent (the data, the curves, the
 * significance tests or a problem), the parallel-coordinates axes and brushes, and which trials the
 * brushes keep. Every panel reads it; unit tests drive it with host messages.
 */
import type { SignificanceView, SweepViewData, SweepViewTrial, SweepViewUpdate } from '../../src/shared/sweepViewMessages';
import { buildAxes, filterTrials, type Axis, type AxisSpec, type Brush, type ParcoordsTrial } from './parcoordsModel';

/** The metric's axis key: it cannot clash with a configuration key (they have no spaces). */
export const METRIC_AXIS = 'metric value';

export interface TrialLine extends ParcoordsTrial {
  trial: SweepViewTrial;
}

export interface ModelChange {
  data?: boolean;
  curves?: boolean;
  significance?: boolean;
  problem?: boolean;
  /** The trials the brushes keep changed. */
  filter?: boolean;
}

export class SweepModel {
  data: SweepViewData | null = null;
  problem: string | null = null;
  sweepDir: string | null = null;
  significance: SignificanceView = { state: 'waiting', reason: 'reading the sweep' };
  readonly curves = new Map<number, [number, number][]>();
  lines: TrialLine[] = [];
  axes: Axis[] = [];
  brushes: Record<string, Brush> = {};
  /** Indexes of the trials inside every brush. */
  kept = new Set<number>();

  apply(update: SweepViewUpdate): ModelChange {
    switch (update.type) {
      case 'state':
        this.problem = null;
        this.curves.clear();
        this.setCurves(update.curves);
        this.significance = update.significance;
        this.setData(update.data);
        return { data: true, curves: true, significance: true, problem: true, filter: true };
      case 'data':
        this.problem = null;
        this.setData(update.data);
        return { data: true, filter: true };
      case 'curves':
        this.setCurves(update.curves);
        return { curves: true };
      case 'significance':
        this.significance = update.significance;
        return { significance: true };
      case 'problem':
        this.problem = update.message;
        this.sweepDir = update.sweepDir;
        return { problem: true };
    }
  }

  /** Sets or (undefined) clears an axis' brush. */
  setBrush(key: string, brush: Brush | undefined): ModelChange {
    const next = { ...this.brushes };
    if (brush) next[key] = brush;
    else delete next[key];
    this.brushes = next;
    this.refilter();
    return { filter: true };
  }

  clearBrushes(): ModelChange {
    this.brushes = {};
    this.refilter();
    return { filter: true };
  }

  trial(index: number): SweepViewTrial | undefined {
    return this.data?.trials[index];
  }

  private setCurves(curves: readonly { index: number; points: [number, number][] }[]): void {
    for (const c of curves) this.curves.set(c.index, c.points);
  }

  private setData(data: SweepViewData): void {
    this.data = data;
    this.sweepDir = data.sweep.dir;
    this.lines = data.trials.map((t) => ({ id: String(t.index), trial: t, values: { ...t.params, [METRIC_AXIS]: t.metric ?? undefined } }));
    const specs: AxisSpec[] = [
      ...data.parameters.map((key) => ({ key, scale: data.scales[key] })),
      { key: METRIC_AXIS, label: data.sweep.metric.name, scale: 'linear' as const },
    ];
    this.axes = buildAxes(this.lines, specs);
    // A brush on a parameter that no longer varies has no axis: drop it.
    const keys = new Set(this.axes.map((a) => a.key));
    this.brushes = Object.fromEntries(Object.entries(this.brushes).filter(([k]) => keys.has(k)));
    this.refilter();
  }

  private refilter(): void {
    this.kept = new Set(filterTrials(this.lines, this.axes, this.brushes).map((l) => l.trial.index));
  }
}
