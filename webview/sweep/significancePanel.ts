/**
 * The best configuration's run against the runner-up and a popularity baseline on the same test
 * users: per metric, the mean difference with its 95% bootstrap interval, the paired t-test's and
 * Wilcoxon signed-rank test's p-values (computed on the host with `compareRuns`).
 */
import type { MetricComparison } from '../../src/shared/statsContracts';
import type { SignificanceEntry, SignificanceView } from '../../src/shared/sweepViewMessages';
import { el } from '../shared/dom';
import { formatNumber } from './trialTableModel';

const AGAINST = { 'runner-up': 'vs the runner-up configuration (same seed)', popularity: 'vs the popularity baseline (same split)' } as const;

const pText = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

function metricRow(c: MetricComparison): HTMLElement {
  const i = c.interval;
  return el(
    'tr',
    { 'data-metric': c.metric },
    el('th', { scope: 'row' }, c.metric),
    el('td', { class: 'num' }, formatNumber(c.meanA)),
    el('td', { class: 'num' }, formatNumber(c.meanB)),
    el('td', { class: 'num' }, `${c.meanDifference >= 0 ? '+' : ''}${formatNumber(c.meanDifference)}`),
    el('td', { class: 'num' }, `[${formatNumber(i.lower)}, ${formatNumber(i.upper)}]`),
    el('td', { class: 'num' }, pText(c.tTest.pValue)),
    el('td', { class: 'num' }, pText(c.wilcoxon.pValue)),
  );
}

function entry(e: SignificanceEntry, onTrainBaseline: (() => void) | undefined): HTMLElement {
  const block = el('div', { class: 'comparison', 'data-against': e.against }, el('h3', {}, AGAINST[e.against]));
  if (!e.comparison) {
    block.append(el('p', { class: 'dim' }, `Not available: ${e.unavailable ?? 'unknown reason'}.`));
    if (onTrainBaseline) {
      const b = el('vscode-button', { secondary: true, 'data-action': 'trainBaseline' }, 'Train Popularity Baseline');
      b.addEventListener('click', onTrainBaseline);
      block.append(
        b,
        el('p', { class: 'dim' }, 'It trains with the workspace settings: its seed and held-out users must match the best run’s for the pairing.'),
      );
    }
    return block;
  }
  const c = e.comparison;
  const head = el(
    'tr',
    {},
    ...['Metric', c.a.name, c.b.name, 'Mean difference', '95% bootstrap CI', 'Paired t p', 'Wilcoxon p'].map((h) => el('th', { scope: 'col' }, h)),
  );
  block.append(
    el('p', { class: 'dim' }, `${c.users} test users paired; ${c.metrics[0]?.interval.resamples ?? 0} bootstrap resamples; p-values two-sided.`),
    el('table', { class: 'significance-table' }, el('thead', {}, head), el('tbody', {}, ...c.metrics.map(metricRow))),
    ...c.warnings.map((w) => el('p', { class: 'warning' }, w)),
  );
  return block;
}

export function renderSignificance(view: SignificanceView, onTrainBaseline: () => void): HTMLElement {
  const section = el(
    'section',
    { class: 'significance', 'aria-labelledby': 'significance-title', 'data-state': view.state },
    el('h2', { id: 'significance-title' }, 'Significance of the best configuration'),
  );
  if (view.state === 'waiting') section.append(el('p', { class: 'dim' }, `Waiting: ${view.reason}.`));
  else if (view.state === 'computing') section.append(el('p', { class: 'dim' }, 'Comparing the runs user by user…'));
  else section.append(...view.entries.map((e) => entry(e, e.against === 'popularity' && view.canTrainBaseline ? onTrainBaseline : undefined)));
  return section;
}
