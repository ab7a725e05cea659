/**
 * `vaerec sweep replay`'s rules from the command line and its answer as a table or JSON: for each
 * early-stopping rule, the epochs it would have consumed, the configuration it would have picked
 * and how far that is from the full sweep's best, and across random start orders how often it
 * picks the same.
 */
import type { EarlyStoppingSpec, SweepRecord } from '../../shared/sweepSchema';
import { formatParams, formatTable } from './display';
import { ReplayInputError, type ReplayResult, type RuleReplay } from './replay';

const SCAN_LIMIT = 50;

/** `--asha GRACE,ETA`, `--median AFTER[,MIN_TRIALS]` and `--scan` as rules, for a sweep of `maxEpochs` epochs. */
export function replayRulesFrom(o: { asha?: string[]; median?: string[]; scan?: boolean }, maxEpochs: number): EarlyStoppingSpec[] {
  const rules: EarlyStoppingSpec[] = [];
  const numbers = (flag: string, v: string, count: number[]) => {
    const parts = v.split(',').map((x) => Number(x.trim()));
    if (!count.includes(parts.length) || parts.some((x) => !Number.isFinite(x)))
      throw new ReplayInputError(`${flag} ${v}: expected ${flag === '--asha' ? 'GRACE,ETA' : 'AFTER or AFTER,MIN_TRIALS'}`);
    return parts;
  };
  for (const v of o.asha ?? []) {
    const [grace, eta] = numbers('--asha', v, [2]);
    if (!Number.isInteger(grace) || grace < 1 || grace >= maxEpochs)
      throw new ReplayInputError(`--asha ${v}: the grace epochs must be a whole number from 1 to ${maxEpochs - 1}`);
    if (eta <= 1) throw new ReplayInputError(`--asha ${v}: the reduction factor must be greater than 1`);
    rules.push({ type: 'asha', graceEpochs: grace, reductionFactor: eta, maxEpochs });
  }
  for (const v of o.median ?? []) {
    const [after, minTrials = 1] = numbers('--median', v, [1, 2]);
    if (!Number.isInteger(after) || after < 1) throw new ReplayInputError(`--median ${v}: the epoch must be a whole number from 1`);
    if (!Number.isInteger(minTrials) || minTrials < 1) throw new ReplayInputError(`--median ${v}: the minimum number of trials must be a whole number from 1`);
    rules.push({ type: 'median', afterEpochs: after, minTrials });
  }
  if (o.scan) {
    const top = Math.min(SCAN_LIMIT, maxEpochs - 1);
    for (let eta = 2; eta <= 5; eta++)
      for (let grace = 1; grace <= top; grace++) rules.push({ type: 'asha', graceEpochs: grace, reductionFactor: eta, maxEpochs });
    for (let after = 1; after <= top; after++) rules.push({ type: 'median', afterEpochs: after, minTrials: 1 });
  }
  if (rules.length === 0) throw new ReplayInputError('name a rule to replay: --asha GRACE,ETA, --median AFTER[,MIN_TRIALS] or --scan');
  return rules;
}

export function ruleLabel(r: EarlyStoppingSpec): string {
  if (r.type === 'asha') return `asha ${r.graceEpochs},${r.reductionFactor}`;
  if (r.type === 'median') return `median ${r.afterEpochs}${r.minTrials > 1 ? `,${r.minTrials}` : ''}`;
  return 'none';
}

const f4 = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4));

function picked(record: SweepRecord, r: ReplayResult): string {
  if (!r.best) return 'none completed';
  const configIndex = r.best.configIndex;
  const trial = record.trials.find((t) => t.configIndex === configIndex);
  return `#${configIndex} ${trial ? formatParams(trial.params) : ''}`.trim();
}

/** The answer as lines for a terminal. */
export function formatReplay(record: SweepRecord, concurrency: number, replay: { full: ReplayResult; rules: RuleReplay[] }, within?: number): string[] {
  const m = record.spec.metric.name;
  const { full } = replay;
  const withOrders = replay.rules.some((r) => r.orders);
  const header = [
    'rule',
    'epochs',
    'picks',
    m,
    'gap',
    ...(withOrders ? ['same pick', ...(within !== undefined ? [`within ${within}`] : []), 'worst gap', 'epochs: median [min-max]'] : []),
  ];
  const rows = replay.rules.map((r) => {
    const o = r.orders;
    return [
      ruleLabel(r.rule),
      `${r.result.epochs} (${((100 * r.result.epochs) / full.epochs).toFixed(1)}%)`,
      picked(record, r.result),
      r.result.best ? f4(r.result.best.metric) : '-',
      r.gap !== undefined ? f4(r.gap) : '-',
      ...(withOrders
        ? o
          ? [
              `${o.samePick}/${o.n}`,
              ...(within !== undefined ? [`${o.within ?? 0}/${o.n}`] : []),
              o.worstGap === null ? '-' : f4(o.worstGap),
              `${o.epochs.median} [${o.epochs.min}-${o.epochs.max}]`,
            ]
          : ['', ...(within !== undefined ? [''] : []), '', '']
        : []),
    ];
  });
  return [
    `sweep ${record.id}: ${record.trials.length} trials, ${full.epochs} epochs in full, ${concurrency} at a time; its pick: ${picked(record, full)}, ${m} ${full.best ? f4(full.best.metric) : '-'}`,
    ...formatTable([header, ...rows]),
    "gap: the pick's value in the full sweep (its repeats trained to the end) below the full sweep's best",
    ...(withOrders ? [`same pick, within, worst gap and epochs: over ${replay.rules.find((r) => r.orders)?.orders?.n} seeded random start orders`] : []),
  ];
}

/** The answer as one JSON object. */
export function replayJson(record: SweepRecord, concurrency: number, replay: { full: ReplayResult; rules: RuleReplay[] }) {
  const pick = (r: ReplayResult) =>
    r.best
      ? { configIndex: r.best.configIndex, params: record.trials.find((t) => t.configIndex === r.best?.configIndex)?.params ?? {}, metric: r.best.metric }
      : null;
  return {
    sweepId: record.id,
    metric: record.spec.metric,
    concurrency,
    full: { epochs: replay.full.epochs, seconds: replay.full.seconds, best: pick(replay.full) },
    rules: replay.rules.map((r) => ({
      rule: r.rule,
      epochs: r.result.epochs,
      share: r.result.epochs / replay.full.epochs,
      seconds: r.result.seconds,
      best: pick(r.result),
      gap: r.gap ?? null,
      trials: r.result.trials.map((t) => ({ index: t.index, state: t.state, epochs: t.epochs, metric: t.metric, ...(t.stop ? { stop: t.stop } : {}) })),
      ...(r.orders ? { orders: r.orders } : {}),
    })),
  };
}
