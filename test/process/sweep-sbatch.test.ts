/**
 * A trial's sbatch script runs under /bin/sh: every argument of the trial's command must reach the
 * CLI unchanged, quotes, spaces and JSON included (printf stands in for node and prints them).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseSweepSpec, type SlurmExecutorSpec } from '../../src/shared/sweepSchema';
import { sbatchScript } from '../../src/trainer/sweep/slurmExecutor';

describe('the sbatch script of a trial', () => {
  const args = [
    'train',
    '--data',
    "/data/it's here",
    '--name',
    'grid #3',
    '--sweep-trial',
    JSON.stringify({ sweepId: 'g-1', trial: 3, parameters: { dropout: 0.5 } }),
  ];
  const script = (nodePath: string, cliPath: string) =>
    sbatchScript({
      spec: parseSweepSpec({ name: 's', model: 'mvae', dataset: 'ml-1m', executor: { type: 'slurm' } }).executor as SlurmExecutorSpec,
      sweepId: 'g-1',
      trial: 3,
      attempt: 2,
      params: { dropout: 0.5 },
      outputFile: '/shared/sweeps/g 1/jobs/trial-3-a2.out',
      nodePath,
      cliPath,
      args,
    });

  it('passes every argument through /bin/sh unchanged', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-sbatch-'));
    try {
      const file = path.join(dir, 'job.sh');
      // printf stands in for node: it prints each argument it receives on a line.
      fs.writeFileSync(file, script('printf', '%s\\n'));
      const printed = execFileSync('/bin/sh', [file], { encoding: 'utf8' }).split('\n').slice(0, -1);
      assert.deepEqual(printed, [...args, '--quiet', '--json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
