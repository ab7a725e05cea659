/** A labelled table of every reference figure, so the short labels in the run table have their full protocol nearby. */
import { modelLabel } from '../../src/shared/modelKinds';
import { el } from '../shared/dom';
import { REFERENCE_FIGURES } from './referenceFigures';
import { formatMetric } from './runRows';

export function renderReferencePanel(): HTMLElement {
  const head = el('tr', {}, ...['Model', 'Source', 'Dataset and protocol', 'NDCG@100', 'Recall@20', 'Recall@50'].map((h) => el('th', { scope: 'col' }, h)));
  const rows = REFERENCE_FIGURES.map((r) =>
    el(
      'tr',
      { class: r.sameProtocol ? 'same' : undefined },
      el('th', { scope: 'row' }, modelLabel(r.model)),
      el('td', {}, r.source),
      el('td', {}, r.protocol),
      ...[r.ndcg100, r.recall20, r.recall50].map((v) => el('td', { class: 'num' }, formatMetric(v))),
    ),
  );
  return el(
    'details',
    { class: 'references' },
    el('summary', {}, 'Reference test figures and their protocols'),
    el(
      'p',
      {},
      'Only figures with the same dataset and protocol are directly comparable with a run: ML-20M numbers are on a larger dataset with 10k held-out users.',
    ),
    el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)),
  );
}
