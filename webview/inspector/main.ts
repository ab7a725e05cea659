/**
 * Recommendation inspector webview (bundled to dist/webview/inspector.js + .css). It keeps no data of
 * its own: it announces `ready`, and the model turns the host's state and patches, and the user's
 * choices, into requests for the host and the sections the panels draw again.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../shared/base.css';
import './inspector.css';
import type { InspectorUpdate } from '../../src/shared/inspectorMessages';
import { el } from '../shared/dom';
import { onHostMessage } from '../shared/vscodeHost';
import { InspectorModel, type Outcome } from './inspectorModel';
import { LatentPanel } from './latentPanel';
import { Toolbar } from './toolbar';
import { UserPanel } from './userPanel';
import { UserPicker } from './userPicker';
import { postRequest, saveViewState, savedFields } from './vscodeApi';

const model = new InspectorModel(savedFields());
const now = () => performance.now();

function apply(outcome: Outcome): void {
  for (const request of outcome.send) postRequest(request);
  for (const panel of panels) panel.render(outcome.render, model);
  saveViewState(model.persisted());
}

const toolbar = new Toolbar({
  setTab: (tab) => apply(model.setTab(tab)),
  commitK: (text) => apply(model.commitK(text)),
  compareWith: (runId) => apply(model.compareWith(runId)),
  exportCsv: (scope) => apply(model.exportCsv(scope)),
});
const picker = new UserPicker(model, {
  search: (text) => apply(model.search(text, now())),
  showUser: (user) => apply(model.showUser(user, now())),
  randomUser: () => apply(model.randomUser(Math.random(), now())),
  setList: (list) => apply(model.setList(list)),
  setSort: (sort) => apply(model.setSort(sort)),
});
const userPanel = new UserPanel();
const latentPanel = new LatentPanel({
  pickUser: (user) => apply(model.pickUser(user, now())),
  setColourBy: (colourBy) => apply(model.setColourBy(colourBy)),
});
const panels = [toolbar, picker, userPanel, latentPanel];

const app = document.getElementById('app') ?? document.body;
app.replaceChildren(
  toolbar.header,
  toolbar.element,
  el('div', { class: 'layout' }, picker.element, el('div', { class: 'main' }, userPanel.element, latentPanel.element)),
);
app.removeAttribute('aria-busy');
apply(model.setTab(model.view.tab));

onHostMessage<InspectorUpdate>(['state', 'patch'], (update) => {
  apply(model.receive(update));
  const askedAt = model.answeredAt();
  // How long the user the page asked for took to be drawn (host, inference process and rendering),
  // kept on the panel for the e2e suite; two frames, so it has been laid out and painted.
  if (askedAt !== null) requestAnimationFrame(() => requestAnimationFrame(() => (userPanel.element.dataset.latencyMs = String(Math.round(now() - askedAt)))));
});

postRequest({ type: 'ready' });
