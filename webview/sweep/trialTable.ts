/**
 * The trials table: sortable by header, filtered by the text box and by the plot's brushes, a row
 * per trial with an Open button for its run. The matching trials are listed a page at a time (the
 * first PAGE_ROWS, then "Show more"): laying out hundreds of rows at every brush stroke is what made
 * a 500-trial sweep slow. Rows are built when first shown and kept by trial until the data changes.
 * Hovering a row highlights its trial in the plots, and the reverse.
 */
import type { SweepViewData } from '../../src/shared/sweepViewMessages';
import { el } from '../shared/dom';
import { matchesQuery, sortTrials, tableColumns, type SortState, type TableColumn } from './trialTableModel';

export interface TrialTableEvents {
  onHover(index: number | null): void;
  onOpen(index: number): void;
}

/** Rows laid out at first; "Show more" adds as many again. */
export const PAGE_ROWS = 100;

export class TrialTable {
  readonly element: HTMLElement;
  private data: SweepViewData | null = null;
  private columns: TableColumn[] = [];
  private sort: SortState = { key: 'metric', descending: true };
  private query = '';
  private kept: ReadonlySet<number> = new Set();
  private readonly rows = new Map<number, HTMLTableRowElement>();
  private readonly headRow = el('tr');
  private readonly tbody = el('tbody');
  private readonly summary = el('span', { class: 'trial-count', 'aria-live': 'polite' });
  private readonly empty = el('p', { class: 'empty', hidden: true }, 'No trial matches the brushes and the filter.');
  private highlighted: number | null = null;
  private limit = PAGE_ROWS;
  private sorted: SweepViewData['trials'] = [];
  private readonly more = el('button', { type: 'button', class: 'open-run show-more', hidden: true }, 'Show more');

  constructor(private readonly events: TrialTableEvents) {
    const filter = el('vscode-textfield', { placeholder: 'Filter trials (words, or column=value)', 'aria-label': 'Filter trials', type: 'search' });
    filter.addEventListener('input', () => {
      this.query = filter.value;
      this.applyFilter();
    });
    const table = el('table', { class: 'trials-table', 'aria-labelledby': 'trials-title' }, el('thead', {}, this.headRow), this.tbody);
    this.element = el(
      'section',
      { class: 'trials', 'aria-labelledby': 'trials-title' },
      el('div', { class: 'toolbar' }, el('h2', { id: 'trials-title' }, 'Trials'), filter, this.summary),
      el('div', { class: 'table-scroll' }, table),
      this.empty,
      this.more,
    );
    this.more.addEventListener('click', () => {
      this.limit += PAGE_ROWS;
      this.applyFilter();
    });
    this.tbody.addEventListener('mouseover', (e) => this.onRowEvent(e, (i) => this.events.onHover(i)));
    this.tbody.addEventListener('mouseleave', () => this.events.onHover(null));
    this.tbody.addEventListener('click', (e) => {
      const button = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-open]') : null;
      if (button) this.onRowEvent(e, (i) => this.events.onOpen(i));
    });
  }

  setData(data: SweepViewData, kept: ReadonlySet<number>): void {
    this.data = data;
    this.kept = kept;
    const columns = tableColumns(data);
    const headChanged = columns.map((c) => c.key).join('\n') !== this.columns.map((c) => c.key).join('\n');
    this.columns = columns;
    if (!columns.some((c) => c.key === this.sort.key)) this.sort = { key: 'metric', descending: data.sweep.metric.goal === 'max' };
    if (headChanged || this.headRow.childElementCount === 0) this.renderHead();
    this.rows.clear();
    this.order();
  }

  setKept(kept: ReadonlySet<number>): void {
    this.kept = kept;
    this.applyFilter();
  }

  highlight(index: number | null): void {
    if (this.highlighted !== null) this.rows.get(this.highlighted)?.classList.remove('highlighted');
    this.highlighted = index;
    if (index !== null) this.rows.get(index)?.classList.add('highlighted');
  }

  /** Indexes of the rows shown, in table order (tests and the bench read them). */
  shownIndexes(): number[] {
    return Array.from(this.tbody.children)
      .filter((r) => !(r as HTMLElement).hidden)
      .map((r) => Number((r as HTMLElement).dataset.trial));
  }

  private onRowEvent(e: Event, act: (index: number) => void): void {
    const row = e.target instanceof Element ? e.target.closest<HTMLElement>('tr[data-trial]') : null;
    if (row) act(Number(row.dataset.trial));
  }

  private renderHead(): void {
    const cells = this.columns.map((c) => {
      const active = this.sort.key === c.key;
      const button = el(
        'button',
        { class: 'sort', type: 'button', title: `${c.description} — click to sort`, 'data-column': c.key },
        c.header,
        el('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (this.sort.descending ? '▼' : '▲') : ''),
      );
      button.addEventListener('click', () => {
        this.sort = { key: c.key, descending: active ? !this.sort.descending : c.numeric };
        this.renderHead();
        this.order();
      });
      return el(
        'th',
        { scope: 'col', class: c.numeric ? 'num' : undefined, 'aria-sort': active ? (this.sort.descending ? 'descending' : 'ascending') : 'none' },
        button,
      );
    });
    this.headRow.replaceChildren(...cells, el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')));
  }

  private renderRow(index: number): HTMLTableRowElement {
    const t = this.data?.trials[index];
    const row = el('tr', { 'data-trial': String(index), class: t?.index === this.data?.sweep.best?.index ? 'best' : undefined });
    if (!t) return row;
    for (const c of this.columns)
      row.append(el('td', { class: c.numeric ? 'num' : undefined, 'data-column': c.key, title: c.key === 'status' ? (t.error ?? '') : '' }, c.text(t)));
    const open = t.runId
      ? // A native button: hundreds of rows of web components take a noticeable time to build.
        el(
          'button',
          {
            type: 'button',
            class: 'open-run',
            'data-open': '',
            title: `Open run ${t.runId} in the dashboard`,
            'aria-label': `Open trial ${t.index} in the dashboard`,
          },
          'Open',
        )
      : el('span', { class: 'no-run' }, 'no run yet');
    row.append(el('td', {}, open));
    return row;
  }

  private order(): void {
    if (!this.data) return;
    this.sorted = sortTrials(this.data.trials, this.columns, this.sort);
    this.applyFilter();
  }

  private row(index: number): HTMLTableRowElement {
    let row = this.rows.get(index);
    if (!row) {
      row = this.renderRow(index);
      this.rows.set(index, row);
    }
    row.classList.toggle('highlighted', index === this.highlighted);
    return row;
  }

  private applyFilter(): void {
    if (!this.data) return;
    const matching = this.sorted.filter((t) => this.kept.has(t.index) && matchesQuery(t, this.columns, this.query));
    const listed = matching.slice(0, this.limit);
    this.tbody.replaceChildren(...listed.map((t) => this.row(t.index)));
    const total = this.data.trials.length;
    const shown = matching.length;
    this.summary.textContent =
      (shown === total ? `${total} trials` : `${shown} of ${total} trials`) + (listed.length < shown ? ` (first ${listed.length} listed)` : '');
    this.element.dataset.shown = String(shown);
    this.empty.hidden = shown > 0;
    this.more.hidden = listed.length >= shown;
    this.more.textContent = `Show ${Math.min(PAGE_ROWS, shown - listed.length)} more`;
  }
}
