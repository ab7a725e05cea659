/**
 * The sweep view's statistics (importance, spread across seeds, the paired tests and the per-user
 * metrics they read), bundled apart as dist/sweepStats.js and loaded when a sweep view first needs
 * them, so that activation never parses them (test/unit/architecture.test.ts checks both bundles).
 */
export { buildSweepViewData } from './sweepViewData';
export { computeSignificance, planSignificance } from './sweepSignificance';
