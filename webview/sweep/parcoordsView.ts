/**
 * The parallel-coordinates plot on a canvas: one axis per varying parameter and one for the metric,
 * a line per trial coloured by its metric (trials outside the brushes faint grey). Drag along an
 * axis to brush it (a click on the axis clears its brush), hover a line to highlight its trial
 * everywhere, click a line to open its run. Axis names are HTML labels above the canvas (readable by
 * screen readers and tests, `data-axis-key`); the geometry is parcoordsModel's.
 */
import { rampColour } from '../inspector/scatter';
import { el } from '../shared/dom';
import type { ChartTheme } from '../dashboard/theme';
import { axisAt, axisX, brushExtent, brushFromDrag, position, ticks, trialAt, yOf, type Axis, type Brush, type Layout } from './parcoordsModel';
import { METRIC_AXIS, type SweepModel, type TrialLine } from './sweepModel';
import { formatNumber } from './trialTableModel';

export interface ParcoordsEvents {
  onBrush(key: string, brush: Brush | undefined): void;
  onHover(index: number | null): void;
  onOpen(index: number): void;
}

const HEIGHT = 300;
const MARGIN = { top: 16, bottom: 24, left: 70, right: 70 };

export class ParcoordsView {
  readonly element: HTMLElement;
  private readonly canvas = el('canvas', {
    class: 'parcoords-canvas',
    role: 'img',
    'aria-label': 'Parallel coordinates: one line per trial. Drag along an axis to filter, click an axis to clear its filter, click a line to open its run.',
  });
  private readonly labels = el('div', { class: 'parcoords-labels' });
  private highlighted: number | null = null;
  private drag: { axis: number; y0: number; y1: number } | null = null;
  private press: { x: number; y: number } | null = null;
  private frame = 0;
  private dragFrame = 0;
  private width = 800;

  constructor(
    private readonly model: SweepModel,
    private theme: ChartTheme,
    private readonly events: ParcoordsEvents,
  ) {
    this.element = el('div', { class: 'parcoords' }, this.labels, this.canvas);
    this.canvas.addEventListener('mousedown', (e) => this.onDown(e));
    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    window.addEventListener('mouseup', (e) => this.onUp(e));
    this.canvas.addEventListener('mouseleave', () => !this.drag && this.setHover(null, true));
    new ResizeObserver(() => this.requestDraw()).observe(this.element);
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.requestDraw();
  }

  highlight(index: number | null): void {
    if (index === this.highlighted) return;
    this.highlighted = index;
    this.requestDraw();
  }

  /** The data or the brushes changed. */
  update(): void {
    this.renderLabels();
    this.requestDraw();
  }

  private layout(): Layout {
    return { width: this.width, height: HEIGHT, ...MARGIN };
  }

  private renderLabels(): void {
    const axes = this.model.axes;
    const layout = this.layout();
    this.labels.replaceChildren(
      ...axes.map((a, i) => {
        const brushed = this.model.brushes[a.key] !== undefined;
        const label = el(
          'span',
          { class: `axis-label${brushed ? ' brushed' : ''}${a.key === METRIC_AXIS ? ' metric' : ''}`, 'data-axis-key': a.key, title: `${a.label} (${a.kind})` },
          a.label,
        );
        label.style.left = `${axisX(layout, i, axes.length)}px`;
        return label;
      }),
    );
  }

  private offset(e: MouseEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private onDown(e: MouseEvent): void {
    const p = this.offset(e);
    const axis = axisAt(this.layout(), this.model.axes.length, p.x);
    if (axis !== undefined) this.drag = { axis, y0: p.y, y1: p.y };
    else this.press = p;
    e.preventDefault();
  }

  private onMove(e: MouseEvent): void {
    const p = this.offset(e);
    if (this.drag) {
      // The brush follows the pointer once a frame, however many moves came in between.
      this.drag.y1 = p.y;
      if (this.dragFrame === 0)
        this.dragFrame = requestAnimationFrame(() => {
          this.dragFrame = 0;
          this.applyDrag();
        });
      return;
    }
    const kept = this.model.lines.filter((l) => this.model.kept.has(l.trial.index));
    const hit = trialAt(kept, this.model.axes, this.layout(), p.x, p.y);
    this.setHover(hit ? hit.trial.index : null, true);
    this.canvas.style.cursor = axisAt(this.layout(), this.model.axes.length, p.x) !== undefined ? 'ns-resize' : hit ? 'pointer' : 'default';
  }

  private onUp(e: MouseEvent): void {
    if (this.drag) {
      cancelAnimationFrame(this.dragFrame);
      this.dragFrame = 0;
      this.drag.y1 = this.offset(e).y;
      this.applyDrag();
      this.drag = null;
      return;
    }
    const press = this.press;
    this.press = null;
    if (!press || e.target !== this.canvas) return;
    const p = this.offset(e);
    if (Math.hypot(p.x - press.x, p.y - press.y) > 3) return;
    const kept = this.model.lines.filter((l) => this.model.kept.has(l.trial.index));
    const hit = trialAt(kept, this.model.axes, this.layout(), p.x, p.y);
    if (hit) this.events.onOpen(hit.trial.index);
  }

  private applyDrag(): void {
    if (!this.drag) return;
    const axis = this.model.axes[this.drag.axis];
    if (!axis) return;
    this.events.onBrush(axis.key, brushFromDrag(axis, this.layout(), this.drag.y0, this.drag.y1));
  }

  private setHover(index: number | null, notify: boolean): void {
    if (index === this.highlighted) return;
    this.highlight(index);
    if (notify) this.events.onHover(index);
  }

  private requestDraw(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Draws now (the bench times this). */
  draw(): void {
    this.frame = 0;
    const width = Math.max(320, this.element.clientWidth);
    if (width !== this.width) {
      this.width = width;
      this.renderLabels();
    }
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(HEIGHT * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${HEIGHT}px`;
    this.canvas.dataset.kept = String(this.model.kept.size);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    const layout = this.layout();
    const axes = this.model.axes;
    const metricAxis = axes[axes.length - 1];
    const colourOf = (l: TrialLine) => {
      const t = metricAxis ? position(metricAxis, l.values[METRIC_AXIS]) : undefined;
      return t === undefined ? this.theme.text : rampColour(t);
    };
    const out = this.model.lines.filter((l) => !this.model.kept.has(l.trial.index));
    const kept = this.model.lines.filter((l) => this.model.kept.has(l.trial.index));
    ctx.lineWidth = 1;
    ctx.globalAlpha = 0.15;
    ctx.strokeStyle = this.theme.text;
    for (const l of out) this.line(ctx, l, axes, layout);
    ctx.globalAlpha = kept.length > 200 ? 0.45 : 0.8;
    for (const l of kept) {
      ctx.strokeStyle = colourOf(l);
      this.line(ctx, l, axes, layout);
    }
    ctx.globalAlpha = 1;
    const hl = this.highlighted !== null ? this.model.lines[this.highlighted] : undefined;
    if (hl) {
      ctx.lineWidth = 3;
      ctx.strokeStyle = colourOf(hl);
      this.line(ctx, hl, axes, layout);
    }
    axes.forEach((a, i) => this.axis(ctx, a, axisX(layout, i, axes.length), layout));
  }

  private line(ctx: CanvasRenderingContext2D, l: TrialLine, axes: readonly Axis[], layout: Layout): void {
    ctx.beginPath();
    let pen = false;
    axes.forEach((a, i) => {
      const t = position(a, l.values[a.key]);
      if (t === undefined) {
        pen = false;
        return;
      }
      const x = axisX(layout, i, axes.length);
      const y = yOf(layout, t);
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    });
    ctx.stroke();
  }

  private axis(ctx: CanvasRenderingContext2D, a: Axis, x: number, layout: Layout): void {
    ctx.strokeStyle = this.theme.text;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, yOf(layout, 0));
    ctx.lineTo(x, yOf(layout, 1));
    ctx.stroke();
    const brush = this.model.brushes[a.key];
    const extent = brush ? brushExtent(a, brush) : undefined;
    if (extent) {
      ctx.fillStyle = 'rgba(80, 160, 255, 0.3)';
      ctx.strokeStyle = 'rgba(80, 160, 255, 0.9)';
      const [y0, y1] = [yOf(layout, extent[1]), yOf(layout, extent[0])];
      ctx.fillRect(x - 8, y0 - 2, 16, y1 - y0 + 4);
      ctx.strokeRect(x - 8, y0 - 2, 16, y1 - y0 + 4);
    }
    ctx.fillStyle = this.theme.text;
    ctx.font = this.theme.font;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    const marks: [number, string][] =
      a.kind === 'categorical'
        ? a.categories.map((c) => [position(a, c) ?? 0, c])
        : ticks(a, 4).map((v) => [position(a, v) ?? 0, formatNumber(v, 4)] as [number, string]);
    for (const [t, text] of marks) {
      ctx.fillText(text, x - 5, yOf(layout, t));
      ctx.fillRect(x - 3, yOf(layout, t), 3, 1);
    }
  }
}
