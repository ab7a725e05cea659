/** The user picker: an id to search, which users to list and in what order, a random one, and the list. */
import { el, singleSelect } from '../shared/dom';
import type { InspectorModel, Section } from './inspectorModel';
import { userList } from './viewData';
import type { ListKind, ListSort } from './viewState';

export interface PickerActions {
  search(text: string): void;
  showUser(user: string): void;
  randomUser(): void;
  setList(list: ListKind): void;
  setSort(sort: ListSort): void;
}

export class UserPicker {
  readonly element: HTMLElement;
  private readonly searchField = el('vscode-textfield', { id: 'user-search', placeholder: 'User id', 'aria-label': 'User id' });
  private readonly summary = el('p', { class: 'hint list-summary' });
  private readonly list = el('ul', { class: 'user-list', 'aria-label': 'Users' });

  constructor(model: InspectorModel, actions: PickerActions) {
    const showButton = el('vscode-button', {}, 'Show');
    showButton.addEventListener('click', () => actions.search(this.searchField.value));
    this.searchField.addEventListener('keydown', (e) => (e as KeyboardEvent).key === 'Enter' && actions.search(this.searchField.value));
    const randomButton = el('vscode-button', { secondary: true, title: 'A random user of the list below' }, 'Random');
    randomButton.addEventListener('click', () => actions.randomUser());
    this.list.addEventListener('click', (e) => {
      const user = (e.target as HTMLElement).closest('button[data-user]')?.getAttribute('data-user');
      if (user) actions.showUser(user);
    });
    const kinds: [ListKind, string][] = [
      ['test', 'Test users'],
      ['validation', 'Validation users'],
      ['all', 'All users'],
    ];
    const sorts: [ListSort, string][] = [
      ['activity-desc', 'Most active first'],
      ['activity-asc', 'Least active first'],
      ['ndcg-asc', 'Worst NDCG@100 first'],
      ['ndcg-desc', 'Best NDCG@100 first'],
    ];
    this.element = el(
      'aside',
      { class: 'picker', 'aria-label': 'Choose a user' },
      el('div', { class: 'search-row' }, this.searchField, showButton),
      el(
        'div',
        { class: 'list-controls' },
        singleSelect('Which users', kinds, model.view.list, actions.setList),
        singleSelect('Order', sorts, model.view.sort, actions.setSort),
        randomButton,
      ),
      this.summary,
      this.list,
    );
  }

  render(sections: ReadonlySet<Section>, model: InspectorModel): void {
    const s = model.state;
    if (!s) return;
    // The field follows the shown user, except while it is being typed in.
    if (sections.has('header') && s.user && document.activeElement !== this.searchField && this.searchField.value !== s.user) this.searchField.value = s.user;
    if (!sections.has('list')) return;
    const { summary, users } = userList(s, model.listed());
    this.summary.textContent = summary;
    this.list.replaceChildren(
      ...users.map((u) =>
        el(
          'li',
          {},
          el(
            'button',
            { 'data-user': u.user, class: u.current ? 'current' : undefined, 'aria-current': u.current ? 'true' : undefined },
            el('span', { class: 'user-id' }, u.user),
            el('span', { class: 'hint' }, u.detail),
          ),
        ),
      ),
    );
  }
}
