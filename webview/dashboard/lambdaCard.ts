/**
 * The chart of a closed-form fit's candidates: validation NDCG@100 against lambda (log axis) for every
 * overlaid EASE run, one point per lambda tried, the chosen one the highest. Shown only while an
 * overlaid run has such lines; the x-axis and smoothing controls of the training curves do not apply.
 */
import uPlot from 'uplot';
import { el } from '../shared/dom';
import type { ChartRun } from './chartCard';
import { formatValue } from './chartCard';
import type { ChartTheme } from './theme';
import { fitCurve, type XY } from './transforms';

const PLOT_HEIGHT = 220;

export class LambdaCard {
  readonly element: HTMLElement;
  private readonly plotHost = el('div', { class: 'plot', role: 'img' });
  private readonly legend = el('ul', { class: 'legend', 'aria-label': 'Runs' });
  private plot: uPlot | undefined;
  private curves: { run: ChartRun; curve: XY }[] = [];

  constructor(private theme: ChartTheme) {
    const titleId = 'chart-title-lambda';
    this.element = el(
      'section',
      { class: 'chart-card', 'aria-labelledby': titleId, 'data-metric': 'lambda', 'data-points': '0', 'data-runs': '0' },
      el('header', {}, el('h3', { id: titleId }, 'Validation NDCG@100 against λ (EASE)')),
      this.plotHost,
      this.legend,
    );
    this.element.hidden = true;
    new ResizeObserver(() => this.resize()).observe(this.plotHost);
  }

  setRuns(runs: ChartRun[]): void {
    this.curves = runs.map((run) => ({ run, curve: fitCurve(run.lines) })).filter((c) => c.curve.x.length > 0);
    this.legend.replaceChildren(
      ...this.curves.map(({ run, curve }) => {
        const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
        swatch.style.backgroundColor = run.colour;
        const best = curve.y.indexOf(Math.max(...curve.y));
        return el('li', {}, swatch, `${run.label}: best λ ${curve.x[best]} (${formatValue(curve.y[best])})`);
      }),
    );
    this.rebuild();
  }

  /** Lines were appended: a run may have a new candidate. */
  dataChanged(runs: ChartRun[]): void {
    const points = runs.reduce((n, r) => n + fitCurve(r.lines).x.length, 0);
    if (String(points) !== this.element.dataset.points) this.setRuns(runs);
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.rebuild();
  }

  private resize(): void {
    const width = Math.floor(this.plotHost.clientWidth);
    if (!this.plot || width <= 0 || width === this.plot.width) return;
    this.plot.setSize({ width, height: PLOT_HEIGHT });
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    const points = this.curves.reduce((n, c) => n + c.curve.x.length, 0);
    this.element.dataset.points = String(points);
    this.element.dataset.runs = String(this.curves.length);
    this.element.hidden = this.curves.length === 0;
    if (this.curves.length === 0) return;
    this.plotHost.setAttribute('aria-label', `Validation NDCG@100 against lambda for ${this.curves.length} EASE run${this.curves.length === 1 ? '' : 's'}`);
    const axis = (label: string, size?: number): uPlot.Axis => ({
      label,
      ...(size ? { size } : {}),
      stroke: this.theme.text,
      font: this.theme.font,
      labelFont: this.theme.font,
      grid: { stroke: this.theme.grid, width: 1 },
      ticks: { stroke: this.theme.grid, width: 1 },
    });
    const series: uPlot.Series[] = [{ label: 'λ' }];
    for (const { run } of this.curves)
      series.push({ label: run.label, stroke: run.colour, width: 1.75, spanGaps: true, points: { show: true, size: 7, fill: run.colour } });
    const data = uPlot.join(this.curves.map(({ curve }) => [curve.x, curve.y] as uPlot.AlignedData));
    const width = Math.max(200, Math.floor(this.plotHost.clientWidth) || 600);
    this.plot = new uPlot(
      {
        width,
        height: PLOT_HEIGHT,
        series,
        legend: { show: false },
        scales: { x: { time: false, distr: 3, log: 10 } },
        axes: [axis('λ'), axis('', 64)],
        cursor: { drag: { x: false, y: false } },
      },
      data,
      this.plotHost,
    );
  }
}
