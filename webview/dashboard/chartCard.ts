/**
 * One metric chart (uPlot) with every overlaid run: the smoothed line in the run's colour over its
 * faint raw line, a legend, a hover tooltip, a log-y toggle and drag-to-zoom. Full-resolution data
 * is kept; what is drawn is re-downsampled to ~2 points per pixel of the visible x range, so
 * 100k-point runs stay smooth and zooming in reveals the detail.
 */
import uPlot from 'uplot';
import type { MetricsLine } from '../../src/shared/runSchema';
import { el } from '../shared/dom';
import { smoothingOf, xIncrements, type MetricSpec } from './chartMetrics';
import { withAlpha } from './palette';
import type { ChartTheme } from './theme';
import { downsampleMinMax, keyboardZoom, nearestIndex, SeriesBuilder, type ChartMetric, type XAxis, type XRange } from './transforms';

export interface ChartRun {
  id: string;
  /** Run name and model, as the legend shows it. */
  label: string;
  colour: string;
  stepsPerEpoch?: number;
  /** Passes whose steps the loss curves leave out (offCurvePasses in the registry). */
  offCurvePasses?: ReadonlySet<string>;
  /** The run's full series; the store appends to this array in place. */
  lines: MetricsLine[];
  /**
   * A kind fitted in one pass (the popularity baseline): no training curves; its validation NDCG@100
   * is drawn as a flat dashed line across the other runs on that chart.
   */
  fitted?: { valNdcg?: number };
}

export interface ChartSettings {
  xAxis: XAxis;
  smoothing: number;
}

const PLOT_HEIGHT = 220;
const RAW_ALPHA = 0.25;

const AXIS_LABELS: Record<XAxis, string> = { step: 'Step', epoch: 'Epoch', time: 'Wall time (s)' };

/** A run's drawable points, raw and smoothed, at full resolution; extended as lines arrive. */
interface PreparedRun {
  run: ChartRun;
  series: SeriesBuilder;
}

export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(5)));
}

function formatX(x: number, axis: XAxis): string {
  switch (axis) {
    case 'step':
      return `step ${Math.round(x)}`;
    case 'epoch':
      return `epoch ${x.toFixed(2)}`;
    case 'time':
      return `${x.toFixed(1)} s`;
  }
}

export class ChartCard {
  readonly element: HTMLElement;
  // Focusable so zoom and pan work from the keyboard (see keyboardZoom).
  private readonly plotHost = el('div', { class: 'plot', role: 'img', tabindex: '0', 'aria-keyshortcuts': '+ - ArrowLeft ArrowRight 0 Escape' });
  private readonly legend = el('ul', { class: 'legend', 'aria-label': 'Runs' });
  private readonly empty = el('p', { class: 'chart-empty' });
  // Mouse-only detail: hidden from screen readers, which get the card's summary label and the table's figures.
  private readonly tooltip = el('div', { class: 'chart-tooltip', 'aria-hidden': 'true' });
  private readonly resetZoomButton = el(
    'vscode-button',
    { secondary: true, hidden: true, title: 'Show the whole x range (or double-click the chart, or press 0 on it)' },
    'Reset zoom',
  );
  private readonly logToggle = el('vscode-checkbox', {}, 'Log y');
  private plot: uPlot | undefined;
  private runs: ChartRun[] = [];
  /** Rebuilt from scratch when the runs, x axis, smoothing or log-y change; extended otherwise. */
  private prepared: PreparedRun[] = [];
  private frame = 0;
  private zoom: { min: number; max: number } | undefined;

  constructor(
    private readonly spec: MetricSpec,
    private settings: ChartSettings,
    private logY: boolean,
    private theme: ChartTheme,
    onLogYChange: (metric: ChartMetric, logY: boolean) => void,
  ) {
    const titleId = `chart-title-${spec.metric.replace(/[^a-z0-9]/gi, '-')}`;
    this.logToggle.checked = logY;
    this.logToggle.setAttribute('aria-label', `Logarithmic y axis for ${spec.title}`);
    this.logToggle.addEventListener('change', () => {
      this.logY = this.logToggle.checked;
      onLogYChange(spec.metric, this.logY);
      this.rebuild();
    });
    this.resetZoomButton.addEventListener('click', () => this.resetZoom());
    this.tooltip.hidden = true;
    const header = el('header', {}, el('h3', { id: titleId }, spec.title), el('span', { class: 'spacer' }), this.resetZoomButton, this.logToggle);
    this.element = el(
      'section',
      { class: 'chart-card', 'aria-labelledby': titleId, 'data-metric': spec.metric, 'data-points': '0', 'data-runs': '0' },
      header,
      this.plotHost,
      this.empty,
      this.legend,
    );
    new ResizeObserver(() => this.resize()).observe(this.plotHost);
    this.plotHost.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Replaces the overlaid runs (selection, names or colours changed): rebuilds the plot's series. */
  setRuns(runs: ChartRun[]): void {
    this.runs = runs;
    this.renderLegend();
    this.rebuild();
  }

  setSettings(settings: ChartSettings): void {
    if (settings.xAxis !== this.settings.xAxis) {
      this.zoom = undefined;
      this.settings = settings;
      this.rebuild();
      return;
    }
    this.settings = settings;
    this.prepared = [];
    this.scheduleDraw();
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.rebuild();
  }

  /** New lines were appended to some run: redraw on the next frame (one setData, not a rebuild). */
  dataChanged(): void {
    this.scheduleDraw();
  }

  private scheduleDraw(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Brings every run's points up to date with its lines (only the new lines are processed). */
  private prepare(): void {
    if (this.prepared.length !== this.runs.length) {
      const { xAxis, smoothing } = this.settings;
      this.prepared = this.runs.map((run) => ({
        run,
        series: new SeriesBuilder(
          this.spec.metric,
          xAxis,
          { stepsPerEpoch: run.stepsPerEpoch, offCurvePasses: run.offCurvePasses },
          smoothingOf(this.spec, smoothing),
          this.logY,
        ),
      }));
    }
    for (const p of this.prepared) p.series.update(p.run.lines);
  }

  /** uPlot data: x, then every run's raw line, then every smoothed line (drawn last, so on top). */
  private plotData(width: number): uPlot.AlignedData {
    const buckets = Math.max(50, Math.round(width));
    const tables: uPlot.AlignedData[] = [];
    const span = this.curveRange() ?? { min: 0, max: 1 };
    for (const key of ['raw', 'smoothed'] as const) {
      for (const p of this.prepared) {
        const flat = this.flatValue(p.run);
        if (flat !== undefined) {
          // A fitted run's one validation, level across the trained runs' x range.
          tables.push(
            key === 'smoothed'
              ? [
                  [span.min, span.max],
                  [flat, flat],
                ]
              : [[], []],
          );
          continue;
        }
        const d = downsampleMinMax(p.series[key], buckets, this.zoom);
        tables.push([d.x, d.y]);
      }
    }
    return tables.length > 0 ? uPlot.join(tables) : [[]];
  }

  /** The flat line of a fitted run on this chart (validation NDCG only), if it has one to draw. */
  private flatValue(run: ChartRun): number | undefined {
    const v = this.spec.metric === 'val_ndcg@100' ? run.fitted?.valNdcg : undefined;
    return v !== undefined && Number.isFinite(v) && (!this.logY || v > 0) ? v : undefined;
  }

  /** A fitted run's entry in the legend and its hover text: what it has instead of a curve. */
  private fittedNote(run: ChartRun): string {
    return this.flatValue(run) !== undefined ? 'fitted in one pass: its validation NDCG@100, dashed' : 'fitted in one pass: no training curve';
  }

  private draw(): void {
    const plot = this.plot;
    if (!plot) return;
    this.prepare();
    const hasPoints = this.prepared.some((p) => p.series.smoothed.x.length > 0 || this.flatValue(p.run) !== undefined);
    // Full-resolution points of every overlaid run (what is drawn is downsampled from them): lets
    // tests and tools observe the curves grow without reading the canvas.
    this.element.dataset.points = String(this.prepared.reduce((n, p) => n + p.series.smoothed.x.length, 0));
    this.element.dataset.runs = String(this.prepared.length);
    const allFitted = this.runs.length > 0 && this.runs.every((r) => r.fitted);
    this.empty.textContent =
      this.runs.length === 0
        ? 'No runs overlaid: tick runs in the table below.'
        : hasPoints
          ? ''
          : allFitted
            ? 'The overlaid runs are fitted in one pass: no training curve.'
            : this.spec.emptyText;
    this.empty.hidden = hasPoints;
    this.plotHost.setAttribute(
      'aria-label',
      `${this.spec.title} against ${AXIS_LABELS[this.settings.xAxis].toLowerCase()} for ${this.runs.length} run${this.runs.length === 1 ? '' : 's'}; plus and minus zoom, arrows pan, 0 resets`,
    );
    const data = this.plotData(plot.width);
    const zoom = this.zoom;
    if (zoom) {
      plot.batch(() => {
        plot.setData(data, false);
        plot.setScale('x', zoom);
      });
    } else {
      plot.setData(data, true);
    }
    this.resetZoomButton.hidden = !zoom;
  }

  /** The x extent of everything drawn, whatever the zoom. */
  private fullRange(): XRange | undefined {
    return this.curveRange();
  }

  /** The x extent of the trained runs' curves (fitted runs have none). */
  private curveRange(): XRange | undefined {
    let min = Infinity;
    let max = -Infinity;
    for (const p of this.prepared) {
      for (const key of ['raw', 'smoothed'] as const) {
        const x = p.series[key].x;
        if (x.length === 0) continue;
        min = Math.min(min, x[0]);
        max = Math.max(max, x[x.length - 1]);
      }
    }
    return max > min ? { min, max } : undefined;
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const full = this.fullRange();
    if (!full) return;
    const next = keyboardZoom(e.key, this.zoom, full);
    if (next === null) return;
    e.preventDefault();
    this.zoom = next;
    this.draw();
  }

  private resetZoom(): void {
    this.zoom = undefined;
    this.draw();
  }

  private resize(): void {
    const width = Math.floor(this.plotHost.clientWidth);
    if (!this.plot || width <= 0 || width === this.plot.width) return;
    this.plot.setSize({ width, height: PLOT_HEIGHT });
    this.scheduleDraw();
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.prepared = [];
    const width = Math.max(200, Math.floor(this.plotHost.clientWidth) || 600);
    const series: uPlot.Series[] = [{ label: AXIS_LABELS[this.settings.xAxis] }];
    for (const key of ['raw', 'smoothed'] as const) {
      for (const run of this.runs) {
        series.push({
          label: key === 'raw' ? `${run.label} (raw)` : run.label,
          stroke: key === 'raw' ? withAlpha(run.colour, RAW_ALPHA) : run.colour,
          width: key === 'raw' ? 1 : this.theme.highContrast ? 2.5 : 1.75,
          spanGaps: true,
          points: { show: false },
          ...(run.fitted ? { dash: [6, 4] } : {}),
        });
      }
    }
    // Only set keys that have values: uPlot merges options over its defaults, and an explicit undefined would erase them.
    const incrs = xIncrements(this.settings.xAxis);
    const axis = (extra: Pick<uPlot.Axis, 'label' | 'size' | 'incrs'>): uPlot.Axis => ({
      ...extra,
      stroke: this.theme.text,
      font: this.theme.font,
      labelFont: this.theme.font,
      grid: { stroke: this.theme.grid, width: 1 },
      ticks: { stroke: this.theme.grid, width: 1 },
    });
    const options: uPlot.Options = {
      width,
      height: PLOT_HEIGHT,
      series,
      legend: { show: false },
      scales: { x: { time: false }, y: this.logY ? { distr: 3, log: 10 } : {} },
      axes: [axis({ label: AXIS_LABELS[this.settings.xAxis], ...(incrs ? { incrs } : {}) }), axis({ size: 64 })],
      cursor: {
        points: { show: false },
        // Zooming is done here (not by uPlot) so the zoomed range is re-downsampled at full detail.
        drag: { x: true, y: false, setScale: false },
        bind: {
          dblclick: () => () => {
            this.resetZoom();
            return null;
          },
        },
      },
      hooks: {
        setSelect: [(u) => this.onSelect(u)],
        setCursor: [(u) => this.updateTooltip(u)],
      },
    };
    this.plot = new uPlot(options, [[]], this.plotHost);
    this.plot.over.append(this.tooltip);
    this.draw();
  }

  private onSelect(u: uPlot): void {
    const { left, width } = u.select;
    if (width < 3) return;
    const min = u.posToVal(left, 'x');
    const max = u.posToVal(left + width, 'x');
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (!(max > min)) return;
    this.zoom = { min, max };
    this.draw();
  }

  private updateTooltip(u: uPlot): void {
    const left = u.cursor.left ?? -1;
    const top = u.cursor.top ?? -1;
    if (left < 0 || this.prepared.length === 0) {
      this.tooltip.hidden = true;
      return;
    }
    const x = u.posToVal(left, 'x');
    const rows: HTMLElement[] = [];
    for (const p of this.prepared) {
      const { raw, smoothed } = p.series;
      const flat = this.flatValue(p.run);
      const i = nearestIndex(smoothed.x, x);
      if (i < 0 && flat === undefined) continue;
      const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = p.run.colour;
      if (flat !== undefined) {
        rows.push(
          el(
            'div',
            { class: 'tooltip-row' },
            swatch,
            el('span', { class: 'tooltip-name' }, p.run.label),
            el('span', { class: 'tooltip-value' }, `${formatValue(flat)} (fitted)`),
          ),
        );
        continue;
      }
      const rawValue = smoothingOf(this.spec, this.settings.smoothing) > 0 ? raw.y[nearestIndex(raw.x, x)] : undefined;
      const value = formatValue(smoothed.y[i]) + (rawValue !== undefined ? ` (raw ${formatValue(rawValue)})` : '');
      rows.push(el('div', { class: 'tooltip-row' }, swatch, el('span', { class: 'tooltip-name' }, p.run.label), el('span', { class: 'tooltip-value' }, value)));
    }
    if (rows.length === 0) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.replaceChildren(el('div', { class: 'tooltip-x' }, formatX(x, this.settings.xAxis)), ...rows);
    this.tooltip.hidden = false;
    // Keep the box inside the plot: flip to the left of / above the cursor near the far edges.
    const box = this.tooltip.getBoundingClientRect();
    const overWidth = u.over.clientWidth;
    const overHeight = u.over.clientHeight;
    const tx = left + 14 + box.width > overWidth ? Math.max(0, left - 14 - box.width) : left + 14;
    const ty = top + 14 + box.height > overHeight ? Math.max(0, top - 14 - box.height) : top + 14;
    this.tooltip.style.transform = `translate(${Math.round(tx)}px, ${Math.round(ty)}px)`;
  }

  private renderLegend(): void {
    this.legend.replaceChildren(
      ...this.runs.map((run) => {
        const swatch = el('span', { class: run.fitted ? 'swatch dashed' : 'swatch', 'aria-hidden': 'true' });
        swatch.style.backgroundColor = run.colour;
        return el('li', {}, swatch, run.label, ...(run.fitted ? [el('span', { class: 'legend-note' }, ` (${this.fittedNote(run)})`)] : []));
      }),
    );
  }
}
