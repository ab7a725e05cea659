/**
 * Every trial's validation curve overlaid (uPlot): the sweep's metric against the epoch, a line per
 * trial coloured by its best metric, the trials outside the brushes hidden, ASHA's rungs marked as
 * dashed verticals and each stopped trial's last point crossed. Hovering a curve focuses it (and
 * highlights its trial everywhere); a highlight from elsewhere focuses it here.
 */
import uPlot from 'uplot';
import type { ChartTheme } from '../dashboard/theme';
import { rampColour } from '../inspector/scatter';
import { el } from '../shared/dom';
import { position } from './parcoordsModel';
import { METRIC_AXIS, type SweepModel } from './sweepModel';

export interface CurvesEvents {
  onHover(index: number | null): void;
}

const HEIGHT = 260;

/** Aligned uPlot data from curves: x = every epoch any curve has, one series per trial (null where it has no point). */
export function alignCurves(curves: ReadonlyMap<number, readonly [number, number][]>, trials: readonly number[]): uPlot.AlignedData {
  const epochs = [...new Set(trials.flatMap((i) => (curves.get(i) ?? []).map((p) => p[0])))].sort((a, b) => a - b);
  const row = new Map(epochs.map((e, k) => [e, k]));
  const series = trials.map((i) => {
    const ys: (number | null)[] = new Array(epochs.length).fill(null);
    for (const [e, v] of curves.get(i) ?? []) ys[row.get(e) as number] = v;
    return ys;
  });
  return [epochs, ...series];
}

export class CurvesView {
  readonly element: HTMLElement;
  private readonly host = el('div', { class: 'curves-plot' });
  private plot: uPlot | undefined;
  /** uPlot series s (from 1) is trial order[s - 1]. */
  private order: number[] = [];
  private highlighted: number | null = null;
  private quiet = false;
  /** From the ResizeObserver: reading clientWidth here would force a layout of the whole page (hundreds of table rows). */
  private plotWidth = 600;
  private frame = 0;
  private pending: 'filter' | 'data' | 'rebuild' | undefined;

  constructor(
    private readonly model: SweepModel,
    private theme: ChartTheme,
    private readonly events: CurvesEvents,
  ) {
    this.element = el('div', { class: 'curves' }, this.host);
    new ResizeObserver((entries) => {
      const width = Math.max(320, Math.floor(entries[entries.length - 1].contentRect.width));
      if (width === this.plotWidth) return;
      this.plotWidth = width;
      this.plot?.setSize({ width, height: HEIGHT });
    }).observe(this.element);
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.rebuild();
  }

  /** New curves, or new data (colours, stopped trials, rungs): redrawn in the next frame, once however many updates came. */
  update(): void {
    const order = [...this.model.curves.keys()].filter((i) => this.model.trial(i)).sort((a, b) => a - b);
    const same = this.plot !== undefined && order.join(',') === this.order.join(',');
    this.order = order;
    this.schedule(same ? 'data' : 'rebuild');
  }

  /** The brushes changed: only the trials they keep are shown (in the next frame). */
  applyFilter(): void {
    this.schedule('filter');
  }

  private schedule(work: 'filter' | 'data' | 'rebuild'): void {
    const rank = { filter: 0, data: 1, rebuild: 2 } as const;
    if (this.pending === undefined || rank[work] > rank[this.pending]) this.pending = work;
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const pending = this.pending;
      this.pending = undefined;
      if (pending === 'rebuild' || !this.plot) this.rebuild();
      else {
        if (pending === 'data') this.plot.setData(alignCurves(this.model.curves, this.order));
        this.showKept();
      }
    });
  }

  private showKept(): void {
    const plot = this.plot;
    if (!plot) return;
    this.quiet = true;
    plot.batch(() => {
      this.order.forEach((index, s) => {
        const show = this.model.kept.has(index);
        if (plot.series[s + 1].show !== show) plot.setSeries(s + 1, { show }, false);
      });
    });
    this.quiet = false;
    this.element.dataset.shown = String(this.order.filter((i) => this.model.kept.has(i)).length);
  }

  highlight(index: number | null): void {
    if (index === this.highlighted) return;
    this.highlighted = index;
    const s = index === null ? -1 : this.order.indexOf(index);
    this.quiet = true;
    this.plot?.setSeries(s >= 0 ? s + 1 : null, { focus: s >= 0 }, false);
    this.quiet = false;
  }

  private colour(index: number): string {
    const axis = this.model.axes.find((a) => a.key === METRIC_AXIS);
    const t = axis ? position(axis, this.model.lines[index]?.values[METRIC_AXIS]) : undefined;
    return t === undefined ? this.theme.text : rampColour(t);
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    const data = this.model.data;
    if (!data || this.order.length === 0) {
      this.host.replaceChildren(el('p', { class: 'empty' }, 'No validation curve yet: trials write one as they evaluate.'));
      return;
    }
    this.host.replaceChildren();
    const axis = { stroke: this.theme.text, grid: { stroke: this.theme.grid }, ticks: { stroke: this.theme.grid }, font: this.theme.font };
    const options: uPlot.Options = {
      width: this.plotWidth,
      height: HEIGHT,
      legend: { show: false },
      focus: { alpha: 0.15 },
      // No hover point per series: uPlot would make a DOM element for each of hundreds of trials.
      cursor: { focus: { prox: 12 }, drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false } },
      axes: [
        { ...axis, label: 'epoch' },
        { ...axis, label: data.sweep.metric.name, size: 60 },
      ],
      series: [
        { label: 'epoch' },
        ...this.order.map((i) => ({ label: `trial ${i}`, stroke: this.colour(i), width: 1.25, spanGaps: true, points: { show: false } })),
      ],
      hooks: {
        draw: [(u) => this.drawMarks(u)],
        // Without a legend the only series changes the user makes are focus changes under the cursor.
        setSeries: [(_u, s) => !this.quiet && this.events.onHover(s === null ? null : (this.order[s - 1] ?? null))],
      },
    };
    this.plot = new uPlot(options, alignCurves(this.model.curves, this.order), this.host);
    this.showKept();
  }

  /** ASHA's rungs (dashed, labelled) and a cross at each shown stopped trial's last point. */
  private drawMarks(u: uPlot): void {
    const data = this.model.data;
    if (!data) return;
    const ctx = u.ctx;
    const dpr = window.devicePixelRatio || 1;
    const { top, height } = u.bbox;
    ctx.save();
    ctx.strokeStyle = this.theme.text;
    ctx.fillStyle = this.theme.text;
    ctx.font = this.theme.font.replace(/^(\d+)px/, (_m, px: string) => `${Number(px) * dpr}px`);
    ctx.setLineDash([4 * dpr, 4 * dpr]);
    data.sweep.rungEpochs.forEach((epoch, k) => {
      const x = u.valToPos(epoch, 'x', true);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.fillText(`rung ${k}`, x + 3 * dpr, top + 12 * dpr);
    });
    ctx.setLineDash([]);
    const r = 3 * dpr;
    for (const index of this.order) {
      const t = this.model.trial(index);
      const last = this.model.curves.get(index)?.at(-1);
      if (!t || t.status !== 'stopped' || !last || !this.model.kept.has(index)) continue;
      const [x, y] = [u.valToPos(last[0], 'x', true), u.valToPos(last[1], 'y', true)];
      ctx.strokeStyle = this.colour(index);
      ctx.beginPath();
      ctx.moveTo(x - r, y - r);
      ctx.lineTo(x + r, y + r);
      ctx.moveTo(x + r, y - r);
      ctx.lineTo(x - r, y + r);
      ctx.stroke();
    }
    ctx.restore();
  }
}
