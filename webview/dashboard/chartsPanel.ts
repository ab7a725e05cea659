/**
 * The chart area: shared controls (x axis, smoothing) and one card per metric.
 */
import { ChartCard, type ChartRun, type ChartSettings } from './chartCard';
import { METRICS } from './chartMetrics';
import { LambdaCard } from './lambdaCard';
import { el } from '../shared/dom';
import type { ChartTheme } from './theme';
import { X_AXES, type ChartMetric, type XAxis } from './transforms';

const AXIS_OPTION_LABELS: Record<XAxis, string> = { step: 'Step', epoch: 'Epoch', time: 'Wall time' };

export interface ChartsPanelEvents {
  onSettingsChange(settings: ChartSettings): void;
  onLogYChange(metric: ChartMetric, logY: boolean): void;
}

export class ChartsPanel {
  readonly element: HTMLElement;
  private readonly cards: ChartCard[];
  private readonly lambdaCard: LambdaCard;
  private runs: ChartRun[] = [];
  private settings: ChartSettings;

  constructor(settings: ChartSettings, logY: Partial<Record<ChartMetric, boolean>>, theme: ChartTheme, events: ChartsPanelEvents) {
    this.settings = settings;
    this.cards = METRICS.map((spec) => new ChartCard(spec, settings, logY[spec.metric] === true, theme, events.onLogYChange));
    this.lambdaCard = new LambdaCard(theme);

    const axisSelect = el('vscode-single-select', { 'aria-label': 'X axis' });
    for (const axis of X_AXES) {
      const option = el('vscode-option', { value: axis }, AXIS_OPTION_LABELS[axis]);
      option.selected = axis === settings.xAxis;
      axisSelect.append(option);
    }
    axisSelect.addEventListener('change', () => {
      const xAxis = X_AXES.find((a) => a === axisSelect.value);
      if (xAxis) this.update({ ...this.settings, xAxis }, events);
    });

    const smoothingValue = el('output', { for: 'smoothing', class: 'smoothing-value' }, settings.smoothing.toFixed(2));
    const smoothing = el('input', {
      id: 'smoothing',
      type: 'range',
      min: '0',
      max: '0.99',
      step: '0.01',
      'aria-label': 'Smoothing (exponential moving average weight)',
    });
    smoothing.value = String(settings.smoothing);
    smoothing.addEventListener('input', () => {
      const w = Math.min(0.99, Math.max(0, Number(smoothing.value)));
      smoothingValue.textContent = w.toFixed(2);
      this.update({ ...this.settings, smoothing: w }, events);
    });

    const controls = el(
      'div',
      { class: 'toolbar chart-controls' },
      el('h2', {}, 'Training curves'),
      el('label', { class: 'control' }, el('span', {}, 'X axis'), axisSelect),
      el(
        'label',
        {
          class: 'control',
          for: 'smoothing',
          title: 'Exponential moving average of the losses, KL and validation NDCG (β is a schedule and is drawn as it is)',
        },
        el('span', {}, 'Smoothing'),
        smoothing,
        smoothingValue,
      ),
      el('span', { class: 'hint' }, 'Drag to zoom, double-click to reset'),
    );
    this.element = el(
      'section',
      { class: 'charts', 'aria-label': 'Training curves' },
      controls,
      el('div', { class: 'chart-grid' }, ...this.cards.map((c) => c.element), this.lambdaCard.element),
    );
  }

  setRuns(runs: ChartRun[]): void {
    this.runs = runs;
    for (const c of this.cards) c.setRuns(runs);
    this.lambdaCard.setRuns(runs);
  }

  dataChanged(): void {
    for (const c of this.cards) c.dataChanged();
    this.lambdaCard.dataChanged(this.runs);
  }

  setTheme(theme: ChartTheme): void {
    for (const c of this.cards) c.setTheme(theme);
    this.lambdaCard.setTheme(theme);
  }

  private update(settings: ChartSettings, events: ChartsPanelEvents): void {
    this.settings = settings;
    for (const c of this.cards) c.setSettings(settings);
    events.onSettingsChange(settings);
  }
}
