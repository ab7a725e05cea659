/**
 * The sweep's header (status, progress, best configuration), parameter importance with its method
 * named, and, for configurations repeated over seeds, their mean and standard deviation.
 */
import type { SeedSummary } from '../../src/shared/statsContracts';
import type { ImportanceView, SweepViewData } from '../../src/shared/sweepViewMessages';
import { el } from '../shared/dom';
import { formatNumber } from './trialTableModel';

const params = (p: Record<string, number | string>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v, 6) : v}`)
    .join(', ');

export function renderHeader(data: SweepViewData): HTMLElement {
  const s = data.sweep;
  const p = s.progress;
  const best = s.best;
  const bestTrial = best ? data.trials[best.index] : undefined;
  const bestText = best
    ? `best ${s.metric.name} ${formatNumber(best.metric)}${best.repeats > 1 ? ` ± ${formatNumber(best.metricStd)} over ${best.repeats} seeds` : ''} (trial ${best.index}${bestTrial ? `: ${params(bestTrial.params)}` : ''})`
    : 'no completed trial yet';
  return el(
    'header',
    { class: 'sweep-header' },
    el('h1', {}, s.name, ' ', el('span', { class: `status status-${s.status}`, 'data-status': s.status }, s.status)),
    el(
      'p',
      { class: 'sweep-facts' },
      `${s.model} · ${s.method} search · ${p.trialsDone}/${p.trials} trials done · ${p.epochsDone}/${p.epochsPlanned} epochs · early stopping: ${s.earlyStopping}${s.repeats > 1 ? ` · ${s.repeats} seeds per configuration` : ''}`,
    ),
    el('p', { class: 'sweep-best', 'data-best-trial': best ? String(best.index) : '' }, bestText),
  );
}

export function renderImportance(view: ImportanceView | null): HTMLElement {
  const section = el('section', { class: 'importance', 'aria-labelledby': 'importance-title' }, el('h2', { id: 'importance-title' }, 'Parameter importance'));
  if (!view || view.result.parameters.length === 0) {
    section.append(el('p', { class: 'empty' }, view ? `Not enough trials yet (${view.result.trials} with a metric).` : 'No parameter varies.'));
    return section;
  }
  const r = view.result;
  section.append(el('p', { class: 'method', 'data-method': r.method }, `Method: ${r.description}. Computed from ${view.basis}.`));
  const rows = r.parameters.map((p) => {
    const bar = el('span', { class: 'bar' });
    bar.style.width = `${Math.max(0.5, p.importance * 100)}%`;
    const chance = el('span', { class: 'chance', title: `What a parameter unrelated to the metric scores here: ${formatNumber(p.chance, 3)}` });
    chance.style.left = `${Math.min(100, p.chance * 100)}%`;
    return el(
      'tr',
      { 'data-parameter': p.parameter },
      el('th', { scope: 'row' }, p.parameter),
      el('td', { class: 'bar-cell' }, el('span', { class: 'bar-track' }, bar, chance)),
      el('td', { class: 'num' }, `${(p.importance * 100).toFixed(1)}%`),
      el('td', { class: 'num dim' }, `chance ${(p.chance * 100).toFixed(1)}%`),
    );
  });
  section.append(el('table', { class: 'importance-table' }, el('tbody', {}, ...rows)));
  const top = r.interactions[0];
  if (top && top.importance > 0.01)
    section.append(el('p', { class: 'dim' }, `Largest interaction: ${top.parameters.join(' × ')}, ${(top.importance * 100).toFixed(1)}% of the variance.`));
  return section;
}

const meanSd = (s: SeedSummary | null | undefined) => (s ? `${formatNumber(s.mean)}${s.sd !== null ? ` ± ${formatNumber(s.sd)}` : ''} (n=${s.n})` : '');

export function renderSeeds(data: SweepViewData): HTMLElement | null {
  if (!data.seeds) return null;
  const head = el(
    'tr',
    {},
    ...['Configuration', `${data.sweep.metric.name} mean ± sd`, 'Test NDCG@100 mean ± sd', 'Test R@20 mean ± sd'].map((h) => el('th', { scope: 'col' }, h)),
  );
  const rows = data.seeds.map((g) =>
    el(
      'tr',
      { class: g.configIndex === data.sweep.best?.configIndex ? 'best' : undefined },
      el('th', { scope: 'row' }, params(g.params) || `configuration ${g.configIndex}`),
      el('td', { class: 'num' }, meanSd(g.metric)),
      el('td', { class: 'num' }, meanSd(g.test['ndcg@100'])),
      el('td', { class: 'num' }, meanSd(g.test['recall@20'])),
    ),
  );
  return el(
    'section',
    { class: 'seeds', 'aria-labelledby': 'seeds-title' },
    el('h2', { id: 'seeds-title' }, 'Across seeds'),
    el(
      'p',
      { class: 'dim' },
      'Completed repeats of each configuration; sd is the sample standard deviation. The seed also draws the split, so repeats differ in their users too.',
    ),
    el('div', { class: 'table-scroll' }, el('table', { class: 'seeds-table' }, el('thead', {}, head), el('tbody', {}, ...rows))),
  );
}
