/**
 * Dashboard webview entry (bundled by esbuild to dist/webview/dashboard.js, CSS to dashboard.css).
 * It holds no state of its own beyond the view settings: it announces `ready`, renders what the host
 * sends and reports user choices back.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import 'uplot/dist/uPlot.min.css';
import '../shared/base.css';
import './dashboard.css';
import type { DashboardUpdate } from '../../src/shared/dashboardMessages';
import { onHostMessage } from '../shared/vscodeHost';
import { ChartsPanel } from './chartsPanel';
import { DashboardModel, type ModelChange } from './dashboardModel';
import { renderReferencePanel } from './referencePanel';
import { RunTable } from './runTable';
import { onThemeChange, readChartTheme } from './theme';
import { loadViewState, postRequest, saveViewState, type PersistedViewState } from './vscodeApi';

const view: PersistedViewState = loadViewState();
const model = new DashboardModel();

function persist(): void {
  saveViewState({ ...view, selected: [...model.selected] });
}

const charts = new ChartsPanel({ xAxis: view.xAxis, smoothing: view.smoothing }, view.logY, readChartTheme(), {
  onSettingsChange: (s) => {
    view.xAxis = s.xAxis;
    view.smoothing = s.smoothing;
    persist();
  },
  onLogYChange: (metric, logY) => {
    view.logY = { ...view.logY, [metric]: logY };
    persist();
  },
});

const table = new RunTable(
  {
    onSelect: (selected) => {
      render(model.setSelected(selected), false);
      postRequest({ type: 'select', runIds: selected });
    },
    onRequest: postRequest,
    onColumnsChange: (columns) => {
      view.columns = columns;
      persist();
    },
  },
  view.columns,
);

function render(change: ModelChange, updateTable: boolean): void {
  if (change.runs) table.setRuns(model.runs);
  if (change.selection && updateTable) table.setSelected(model.selected);
  if (change.comparisons) table.setComparisons(model.baseline, model.comparisons);
  if (change.chartRuns) charts.setRuns(model.chartRuns());
  else if (change.data) charts.dataChanged();
  if (change.selection) persist();
}

const app = document.getElementById('app') ?? document.body;
app.replaceChildren(charts.element, table.element, renderReferencePanel());
app.removeAttribute('aria-busy');
onThemeChange(() => charts.setTheme(readChartTheme()));

onHostMessage<DashboardUpdate>(['state', 'runs', 'append', 'select', 'series', 'comparisons'], (update) => render(model.apply(update), true));

postRequest({ type: 'ready' });
