/**
 * Sweep view webview entry (bundled by esbuild to dist/webview/sweep.js, CSS to sweep.css). The
 * host sends the sweep; the page draws it, filters it by brushes and text, links hover across the
 * plots and the table, and asks the host to open runs.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import 'uplot/dist/uPlot.min.css';
import '../shared/base.css';
import './sweep.css';
import { isSweepViewUpdate, type SweepViewUpdate } from '../../src/shared/sweepViewMessages';
import { onThemeChange, readChartTheme } from '../dashboard/theme';
import { el } from '../shared/dom';
import { CurvesView } from './curvesView';
import { ParcoordsView } from './parcoordsView';
import { ScatterView } from './scatterView';
import { renderSignificance } from './significancePanel';
import { renderHeader, renderImportance, renderSeeds } from './summaryPanels';
import { SweepModel, type ModelChange } from './sweepModel';
import { TrialTable } from './trialTable';
import { postRequest, saveSweepDir } from './vscodeApi';

const model = new SweepModel();
const theme = readChartTheme();

function hover(index: number | null): void {
  parcoords.highlight(index);
  table.highlight(index);
  scatter.highlight(index);
  curves.highlight(index);
}

function open(index: number): void {
  const runId = model.trial(index)?.runId;
  if (runId) postRequest({ type: 'openRun', runId });
}

const parcoords = new ParcoordsView(model, theme, { onBrush: (key, brush) => render(model.setBrush(key, brush)), onHover: hover, onOpen: open });
const table = new TrialTable({ onHover: hover, onOpen: open });
const scatter = new ScatterView(model, theme, { onHover: hover, onOpen: open });
const curves = new CurvesView(model, theme, { onHover: hover });

const clearBrushes = el('vscode-button', { secondary: true, disabled: true, 'data-action': 'clearBrushes' }, 'Clear filters');
clearBrushes.addEventListener('click', () => render(model.clearBrushes()));

const header = el('div', { class: 'header-slot' });
const problem = el('div', { class: 'problem', role: 'alert', hidden: true });
const importance = el('div', { class: 'importance-slot' });
const seeds = el('div', { class: 'seeds-slot' });
const significance = el('div', { class: 'significance-slot' });
const card = (title: string, id: string, ...body: HTMLElement[]) =>
  el('section', { class: `card ${id}`, 'aria-labelledby': `${id}-title` }, el('h2', { id: `${id}-title` }, title), ...body);
const content = el(
  'div',
  { class: 'content', hidden: true },
  el(
    'section',
    { class: 'card parcoords-card', 'aria-labelledby': 'parcoords-title' },
    el(
      'div',
      { class: 'toolbar' },
      el('h2', { id: 'parcoords-title' }, 'Parameters and metric'),
      el('span', { class: 'dim' }, 'Drag along an axis to filter; click an axis to clear it; click a line to open its run.'),
      el('span', { class: 'spacer' }),
      clearBrushes,
    ),
    parcoords.element,
  ),
  table.element,
  el('div', { class: 'two-columns' }, card('Validation curves', 'curves', curves.element), importance),
  card('Metric against each parameter', 'scatter', scatter.element),
  seeds,
  significance,
);

function render(change: ModelChange): void {
  if (change.problem) {
    problem.hidden = model.problem === null;
    content.hidden = model.problem !== null || model.data === null;
    header.hidden = model.problem !== null;
    if (model.problem !== null) problem.replaceChildren(el('h1', {}, 'This sweep cannot be shown'), el('p', {}, model.problem));
  }
  const data = model.data;
  if (!data) return;
  if (change.data) {
    content.hidden = model.problem !== null;
    header.replaceChildren(renderHeader(data));
    table.setData(data, model.kept);
    parcoords.update();
    scatter.update();
    curves.update();
    importance.replaceChildren(renderImportance(data.importance));
    seeds.replaceChildren(...[renderSeeds(data)].filter((s): s is HTMLElement => s !== null));
    saveSweepDir(data.sweep.dir);
  } else {
    if (change.curves) curves.update();
    if (change.filter) {
      table.setKept(model.kept);
      parcoords.update();
      scatter.requestDraw();
      curves.applyFilter();
    }
  }
  if (change.filter || change.data) clearBrushes.toggleAttribute('disabled', Object.keys(model.brushes).length === 0);
  if (change.significance) significance.replaceChildren(renderSignificance(model.significance, () => postRequest({ type: 'trainBaseline' })));
}

const app = document.getElementById('app') ?? document.body;
app.replaceChildren(problem, header, content);
app.removeAttribute('aria-busy');
onThemeChange(() => {
  const t = readChartTheme();
  parcoords.setTheme(t);
  scatter.setTheme(t);
  curves.setTheme(t);
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isSweepViewUpdate(event.data)) render(model.apply(event.data as SweepViewUpdate));
});

postRequest({ type: 'ready' });
