/**
 * The latent-space scatter: a plain canvas (thousands of points, redrawn on every zoom step), with
 * wheel zoom around the cursor, drag to pan, keyboard zoom/pan when focused, a hover tooltip naming
 * the nearest user and a click that opens that user. Colours run along a fixed perceptual ramp so
 * the meaning of a colour does not change with the theme.
 */
import { el } from '../shared/dom';

export interface ScatterData {
  users: string[];
  x: number[];
  y: number[];
  /** Per point, 0..1: position on the colour ramp. */
  value: number[];
  /** Text per point for the tooltip. */
  describe(i: number): string;
}

// Viridis at five stops: readable on dark and light backgrounds, and for most colour-vision deficiencies.
const RAMP: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function rampColour(t: number): string {
  const v = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(v));
  const f = v - i;
  const c = RAMP[i].map((a, k) => Math.round(a + (RAMP[i + 1][k] - a) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

const HOVER_RADIUS = 8;
const PADDING = 16;

export class Scatter {
  readonly element: HTMLElement;
  private readonly canvas = el('canvas', {
    class: 'scatter',
    tabindex: '0',
    role: 'img',
    'aria-label': 'Users in the latent space (PCA). Scroll or +/- to zoom, drag or arrow keys to pan, click a point to open that user.',
  });
  private readonly tooltip = el('div', { class: 'scatter-tooltip', role: 'status', hidden: true });
  private data: ScatterData | null = null;
  private highlighted: string | null = null;
  /** View transform on normalised data coordinates (0..1): screen = (n * scale + offset) * size. */
  private scale = 1;
  private offsetX = 0;
  private offsetY = 0;
  private drag: { x: number; y: number; moved: boolean } | null = null;
  private frame = 0;

  constructor(private readonly onPick: (user: string) => void) {
    this.element = el('div', { class: 'scatter-wrap' }, this.canvas, this.tooltip);
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('mousedown', (e) => (this.drag = { x: e.clientX, y: e.clientY, moved: false }));
    window.addEventListener('mouseup', (e) => this.onMouseUp(e));
    this.canvas.addEventListener('mousemove', (e) => this.onMouseMove(e));
    this.canvas.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.requestDraw()).observe(this.element);
  }

  setData(data: ScatterData | null): void {
    this.data = data;
    this.canvas.dataset.points = String(data?.users.length ?? 0);
    this.requestDraw();
  }

  highlight(user: string | null): void {
    this.highlighted = user;
    this.requestDraw();
  }

  resetView(): void {
    this.scale = 1;
    this.offsetX = 0;
    this.offsetY = 0;
    this.requestDraw();
  }

  private bounds(): { minX: number; minY: number; spanX: number; spanY: number } {
    const d = this.data;
    if (!d || d.x.length === 0) return { minX: 0, minY: 0, spanX: 1, spanY: 1 };
    let minX = Infinity,
      maxX = -Infinity,
      minY = Infinity,
      maxY = -Infinity;
    for (let i = 0; i < d.x.length; i++) {
      minX = Math.min(minX, d.x[i]);
      maxX = Math.max(maxX, d.x[i]);
      minY = Math.min(minY, d.y[i]);
      maxY = Math.max(maxY, d.y[i]);
    }
    return { minX, minY, spanX: maxX - minX || 1, spanY: maxY - minY || 1 };
  }

  /** Screen position (CSS pixels) of every point. */
  private project(): { px: Float32Array; py: Float32Array; width: number; height: number } {
    const d = this.data;
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    const n = d?.x.length ?? 0;
    const px = new Float32Array(n);
    const py = new Float32Array(n);
    if (!d) return { px, py, width, height };
    const b = this.bounds();
    const w = width - 2 * PADDING;
    const h = height - 2 * PADDING;
    for (let i = 0; i < n; i++) {
      const nx = (d.x[i] - b.minX) / b.spanX;
      const ny = 1 - (d.y[i] - b.minY) / b.spanY; // y up, as in a chart
      px[i] = PADDING + (nx * this.scale + this.offsetX) * w;
      py[i] = PADDING + (ny * this.scale + this.offsetY) * h;
    }
    return { px, py, width, height };
  }

  private requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const ratio = window.devicePixelRatio || 1;
    const { px, py, width, height } = this.project();
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const d = this.data;
    if (!d) return;
    const radius = Math.max(1.5, Math.min(4, 2 * Math.sqrt(this.scale)));
    let current = -1;
    for (let i = 0; i < px.length; i++) {
      if (px[i] < -radius || py[i] < -radius || px[i] > width + radius || py[i] > height + radius) continue;
      if (d.users[i] === this.highlighted) current = i;
      ctx.fillStyle = rampColour(d.value[i]);
      ctx.globalAlpha = 0.8;
      ctx.beginPath();
      ctx.arc(px[i], py[i], radius, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    // Where the current user is drawn, for tests that hover and click it (CSS px in the canvas).
    if (current >= 0) {
      this.canvas.dataset.currentX = px[current].toFixed(1);
      this.canvas.dataset.currentY = py[current].toFixed(1);
    } else {
      delete this.canvas.dataset.currentX;
      delete this.canvas.dataset.currentY;
    }
    if (current >= 0) {
      ctx.strokeStyle = getComputedStyle(document.body).getPropertyValue('--vscode-focusBorder').trim() || '#0078d4';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(px[current], py[current], radius + 5, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  private nearest(clientX: number, clientY: number): number {
    const rect = this.canvas.getBoundingClientRect();
    const x = clientX - rect.left;
    const y = clientY - rect.top;
    const { px, py } = this.project();
    let best = -1;
    let bestDist = HOVER_RADIUS * HOVER_RADIUS;
    for (let i = 0; i < px.length; i++) {
      const dd = (px[i] - x) ** 2 + (py[i] - y) ** 2;
      // On a tie (points drawn on top of each other) the current user wins: it is the one ringed.
      if (dd < bestDist || (dd === bestDist && (best < 0 || this.data?.users[i] === this.highlighted))) {
        bestDist = dd;
        best = i;
      }
    }
    return best;
  }

  /** Zooms by `factor` keeping the screen point (sx, sy) in place. */
  private zoom(factor: number, sx: number, sy: number): void {
    const w = this.canvas.clientWidth - 2 * PADDING;
    const h = this.canvas.clientHeight - 2 * PADDING;
    const next = Math.min(200, Math.max(0.5, this.scale * factor));
    const f = next / this.scale;
    const ux = (sx - PADDING) / w;
    const uy = (sy - PADDING) / h;
    this.offsetX = ux - (ux - this.offsetX) * f;
    this.offsetY = uy - (uy - this.offsetY) * f;
    this.scale = next;
    this.requestDraw();
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const rect = this.canvas.getBoundingClientRect();
    this.zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - rect.left, e.clientY - rect.top);
  }

  private onMouseMove(e: MouseEvent): void {
    if (this.drag && (e.buttons & 1) === 1) {
      const dx = e.clientX - this.drag.x;
      const dy = e.clientY - this.drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) this.drag.moved = true;
      if (this.drag.moved) {
        this.offsetX += dx / (this.canvas.clientWidth - 2 * PADDING);
        this.offsetY += dy / (this.canvas.clientHeight - 2 * PADDING);
        this.drag.x = e.clientX;
        this.drag.y = e.clientY;
        this.tooltip.hidden = true;
        this.requestDraw();
        return;
      }
    }
    const i = this.nearest(e.clientX, e.clientY);
    if (i < 0 || !this.data) {
      this.tooltip.hidden = true;
      this.canvas.style.cursor = this.drag ? 'grabbing' : 'grab';
      return;
    }
    this.canvas.style.cursor = 'pointer';
    const rect = this.element.getBoundingClientRect();
    this.tooltip.textContent = this.data.describe(i);
    this.tooltip.hidden = false;
    // Flipped to the other side of the cursor near the right and bottom edges, so it stays readable.
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const flipX = x + 12 + this.tooltip.offsetWidth > rect.width;
    const flipY = y + 12 + this.tooltip.offsetHeight > rect.height;
    this.tooltip.style.left = `${flipX ? x - 12 - this.tooltip.offsetWidth : x + 12}px`;
    this.tooltip.style.top = `${flipY ? y - 12 - this.tooltip.offsetHeight : y + 12}px`;
  }

  private onMouseUp(e: MouseEvent): void {
    const drag = this.drag;
    this.drag = null;
    if (!drag || drag.moved || e.target !== this.canvas || !this.data) return;
    const i = this.nearest(e.clientX, e.clientY);
    if (i >= 0) this.onPick(this.data.users[i]);
  }

  private onKey(e: KeyboardEvent): void {
    const cx = this.canvas.clientWidth / 2;
    const cy = this.canvas.clientHeight / 2;
    const step = 0.1;
    const actions: Record<string, () => void> = {
      '+': () => this.zoom(1.25, cx, cy),
      '=': () => this.zoom(1.25, cx, cy),
      '-': () => this.zoom(0.8, cx, cy),
      '0': () => this.resetView(),
      ArrowLeft: () => (this.offsetX += step),
      ArrowRight: () => (this.offsetX -= step),
      ArrowUp: () => (this.offsetY += step),
      ArrowDown: () => (this.offsetY -= step),
    };
    const act = actions[e.key];
    if (!act) return;
    e.preventDefault();
    act();
    this.requestDraw();
  }
}
