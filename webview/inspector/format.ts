/** Small formatting and list helpers of the inspector page, kept apart from the DOM for unit tests. */
import type { UserSummary } from '../../src/shared/inferenceResults';
import type { ListKind, ListSort } from './viewState';

export const MARK_LABELS = { train: 'training', 'fold-in': 'fold-in', 'held-out': 'held out', unused: 'not used' } as const;
export const ROLE_LABELS = { train: 'training user', validation: 'validation user', test: 'test user' } as const;

export function formatDate(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

export const fmt = (v: number | undefined, digits = 3): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

/** A share (0..1) as a whole percentage. */
export const percent = (share: number): string => `${Math.round(share * 100)}%`;

/** The picker's list: users of one kind, ordered; users without NDCG sort last either way (most active first). */
export function listUsers(users: readonly UserSummary[], kind: ListKind, sort: ListSort): UserSummary[] {
  const list = kind === 'all' ? [...users] : users.filter((u) => u.role === kind);
  const byNdcg = (dir: number) => (a: UserSummary, b: UserSummary) => {
    if (a.ndcg === undefined || b.ndcg === undefined) return (a.ndcg === undefined ? 1 : 0) - (b.ndcg === undefined ? 1 : 0) || b.activity - a.activity;
    return dir * (a.ndcg - b.ndcg) || b.activity - a.activity;
  };
  const compare: Record<ListSort, (a: UserSummary, b: UserSummary) => number> = {
    'activity-desc': (a, b) => b.activity - a.activity,
    'activity-asc': (a, b) => a.activity - b.activity,
    'ndcg-asc': byNdcg(1),
    'ndcg-desc': byNdcg(-1),
  };
  return list.sort(compare[sort]);
}

/** Values scaled to 0..1 for the colour ramp: log for counts (a few users rate thousands of films). */
export function rampValues(values: readonly number[], log: boolean): number[] {
  const t = log ? values.map((v) => Math.log1p(v)) : [...values];
  let min = Infinity;
  let max = -Infinity;
  for (const v of t) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const span = max - min || 1;
  return t.map((v) => (v - min) / span);
}
