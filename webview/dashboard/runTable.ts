/**
 * The run history table: every run with its hyperparameters and results, sortable by header,
 * filterable, with a checkbox per run choosing which runs the charts overlay, and per-run actions.
 * A native <table> (not vscode-table) because sortable column headers need aria-sort on real
 * column headers and the 17 columns need horizontal scrolling; controls inside are vscode-elements.
 */
import type { DashboardRequest, DashboardRun } from '../../src/shared/dashboardMessages';
import { modelLabel } from '../../src/shared/modelKinds';
import { el } from '../shared/dom';
import { runColour } from './palette';
import { referencesFor } from './referenceFigures';
import { DETAIL_COLUMNS, filterRows, formatMetric, sortRows, toRow, type RunRow, type SortState } from './runRows';

export interface RunTableEvents {
  /** The user ticked or unticked runs: the full new selection. */
  onSelect(selected: string[]): void;
  onRequest(request: DashboardRequest): void;
}

const LEADING_COLUMNS = [
  { key: 'name', header: 'Run', description: 'Run name', numeric: false },
  { key: 'model', header: 'Model', description: 'Model', numeric: false },
  { key: 'status', header: 'Status', description: 'Run status', numeric: false },
];

/** The reference figures sit right after the run's own test metrics. */
const REFERENCE_AFTER = DETAIL_COLUMNS.findIndex((c) => c.key === 'testR50') + 1;

export class RunTable {
  readonly element: HTMLElement;
  private rows: RunRow[] = [];
  private selected = new Set<string>();
  private sort: SortState = { key: 'created', descending: true };
  private query = '';
  private readonly tbody = el('tbody');
  private readonly headRow = el('tr');
  private readonly summary = el('span', { class: 'run-count', 'aria-live': 'polite' });
  private readonly exportButtons: HTMLElement[];

  constructor(private readonly events: RunTableEvents) {
    const filter = el('vscode-textfield', { placeholder: 'Filter runs', 'aria-label': 'Filter runs by name, model, status or backend', type: 'search' });
    filter.addEventListener('input', () => {
      this.query = filter.value;
      this.renderBody();
    });
    this.exportButtons = (['csv', 'json'] as const).map((format) => {
      const b = el('vscode-button', { secondary: true }, `Export ${format.toUpperCase()}`);
      b.addEventListener('click', () => {
        if (this.selected.size > 0) this.events.onRequest({ type: 'export', format, runIds: [...this.selected] });
      });
      return b;
    });
    const toolbar = el(
      'div',
      { class: 'toolbar' },
      el('h2', { id: 'runs-title' }, 'Runs'),
      filter,
      this.summary,
      el('span', { class: 'spacer' }),
      ...this.exportButtons,
    );
    const table = el('table', { class: 'runs-table', 'aria-labelledby': 'runs-title' }, el('thead', {}, this.headRow), this.tbody);
    this.element = el('section', { class: 'runs', 'aria-labelledby': 'runs-title' }, toolbar, el('div', { class: 'table-scroll' }, table));
    this.tbody.addEventListener('change', (e) => this.onCheckboxChange(e));
    this.tbody.addEventListener('click', (e) => this.onActionClick(e));
    this.renderHead();
  }

  setRuns(runs: readonly DashboardRun[]): void {
    this.rows = runs.map(toRow);
    this.renderBody();
  }

  setSelected(selected: readonly string[]): void {
    this.selected = new Set(selected);
    this.renderBody();
  }

  private onCheckboxChange(e: Event): void {
    const box = e.target;
    if (!(box instanceof HTMLElement) || box.tagName !== 'VSCODE-CHECKBOX') return;
    const id = box.dataset.runId;
    if (!id) return;
    const checked = (box as HTMLElementTagNameMap['vscode-checkbox']).checked;
    if (checked) this.selected.add(id);
    else this.selected.delete(id);
    // Keep the table's order so the selection reads newest-first, like the defaults.
    this.events.onSelect(this.rows.filter((r) => this.selected.has(r.id)).map((r) => r.id));
    this.updateSummary(this.visibleRows().length);
  }

  private onActionClick(e: Event): void {
    const button = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-action]') : null;
    const runId = button?.dataset.runId;
    const action = button?.dataset.action;
    if (!runId) return;
    if (action === 'openRunFolder' || action === 'stopRun' || action === 'inspectRun') this.events.onRequest({ type: action, runId });
  }

  private renderHead(): void {
    const cells: HTMLElement[] = [el('th', { scope: 'col', class: 'col-check' }, el('span', { class: 'sr-only' }, 'Overlay on charts'))];
    for (const c of [...LEADING_COLUMNS, ...DETAIL_COLUMNS.slice(0, REFERENCE_AFTER)])
      cells.push(this.sortableHeader(c.key, c.header, c.description, c.numeric));
    cells.push(
      el('th', { scope: 'col', class: 'col-ref', title: 'Published test figures, with their dataset and protocol' }, 'Reference NDCG@100 · R@20 · R@50'),
    );
    for (const c of DETAIL_COLUMNS.slice(REFERENCE_AFTER)) cells.push(this.sortableHeader(c.key, c.header, c.description, c.numeric));
    cells.push(el('th', { scope: 'col' }, 'Actions'));
    this.headRow.replaceChildren(...cells);
  }

  private sortableHeader(key: string, header: string, description: string, numeric: boolean): HTMLElement {
    const active = this.sort.key === key;
    const th = el('th', {
      scope: 'col',
      class: numeric ? 'num' : undefined,
      'aria-sort': active ? (this.sort.descending ? 'descending' : 'ascending') : 'none',
    });
    const button = el(
      'button',
      { class: 'sort', type: 'button', title: `${description} — click to sort`, 'data-focus-key': `sort:${key}` },
      header,
      el('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (this.sort.descending ? '▼' : '▲') : ''),
    );
    button.addEventListener('click', () => {
      // Numbers are most useful best-first; text A-Z first.
      this.sort = { key, descending: active ? !this.sort.descending : numeric };
      this.renderHead();
      this.renderBody();
      this.headRow.querySelector<HTMLElement>(`[data-focus-key="sort:${key}"]`)?.focus();
    });
    th.append(button);
    return th;
  }

  private visibleRows(): RunRow[] {
    return filterRows(this.rows, this.query);
  }

  private updateSummary(visible: number): void {
    const total = this.rows.length;
    const shown = visible === total ? `${total} run${total === 1 ? '' : 's'}` : `${visible} of ${total} runs`;
    this.summary.textContent = `${shown} · ${this.selected.size} overlaid`;
    for (const b of this.exportButtons) {
      b.toggleAttribute('disabled', this.selected.size === 0);
      b.title = this.selected.size === 0 ? 'Tick runs to export their series' : `Export the full series of the ${this.selected.size} ticked run(s)`;
    }
  }

  private renderBody(): void {
    // Runs update every epoch while training: keep keyboard focus on the same control across the re-render.
    const focusKey =
      document.activeElement instanceof HTMLElement ? document.activeElement.closest<HTMLElement>('[data-focus-key]')?.dataset.focusKey : undefined;
    const rows = sortRows(this.visibleRows(), this.sort);
    this.tbody.replaceChildren(...(rows.length > 0 ? rows.map((r) => this.renderRow(r)) : [this.emptyRow()]));
    this.updateSummary(rows.length);
    if (focusKey) this.tbody.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
  }

  private emptyRow(): HTMLElement {
    const text = this.rows.length === 0 ? 'No runs yet. Start a training run and it appears here.' : 'No run matches the filter.';
    return el('tr', {}, el('td', { colspan: String(LEADING_COLUMNS.length + DETAIL_COLUMNS.length + 3), class: 'empty' }, text));
  }

  private renderRow(row: RunRow): HTMLElement {
    const checkbox = el('vscode-checkbox', {
      'data-run-id': row.id,
      'data-focus-key': `check:${row.id}`,
      'aria-label': row.record ? `Overlay ${row.name} on the charts` : `${row.name} is damaged and has no curves`,
      disabled: !row.record,
    });
    checkbox.checked = this.selected.has(row.id);
    // Damaged runs have no curves, so no colour to match with a legend.
    const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
    if (row.record) swatch.style.backgroundColor = runColour(row.colour);
    const nameCell = el('th', { scope: 'row', class: 'name', title: row.id }, swatch, row.name);
    const cells: HTMLElement[] = [
      el('td', { class: 'col-check' }, checkbox),
      nameCell,
      el('td', {}, row.model ? modelLabel(row.model) : ''),
      el('td', {}, el('span', { class: `status status-${row.status}` }, row.status)),
    ];
    const record = row.record;
    if (!record) {
      cells.push(el('td', { colspan: String(DETAIL_COLUMNS.length + 1), class: 'damaged-reason' }, `Damaged: ${row.damagedReason ?? 'unreadable run'}`));
    } else {
      const detail = (i: number) => el('td', { class: DETAIL_COLUMNS[i].numeric ? 'num' : undefined }, DETAIL_COLUMNS[i].format(record));
      for (let i = 0; i < REFERENCE_AFTER; i++) cells.push(detail(i));
      cells.push(this.referenceCell(row));
      for (let i = REFERENCE_AFTER; i < DETAIL_COLUMNS.length; i++) cells.push(detail(i));
    }
    cells.push(el('td', { class: 'actions' }, ...this.actionButtons(row)));
    return el('tr', { class: this.selected.has(row.id) ? 'selected' : undefined }, ...cells);
  }

  private referenceCell(row: RunRow): HTMLElement {
    const refs = row.model ? referencesFor(row.model) : [];
    if (refs.length === 0) return el('td', { class: 'col-ref' });
    return el(
      'td',
      { class: 'col-ref' },
      ...refs.map((r) =>
        el(
          'div',
          { class: r.sameProtocol ? 'ref same' : 'ref', title: `${r.source}: ${r.protocol}` },
          el('span', { class: 'ref-figures' }, [r.ndcg100, r.recall20, r.recall50].map(formatMetric).join(' · ')),
          ' ',
          el('span', { class: 'ref-label' }, r.sameProtocol ? 'ML-1M · same protocol (PyTorch ref.)' : 'ML-20M · 10k held-out (paper)'),
        ),
      ),
    );
  }

  private actionButtons(row: RunRow): HTMLElement[] {
    const button = (action: string, label: string, ariaLabel: string) =>
      el(
        'vscode-button',
        { secondary: true, 'data-action': action, 'data-run-id': row.id, 'data-focus-key': `${action}:${row.id}`, 'aria-label': ariaLabel, title: ariaLabel },
        label,
      );
    const buttons = [button('openRunFolder', 'Reveal', `Reveal the folder of ${row.name}`)];
    if (row.status === 'completed') buttons.push(button('inspectRun', 'Inspect', `Inspect the recommendations of ${row.name}`));
    if (row.status === 'running') buttons.push(button('stopRun', 'Stop', `Stop training ${row.name}`));
    return buttons;
  }
}
