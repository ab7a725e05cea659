/**
 * The inspector page's state and how messages and user actions change it, without a DOM: the host's
 * state (whole, then patches), the page's view settings, which requests to send, which sections to
 * draw again, and what is saved for a reload. main.ts carries the outcomes to the panels and the host.
 */
import type { UserSummary } from '../../src/shared/inferenceResults';
import type { InspectorRequest, InspectorRestore, InspectorState, InspectorUpdate } from '../../src/shared/inspectorMessages';
import { MAX_K } from '../../src/shared/inspectorMessages';
import { listUsers } from './format';
import {
  restoreFrom,
  viewSettingsFrom,
  type ListKind,
  type ListSort,
  type PersistedInspectorState,
  type SavedFields,
  type Tab,
  type ViewSettings,
} from './viewState';

/**
 * What the page draws, each from its own part of the state: `header` (run title, status line, the
 * top-N and search fields where not being typed in), `k` (the top-N field, even while focused),
 * `compare` (the choice of a second run), `list` (the user list), `user` (the user's view), `tabs`,
 * `latent` (the projection, its colour choice and message), `colour` (the projection's colours),
 * `highlight` (the ringed user in the projection).
 */
export type Section = 'header' | 'k' | 'compare' | 'list' | 'user' | 'tabs' | 'latent' | 'colour' | 'highlight';

export interface Outcome {
  render: ReadonlySet<Section>;
  /** Requests for the host, in order. */
  send: InspectorRequest[];
}

const SECTION_FIELDS: readonly (readonly [Section, readonly (keyof InspectorState)[]])[] = [
  ['compare', ['compareChoices', 'compareRunId']],
  ['list', ['users', 'user']],
  ['user', ['view', 'compareView', 'userError', 'compareError', 'compareRun', 'compareRunId', 'run']],
  ['latent', ['latent', 'latentError', 'run']],
  ['highlight', ['user']],
];

const ALL_SECTIONS: ReadonlySet<Section> = new Set(['header', 'compare', 'list', 'user', 'tabs', 'latent', 'colour', 'highlight']);

const outcome = (render: readonly Section[], send: InspectorRequest[] = []): Outcome => ({ render: new Set(render), send });

export class InspectorModel {
  /** The host's state; null until its first message. */
  state: InspectorState | null = null;
  readonly view: ViewSettings;
  /** The saved restore fields, kept until the host's state replaces them. */
  private readonly restored: Partial<InspectorRestore>;
  private latentRequested = false;
  /** The user the page last asked for, and when: see answeredAt. */
  private asked: { user: string; at: number } | null = null;

  constructor(saved: SavedFields = {}) {
    this.view = viewSettingsFrom(saved);
    this.restored = restoreFrom(saved);
  }

  /** Applies a host message. The header is drawn again on every message; other sections when what they show changed. */
  receive(update: InspectorUpdate): Outcome {
    const before = this.state;
    if (update.type === 'state') this.state = update.state;
    else if (before) this.state = { ...before, ...update.patch };
    else return outcome([]);
    const state = this.state;
    // A patch is a fresh copy (it came through postMessage): a field it names changed unless it is an equal primitive.
    const changed = (field: keyof InspectorState) => !before || update.type === 'state' || (field in update.patch && before[field] !== state[field]);
    const render = new Set<Section>(before && update.type === 'patch' ? ['header'] : ALL_SECTIONS);
    for (const [section, fields] of SECTION_FIELDS) if (fields.some(changed)) render.add(section);
    if (state.latent && !state.latent.genres.includes(this.view.colourBy)) this.view.colourBy = 'activity';
    return { render, send: this.latentRequest() };
  }

  /** The page asks for a user; `now` (ms) starts the clock that answeredAt stops. */
  showUser(user: string, now: number): Outcome {
    this.asked = { user, at: now };
    return outcome([], [{ type: 'showUser', user }]);
  }

  /** The search field was submitted. */
  search(text: string, now: number): Outcome {
    const user = text.trim();
    return user ? this.showUser(user, now) : outcome([]);
  }

  /** A random user of the list as it is shown (`random` in [0, 1)). */
  randomUser(random: number, now: number): Outcome {
    const list = this.listed();
    return list.length ? this.showUser(list[Math.floor(random * list.length)].user, now) : outcome([]);
  }

  /** A user picked in the projection: shown in the user view. */
  pickUser(user: string, now: number): Outcome {
    const tab = this.setTab('user');
    const shown = this.showUser(user, now);
    return { render: tab.render, send: [...tab.send, ...shown.send] };
  }

  /** The top-N field was committed: a new valid N is asked for, anything else puts the current N back. */
  commitK(text: string): Outcome {
    const k = Number(text);
    if (!this.state) return outcome([]);
    if (Number.isInteger(k) && k >= 1 && k <= MAX_K && k !== this.state.k) return outcome([], [{ type: 'setK', k }]);
    return outcome(['k']);
  }

  compareWith(runId: string | null): Outcome {
    return outcome([], [{ type: 'compare', runId }]);
  }

  exportCsv(scope: 'user' | 'test'): Outcome {
    return outcome([], [{ type: 'export', scope }]);
  }

  setTab(tab: Tab): Outcome {
    this.view.tab = tab;
    return outcome(['tabs'], this.latentRequest());
  }

  setList(list: ListKind): Outcome {
    this.view.list = list;
    return outcome(['list']);
  }

  setSort(sort: ListSort): Outcome {
    this.view.sort = sort;
    return outcome(['list']);
  }

  setColourBy(colourBy: string): Outcome {
    this.view.colourBy = colourBy;
    return outcome(['colour']);
  }

  /** The users the picker lists, in its order. */
  listed(): UserSummary[] {
    return this.state ? listUsers(this.state.users, this.view.list, this.view.sort) : [];
  }

  /** When the user the page asked for is now shown: the time it was asked (once), else null. */
  answeredAt(): number | null {
    if (!this.asked || this.state?.view?.result.user !== this.asked.user) return null;
    const { at } = this.asked;
    this.asked = null;
    return at;
  }

  /** What the page saves: its view settings and the host's restorable choices (the saved ones until the host's state arrives). */
  persisted(): PersistedInspectorState {
    const s = this.state;
    const restore: Partial<InspectorRestore> = s
      ? { runId: s.runId, k: s.k, ...(s.user ? { user: s.user } : {}), ...(s.compareRunId ? { compareRunId: s.compareRunId } : {}) }
      : this.restored;
    return { ...this.view, ...restore };
  }

  /** Asks for the projection once, when the latent view is shown and the run has one. */
  private latentRequest(): InspectorRequest[] {
    const s = this.state;
    if (this.view.tab !== 'latent' || this.latentRequested || !s?.run?.hasLatent || s.latent || s.latentError) return [];
    this.latentRequested = true;
    return [{ type: 'loadLatent' }];
  }
}
