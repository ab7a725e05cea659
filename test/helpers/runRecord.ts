/** A valid run record for tests that need one without a run: a finished Mult-VAE run; `extra` overrides any field. */
import type { RunRecord } from '../../src/shared/runSchema';
import { makeConfig } from '../../src/shared/trainConfig';

export function runRecord(id: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    schemaVersion: 1,
    id,
    name: `run ${id}`,
    model: 'mvae',
    status: 'completed',
    config: makeConfig('mvae', '/data'),
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    epochsCompleted: 1,
    steps: 1,
    epochSeconds: [],
    artifacts: {},
    ...extra,
  };
}
