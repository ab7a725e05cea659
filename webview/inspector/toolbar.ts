/**
 * The run header (title, facts, status line) and the toolbar (tabs, top N, second run, exports).
 * Built once, so typing in the top-N field is never interrupted; updated from the model.
 */
import { DEFAULT_K, MAX_K } from '../../src/shared/inspectorMessages';
import { el, singleSelect } from '../shared/dom';
import type { InspectorModel, Section } from './inspectorModel';
import { headerText } from './viewData';
import type { Tab } from './viewState';

export interface ToolbarActions {
  setTab(tab: Tab): void;
  commitK(text: string): void;
  compareWith(runId: string | null): void;
  exportCsv(scope: 'user' | 'test'): void;
}

export class Toolbar {
  readonly header: HTMLElement;
  readonly element: HTMLElement;
  private readonly title = el('h2', { class: 'run-title' }, 'Recommendation inspector');
  private readonly subtitle = el('p', { class: 'hint run-subtitle' });
  private readonly status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly tabs: Record<Tab, HTMLButtonElement> = {
    user: el('button', { class: 'tab', role: 'tab', id: 'tab-user', 'aria-controls': 'panel-user' }, 'Recommendations'),
    latent: el('button', { class: 'tab', role: 'tab', id: 'tab-latent', 'aria-controls': 'panel-latent' }, 'Latent space'),
  };
  private readonly kField = el('vscode-textfield', {
    type: 'number',
    min: '1',
    max: String(MAX_K),
    'aria-label': 'How many recommendations (top N)',
    class: 'k-field',
  });
  private readonly compareHolder = el('span', { class: 'control' });

  constructor(private readonly actions: ToolbarActions) {
    this.header = el('header', { class: 'run-header' }, this.title, this.subtitle, this.status);
    for (const [name, button] of Object.entries(this.tabs) as [Tab, HTMLButtonElement][]) button.addEventListener('click', () => actions.setTab(name));
    this.kField.value = String(DEFAULT_K);
    this.kField.addEventListener('change', () => actions.commitK(this.kField.value));
    this.kField.addEventListener('keydown', (e) => (e as KeyboardEvent).key === 'Enter' && actions.commitK(this.kField.value));
    const exportUser = el('vscode-button', { secondary: true, title: 'Save the recommendations shown for this user as CSV' }, 'Export user CSV');
    exportUser.addEventListener('click', () => actions.exportCsv('user'));
    const exportTest = el('vscode-button', { secondary: true, title: 'Save the top N of every test user of the run as CSV' }, 'Export test users CSV');
    exportTest.addEventListener('click', () => actions.exportCsv('test'));
    this.element = el(
      'div',
      { class: 'toolbar' },
      el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Inspector views' }, this.tabs.user, this.tabs.latent),
      el('label', { class: 'control' }, el('span', {}, 'Top N'), this.kField),
      this.compareHolder,
      el('span', { class: 'spacer' }),
      exportUser,
      exportTest,
    );
  }

  render(sections: ReadonlySet<Section>, model: InspectorModel): void {
    if (sections.has('tabs')) {
      for (const [name, button] of Object.entries(this.tabs) as [Tab, HTMLButtonElement][]) {
        button.setAttribute('aria-selected', String(name === model.view.tab));
        button.tabIndex = name === model.view.tab ? 0 : -1;
      }
    }
    const s = model.state;
    if (!s) return;
    if (sections.has('header')) {
      const text = headerText(s);
      this.title.textContent = text.title;
      this.subtitle.textContent = text.subtitle;
      this.status.textContent = text.status;
      this.status.className = text.statusIsError ? 'status error' : 'status';
    }
    if (sections.has('k') || (sections.has('header') && document.activeElement !== this.kField)) this.kField.value = String(s.k);
    if (sections.has('compare')) {
      const options: [string, string][] = [['', 'No second run'], ...s.compareChoices.map((c): [string, string] => [c.runId, c.label])];
      this.compareHolder.replaceChildren(
        el('span', {}, 'Compare with'),
        singleSelect('Compare with a second run', options, s.compareRunId ?? '', (v) => this.actions.compareWith(v === '' ? null : v)),
      );
    }
  }
}
