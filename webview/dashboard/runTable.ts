/**
 * The run history table: every run with its results, sortable by header, filterable, with a
 * checkbox per run choosing which runs the charts overlay, and per-run actions. The columns that
 * matter (status, epochs, validation and test metrics, the reference) fit a 1,200 px editor without
 * scrolling: the hyperparameters and timings are added with the Columns menu, headers wrap, long
 * names are cut with their full text on hover. A native <table> (not vscode-table) because sortable
 * column headers need aria-sort on real column headers; controls inside are vscode-elements.
 */
import type { DashboardComparison } from '../../src/shared/dashboardComparisons';
import type { DashboardRequest, DashboardRun } from '../../src/shared/dashboardMessages';
import { modelLabel } from '../../src/shared/modelKinds';
import { isInspectableRecord } from '../../src/shared/runFormat';
import { el } from '../shared/dom';
import { COMPARISON_HEADER_TITLE, comparisonCell } from './comparisonCell';
import { runColour } from './palette';
import { referenceFor } from './referenceFigures';
import { DETAIL_COLUMNS, filterRows, formatMetric, sortRows, toRow, type Column, type RunRow, type SortState } from './runRows';

export interface RunTableEvents {
  /** The user ticked or unticked runs: the full new selection. */
  onSelect(selected: string[]): void;
  onRequest(request: DashboardRequest): void;
  /** The optional columns shown changed (kept with the view state). */
  onColumnsChange(columns: string[]): void;
}

const LEADING_COLUMNS = [
  { key: 'name', header: 'Run', description: 'Run name', numeric: false },
  { key: 'model', header: 'Model', description: 'Model', numeric: false },
  { key: 'status', header: 'Status', description: 'Run status', numeric: false },
];

/** The reference figures sit right after the run's own test metrics. */
const REFERENCE_AFTER = 'testR50';

export const OPTIONAL_COLUMNS: readonly Column[] = DETAIL_COLUMNS.filter((c) => c.optional);

type RunAction = 'openRunFolder' | 'stopRun' | 'inspectRun' | 'rerunRun' | 'setBaseline';

export class RunTable {
  readonly element: HTMLElement;
  private rows: RunRow[] = [];
  private selected = new Set<string>();
  private baseline: string | null = null;
  private comparisons: Readonly<Record<string, DashboardComparison>> = {};
  private sort: SortState = { key: 'created', descending: true };
  private query = '';
  private shownOptional: Set<string>;
  private readonly tbody = el('tbody');
  private readonly headRow = el('tr');
  private readonly summary = el('span', { class: 'run-count', 'aria-live': 'polite' });
  private readonly exportButtons: HTMLElement[];

  constructor(
    private readonly events: RunTableEvents,
    shownColumns: readonly string[] = [],
  ) {
    this.shownOptional = new Set(shownColumns.filter((k) => OPTIONAL_COLUMNS.some((c) => c.key === k)));
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
      this.columnMenu(),
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

  /** The baseline and the ticked runs' comparisons with it: the "vs baseline" column shows while there is a baseline. */
  setComparisons(baseline: string | null, comparisons: Readonly<Record<string, DashboardComparison>>): void {
    const headChanged = (baseline === null) !== (this.baseline === null);
    this.baseline = baseline;
    this.comparisons = comparisons;
    if (headChanged) this.renderHead();
    this.renderBody();
  }

  /** The detail columns shown, in order, split around the reference column. */
  private visibleColumns(): { before: Column[]; after: Column[] } {
    const shown = DETAIL_COLUMNS.filter((c) => !c.optional || this.shownOptional.has(c.key));
    const cut = DETAIL_COLUMNS.findIndex((c) => c.key === REFERENCE_AFTER) + 1;
    const index = (c: Column) => DETAIL_COLUMNS.indexOf(c);
    return { before: shown.filter((c) => index(c) < cut), after: shown.filter((c) => index(c) >= cut) };
  }

  /** "Columns": a disclosure with a checkbox per optional column. */
  private columnMenu(): HTMLElement {
    const boxes = OPTIONAL_COLUMNS.map((c) => {
      const box = el('input', { type: 'checkbox', 'data-column': c.key });
      box.checked = this.shownOptional.has(c.key);
      box.addEventListener('change', () => {
        if (box.checked) this.shownOptional.add(c.key);
        else this.shownOptional.delete(c.key);
        this.events.onColumnsChange(OPTIONAL_COLUMNS.filter((o) => this.shownOptional.has(o.key)).map((o) => o.key));
        this.renderHead();
        this.renderBody();
      });
      return el('label', { class: 'column-choice', title: c.description }, box, c.header);
    });
    return el(
      'details',
      { class: 'column-menu' },
      el('summary', { title: 'Show hyperparameter and timing columns' }, 'Columns'),
      el('div', { class: 'column-choices', role: 'group', 'aria-label': 'More columns' }, ...boxes),
    );
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
    if (action === 'setBaseline') this.events.onRequest({ type: 'setBaseline', runId: runId === this.baseline ? null : runId });
    else if (action === 'openRunFolder' || action === 'stopRun' || action === 'inspectRun' || action === 'rerunRun')
      this.events.onRequest({ type: action, runId });
  }

  private renderHead(): void {
    const { before, after } = this.visibleColumns();
    const cells: HTMLElement[] = [el('th', { scope: 'col', class: 'col-check' }, el('span', { class: 'sr-only' }, 'Overlay on charts'))];
    for (const c of [...LEADING_COLUMNS, ...before]) cells.push(this.sortableHeader(c.key, c.header, c.description, c.numeric));
    cells.push(
      el(
        'th',
        { scope: 'col', class: 'col-ref', title: 'Published test figures (NDCG@100 · Recall@20 · Recall@50) for the same dataset and protocol as the run' },
        'Reference',
      ),
    );
    if (this.baseline !== null) cells.push(el('th', { scope: 'col', class: 'col-vs', title: COMPARISON_HEADER_TITLE }, 'vs baseline'));
    for (const c of after) cells.push(this.sortableHeader(c.key, c.header, c.description, c.numeric));
    cells.push(el('th', { scope: 'col', class: 'col-actions' }, 'Actions'));
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
      { class: 'sort', type: 'button', title: `${description} — click to sort`, 'data-focus-key': `sort:${key}`, 'data-column': key },
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
    const columns = this.visibleColumns();
    this.tbody.replaceChildren(...(rows.length > 0 ? rows.map((r) => this.renderRow(r, columns)) : [this.emptyRow(columns)]));
    this.updateSummary(rows.length);
    if (focusKey) this.tbody.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
  }

  private emptyRow(columns: { before: Column[]; after: Column[] }): HTMLElement {
    const text = this.rows.length === 0 ? 'No runs yet. Start a training run and it appears here.' : 'No run matches the filter.';
    const span = LEADING_COLUMNS.length + columns.before.length + columns.after.length + this.vsColumns() + 3;
    return el('tr', {}, el('td', { colspan: String(span), class: 'empty' }, text));
  }

  private renderRow(row: RunRow, columns: { before: Column[]; after: Column[] }): HTMLElement {
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
    // The id on hover (and for tests); a long name is cut to the column's width with an ellipsis.
    const nameCell = el('th', { scope: 'row', class: 'name', title: row.id }, swatch, el('span', { class: 'name-text' }, row.name));
    const cells: HTMLElement[] = [
      el('td', { class: 'col-check' }, checkbox),
      nameCell,
      el('td', {}, row.model ? modelLabel(row.model) : ''),
      el('td', {}, el('span', { class: `status status-${row.status}` }, row.status)),
    ];
    const record = row.record;
    if (!record) {
      const span = columns.before.length + columns.after.length + this.vsColumns() + 1;
      cells.push(el('td', { colspan: String(span), class: 'damaged-reason' }, `Damaged: ${row.damagedReason ?? 'unreadable run'}`));
    } else {
      const detail = (c: Column) => el('td', { class: c.numeric ? 'num' : undefined, 'data-column': c.key }, c.format(record));
      cells.push(...columns.before.map(detail), this.referenceCell(row));
      if (this.baseline !== null) cells.push(this.comparisonCell(row));
      cells.push(...columns.after.map(detail));
    }
    cells.push(el('td', { class: 'col-actions' }, el('div', { class: 'actions' }, ...this.actionButtons(row))));
    return el('tr', { class: this.selected.has(row.id) ? 'selected' : undefined }, ...cells);
  }

  private vsColumns(): number {
    return this.baseline === null ? 0 : 1;
  }

  /** Ticked runs against the baseline; an unticked run's cell stays empty. */
  private comparisonCell(row: RunRow): HTMLElement {
    const cell = comparisonCell(row.id, this.baseline, this.selected.has(row.id) ? this.comparisons : {});
    switch (cell.kind) {
      case 'empty':
        return el('td', { class: 'col-vs' });
      case 'done':
        return el(
          'td',
          { class: 'col-vs', 'data-state': 'done', title: cell.title, 'aria-label': cell.label },
          ...cell.lines.map((l) =>
            el(
              'div',
              { class: 'vs-line' },
              el('span', { class: 'vs-metric' }, l.metric),
              el('span', { class: 'vs-diff' }, l.difference),
              ...l.p.map((p) =>
                el('span', { class: p.significant ? 'vs-p significant' : 'vs-p', 'data-test': p.test }, `${p.test} ${p.text}${p.significant ? '*' : ''}`),
              ),
            ),
          ),
        );
      default:
        return el('td', { class: 'col-vs', 'data-state': cell.kind, title: cell.title }, el('span', { class: `vs-${cell.kind}` }, cell.text));
    }
  }

  private referenceCell(row: RunRow): HTMLElement {
    if (!row.record) return el('td', { class: 'col-ref' });
    const match = referenceFor(row.record);
    if ('none' in match) return el('td', { class: 'col-ref' }, el('span', { class: 'ref-none' }, match.none));
    const r = match.figure;
    const label = `${r.dataset.name} · ${r.source === 'PyTorch reference' ? 'PyTorch ref.' : 'paper'}${match.sameSplit ? '' : ', another seed'}`;
    return el(
      'td',
      { class: 'col-ref' },
      el(
        'div',
        { class: 'ref same', title: `${r.source}: ${r.protocol}` },
        el('span', { class: 'ref-figures' }, [r.ndcg100, r.recall20, r.recall50].map(formatMetric).join(' · ')),
        el('span', { class: 'ref-label' }, label),
      ),
    );
  }

  private actionButtons(row: RunRow): HTMLElement[] {
    const button = (action: RunAction, label: string, ariaLabel: string) =>
      el(
        'vscode-button',
        { secondary: true, 'data-action': action, 'data-run-id': row.id, 'data-focus-key': `${action}:${row.id}`, 'aria-label': ariaLabel, title: ariaLabel },
        label,
      );
    const buttons = [button('openRunFolder', 'Reveal', `Reveal the folder of ${row.name}`)];
    if (row.record && isInspectableRecord(row.record)) buttons.push(button('inspectRun', 'Inspect', `Inspect the recommendations of ${row.name}`));
    if (row.record) buttons.push(button('rerunRun', 'Rerun', `Rerun ${row.name} with changes (the new run is overlaid here)`));
    if (row.record && row.id === this.baseline) buttons.push(button('setBaseline', 'Clear baseline', `Stop comparing the ticked runs with ${row.name}`));
    else if (row.record) buttons.push(button('setBaseline', 'Baseline', `Compare the ticked runs with ${row.name} (paired tests over the test users)`));
    if (row.status === 'running') buttons.push(button('stopRun', 'Stop', `Stop training ${row.name}`));
    return buttons;
  }
}
