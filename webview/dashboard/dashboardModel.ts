/**
 * The webview's copy of the host state and how each host message changes it. No DOM: main.ts
 * turns the returned change flags into table / chart updates, and this logic is unit-tested.
 */
import { parseComparisonsUpdate, type DashboardComparison } from '../../src/shared/dashboardComparisons';
import type { DashboardRun, DashboardUpdate, SeriesSampling } from '../../src/shared/dashboardMessages';
import { modelInfo, modelLabel, offCurvePasses, trainingPasses } from '../../src/shared/modelKinds';
import type { MetricsLine, RunRecord } from '../../src/shared/runSchema';
import type { ChartRun } from './chartCard';
import { runColour } from './palette';

export interface ModelChange {
  /** The table needs the run list again. */
  runs: boolean;
  /** The ticked runs changed. */
  selection: boolean;
  /** The set of charted runs or their labels/colours changed: chart series must be rebuilt. */
  chartRuns: boolean;
  /** Only new points for already-charted runs: a redraw is enough. */
  data: boolean;
  /** The baseline or the comparisons with it changed. */
  comparisons: boolean;
}

const NO_CHANGE: ModelChange = { runs: false, selection: false, chartRuns: false, data: false, comparisons: false };

function idOf(run: DashboardRun): string {
  return run.entry.ok ? run.entry.record.id : run.entry.id;
}

/** Steps per epoch as the trainer computes it (per pass, times the passes); places step lines on a fractional epoch axis. */
export function stepsPerEpochOf(r: RunRecord): number | undefined {
  const users = r.split?.trainUsers;
  const batch = r.config?.batchSize;
  return typeof users === 'number' && typeof batch === 'number' && users > 0 && batch > 0
    ? Math.ceil(users / batch) * trainingPasses(r.config).length
    : undefined;
}

export class DashboardModel {
  runs: DashboardRun[] = [];
  selected: string[] = [];
  baseline: string | null = null;
  comparisons: Record<string, DashboardComparison> = {};
  private readonly series = new Map<string, MetricsLine[]>();
  private readonly sampling = new Map<string, SeriesSampling>();
  private chartKey = '';

  /** Applies a host message and reports what has to be re-rendered. */
  apply(update: DashboardUpdate): ModelChange {
    switch (update.type) {
      case 'state':
        this.runs = update.runs;
        this.selected = [...update.selected];
        this.series.clear();
        this.setSeries(update.series, update.sampling);
        return { ...this.chartChange(true), runs: true, selection: true };
      case 'runs':
        this.runs = update.runs;
        return { ...this.chartChange(false), runs: true };
      case 'select':
        this.setSelected(update.selected);
        return { ...this.chartChange(false), selection: true };
      case 'series':
        this.setSeries(update.series, update.sampling);
        return this.chartChange(true);
      case 'append': {
        const lines = this.series.get(update.runId);
        if (!lines || update.lines.length === 0) return NO_CHANGE;
        // push(...lines) could overflow the stack on a very large batch.
        for (const line of update.lines) lines.push(line);
        return { ...NO_CHANGE, data: true };
      }
      case 'comparisons': {
        // Checked like the host checks the page's requests: a malformed message changes nothing.
        const checked = parseComparisonsUpdate(update);
        if (!checked) return NO_CHANGE;
        this.baseline = checked.baseline;
        this.comparisons = checked.comparisons;
        return { ...NO_CHANGE, comparisons: true };
      }
    }
  }

  private setSeries(series: Record<string, MetricsLine[]>, sampling: Record<string, SeriesSampling>): void {
    for (const [id, lines] of Object.entries(series)) {
      if (!this.selected.includes(id)) continue;
      this.series.set(id, lines);
      const thinned = sampling[id];
      if (thinned) this.sampling.set(id, thinned);
      else this.sampling.delete(id);
    }
  }

  /** The user ticked runs: series of unticked runs are dropped (the host resends them on re-select). */
  setSelected(selected: readonly string[]): ModelChange {
    this.selected = [...selected];
    for (const id of [...this.series.keys()]) if (!this.selected.includes(id)) this.series.delete(id);
    for (const id of [...this.sampling.keys()]) if (!this.selected.includes(id)) this.sampling.delete(id);
    return { ...this.chartChange(false), selection: true };
  }

  /** Charted runs: selected, readable, with a series received, in selection order. */
  chartRuns(): ChartRun[] {
    const byId = new Map(this.runs.map((r) => [idOf(r), r]));
    const out: ChartRun[] = [];
    for (const id of this.selected) {
      const run = byId.get(id);
      const lines = this.series.get(id);
      if (!run || !run.entry.ok || !lines) continue;
      const r = run.entry.record;
      // A file too large to chart whole is thinned by the host; the legend says so.
      const thinned = this.sampling.get(id);
      const note = thinned ? ` · every ${thinned.stride}th of ${thinned.stepLines.toLocaleString('en-US')} steps` : '';
      const fitted = modelInfo(r.model)?.epochs === false ? { valNdcg: r.best?.['ndcg@100'] } : undefined;
      out.push({
        id,
        label: `${r.name} · ${modelLabel(r.model)}${note}`,
        colour: runColour(run.colour),
        stepsPerEpoch: stepsPerEpochOf(r),
        offCurvePasses: offCurvePasses(r.config),
        lines,
        ...(fitted ? { fitted } : {}),
      });
    }
    return out;
  }

  /** Rebuilding uPlot series is only needed when what identifies the lines changed; `force` when whole series were replaced. */
  private chartChange(force: boolean): ModelChange {
    const key = JSON.stringify(this.chartRuns().map((c) => [c.id, c.label, c.colour, c.stepsPerEpoch, c.fitted]));
    const changed = force || key !== this.chartKey;
    this.chartKey = key;
    return { ...NO_CHANGE, chartRuns: changed };
  }
}
