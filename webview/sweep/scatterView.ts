/**
 * The metric against each varying parameter: one small canvas per parameter, a point per trial with
 * a metric (trials outside the brushes faint), on the same scales as the parallel-coordinates axes
 * (log for parameters spanning decades, categories spread evenly). Hover highlights the trial
 * everywhere; click opens its run.
 */
import { rampColour } from '../inspector/scatter';
import type { ChartTheme } from '../dashboard/theme';
import { el } from '../shared/dom';
import { position, ticks, type Axis } from './parcoordsModel';
import { METRIC_AXIS, type SweepModel } from './sweepModel';
import { formatNumber } from './trialTableModel';

export interface ScatterEvents {
  onHover(index: number | null): void;
  onOpen(index: number): void;
}

const W = 260;
const H = 180;
const PAD = { left: 48, right: 10, top: 10, bottom: 30 };
const HIT = 6;

interface Card {
  axis: Axis;
  canvas: HTMLCanvasElement;
}

export class ScatterView {
  readonly element = el('div', { class: 'scatter-grid' });
  private cards: Card[] = [];
  private highlighted: number | null = null;
  private frame = 0;

  constructor(
    private readonly model: SweepModel,
    private theme: ChartTheme,
    private readonly events: ScatterEvents,
  ) {}

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.requestDraw();
  }

  /** The axes changed: one card per parameter axis. */
  update(): void {
    const params = this.model.axes.filter((a) => a.key !== METRIC_AXIS);
    this.cards = params.map((axis) => {
      const canvas = el('canvas', {
        class: 'scatter-canvas',
        role: 'img',
        'aria-label': `${this.metricLabel()} against ${axis.label}`,
        'data-parameter': axis.key,
      });
      canvas.addEventListener('mousemove', (e) => this.events.onHover(this.hit(axis, canvas, e)));
      canvas.addEventListener('mouseleave', () => this.events.onHover(null));
      canvas.addEventListener('click', (e) => {
        const i = this.hit(axis, canvas, e);
        if (i !== null) this.events.onOpen(i);
      });
      return { axis, canvas };
    });
    this.element.replaceChildren(
      ...this.cards.map((c) => el('figure', { class: 'scatter-card' }, c.canvas, el('figcaption', {}, `${this.metricLabel()} vs ${c.axis.label}`))),
    );
    this.requestDraw();
  }

  highlight(index: number | null): void {
    if (index === this.highlighted) return;
    this.highlighted = index;
    this.requestDraw();
  }

  requestDraw(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.draw());
  }

  private metricLabel(): string {
    return this.model.data?.sweep.metric.name ?? 'metric';
  }

  private metricAxis(): Axis | undefined {
    return this.model.axes.find((a) => a.key === METRIC_AXIS);
  }

  private xy(axis: Axis, index: number): { x: number; y: number } | undefined {
    const line = this.model.lines[index];
    const m = this.metricAxis();
    if (!line || !m) return undefined;
    const tx = position(axis, line.values[axis.key]);
    const ty = position(m, line.values[METRIC_AXIS]);
    if (tx === undefined || ty === undefined) return undefined;
    return { x: PAD.left + tx * (W - PAD.left - PAD.right), y: H - PAD.bottom - ty * (H - PAD.top - PAD.bottom) };
  }

  private hit(axis: Axis, canvas: HTMLCanvasElement, e: MouseEvent): number | null {
    const r = canvas.getBoundingClientRect();
    const [px, py] = [e.clientX - r.left, e.clientY - r.top];
    let best: number | null = null;
    let bestD = HIT;
    for (const l of this.model.lines) {
      if (!this.model.kept.has(l.trial.index)) continue;
      const p = this.xy(axis, l.trial.index);
      const d = p ? Math.hypot(p.x - px, p.y - py) : Infinity;
      if (d <= bestD) [best, bestD] = [l.trial.index, d];
    }
    return best;
  }

  private draw(): void {
    this.frame = 0;
    const dpr = window.devicePixelRatio || 1;
    const m = this.metricAxis();
    for (const { axis, canvas } of this.cards) {
      canvas.width = W * dpr;
      canvas.height = H * dpr;
      canvas.style.width = `${W}px`;
      canvas.style.height = `${H}px`;
      const ctx = canvas.getContext('2d');
      if (!ctx || !m) continue;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.font = this.theme.font;
      ctx.fillStyle = this.theme.text;
      ctx.strokeStyle = this.theme.grid;
      ctx.strokeRect(PAD.left, PAD.top, W - PAD.left - PAD.right, H - PAD.top - PAD.bottom);
      this.axisMarks(ctx, axis, m);
      for (const l of this.model.lines) {
        const p = this.xy(axis, l.trial.index);
        if (!p) continue;
        const kept = this.model.kept.has(l.trial.index);
        ctx.globalAlpha = kept ? 0.85 : 0.15;
        ctx.fillStyle = kept ? rampColour(position(m, l.values[METRIC_AXIS]) ?? 0) : this.theme.text;
        ctx.beginPath();
        ctx.arc(p.x, p.y, 3, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      const h = this.highlighted !== null ? this.xy(axis, this.highlighted) : undefined;
      if (h) {
        ctx.strokeStyle = this.theme.text;
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(h.x, h.y, 6, 0, 2 * Math.PI);
        ctx.stroke();
        ctx.lineWidth = 1;
      }
    }
  }

  private axisMarks(ctx: CanvasRenderingContext2D, x: Axis, y: Axis): void {
    const marks = (a: Axis): [number, string][] =>
      a.kind === 'categorical' ? a.categories.map((c) => [position(a, c) ?? 0, c]) : ticks(a, 3).map((v) => [position(a, v) ?? 0, formatNumber(v, 4)]);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const [t, text] of marks(x)) ctx.fillText(text, PAD.left + t * (W - PAD.left - PAD.right), H - PAD.bottom + 4);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const [t, text] of marks(y)) ctx.fillText(text, PAD.left - 4, H - PAD.bottom - t * (H - PAD.top - PAD.bottom));
  }
}
