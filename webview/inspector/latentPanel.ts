/** The latent view: every user in the projection of the run's latent space, coloured by activity or a genre. */
import { el, singleSelect } from '../shared/dom';
import type { InspectorModel, Section } from './inspectorModel';
import { Scatter, rampColour } from './scatter';
import { colourChoices, latentColours, latentInfo, latentMessage } from './viewData';

export interface LatentActions {
  /** A user's point was clicked. */
  pickUser(user: string): void;
  setColourBy(colourBy: string): void;
}

export class LatentPanel {
  readonly element = el('section', { class: 'latent-panel', id: 'panel-latent', role: 'tabpanel', 'aria-labelledby': 'tab-latent' });
  private readonly scatter: Scatter;
  private readonly info = el('p', { class: 'hint latent-info' });
  private readonly message = el('p', { class: 'hint' });
  private readonly colourHolder = el('span', { class: 'control' });
  private readonly legend = el('div', { class: 'legend', 'aria-hidden': 'true' });

  constructor(private readonly actions: LatentActions) {
    this.scatter = new Scatter((user) => actions.pickUser(user));
    const resetZoom = el('vscode-button', { secondary: true, title: 'Back to the whole picture (key 0)' }, 'Reset zoom');
    resetZoom.addEventListener('click', () => this.scatter.resetView());
    this.element.append(
      el('div', { class: 'toolbar' }, this.colourHolder, this.legend, el('span', { class: 'spacer' }), resetZoom),
      this.info,
      this.message,
      this.scatter.element,
    );
  }

  render(sections: ReadonlySet<Section>, model: InspectorModel): void {
    if (sections.has('tabs')) this.element.hidden = model.view.tab !== 'latent';
    const s = model.state;
    if (!s) return;
    const l = s.latent;
    if (sections.has('latent')) {
      const message = latentMessage(s);
      this.message.textContent = message.text;
      this.message.className = message.error ? 'error' : 'hint';
      if (l) {
        this.colourHolder.replaceChildren(
          el('span', {}, 'Colour by'),
          singleSelect('Colour the users by', colourChoices(l), model.view.colourBy, this.actions.setColourBy),
        );
        this.info.textContent = latentInfo(l);
      } else this.scatter.setData(null);
    }
    if (l && (sections.has('latent') || sections.has('colour'))) {
      const roles = new Map(s.users.map((u) => [u.user, u.role]));
      const colours = latentColours(l, model.view.colourBy, (user) => roles.get(user));
      this.scatter.setData({ users: l.users, x: l.x, y: l.y, value: colours.values, describe: colours.describe });
      const ramp = el('span', { class: 'ramp' });
      ramp.style.background = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(rampColour).join(', ')})`;
      this.legend.replaceChildren(el('span', {}, colours.low), ramp, el('span', {}, colours.high));
    }
    if (sections.has('highlight') || sections.has('latent')) this.scatter.highlight(s.user);
  }
}
