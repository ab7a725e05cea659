/**
 * The Slurm executor against a real single-node Slurm (slurm-wlm 22.05 + munge, started by
 * test/fixtures/slurmCluster.ts and stopped by pid at the end): the same small sweep gives the same
 * trial metrics through Slurm as through the local executor (same seeds, one thread each); and a
 * sweep whose coordinator is killed while a job runs is resumed by the job id in sweep.json, its
 * job adopted, and a hopeless trial stopped by the median rule is scancelled and recorded `stopped`;
 * a job whose trainer died with the coordinator is followed, on resume, by a job that resumes the run.
 *
 * Needs root and the packages; without them the suite is skipped with the reason, except under
 * CI=true, where it fails instead (CI provisions both).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSlurmCluster, slurmUnavailable, type SlurmCluster } from '../fixtures/slurmCluster';
import { removeTempDirs } from '../fixtures/tempDir';
import { cli, cliInBackground, lastJson, waitFor } from '../helpers/cli';
import { onlySweepDir, readJson, sweepFixture, sweepFolder, type StatusJson } from '../helpers/sweep';

const unavailable = slurmUnavailable();
const ci = process.env.CI === 'true' || process.env.CI === '1';

if (unavailable && ci) {
  it('Slurm is available under CI', () => assert.fail(`the Slurm suite cannot run: ${unavailable}`));
}

describe('sweeps on a single-node Slurm', { skip: unavailable && !ci ? unavailable : false }, () => {
  let cluster: SlurmCluster;
  const data = sweepFixture();
  before(async () => {
    cluster = await startSlurmCluster();
  });
  after(async () => {
    await cluster?.stop();
    removeTempDirs();
  });

  const grid = (executor: Record<string, unknown>) => ({
    name: 'same',
    model: 'mvae',
    dataset: data,
    base: { epochs: 3, protocol: { heldoutUsers: 20 } },
    parameters: { dropout: { values: [0.2, 0.5] }, hidden: { values: [24] } },
    executor,
  });

  it('the same sweep gives the same trial metrics through Slurm as locally', () => {
    const local = sweepFolder(grid({ type: 'local', concurrency: 2 }));
    const slurm = sweepFolder(grid({ type: 'slurm', cpusPerTask: 1 }));
    const l = cli(['sweep', 'run', local.file, '--runs-dir', local.runs, '--json']);
    assert.equal(l.code, 0, l.stderr);
    const s = cli(['sweep', 'run', slurm.file, '--runs-dir', slurm.runs, '--json'], cluster.env);
    assert.equal(s.code, 0, s.stderr);
    const lo = lastJson<StatusJson>(l.stdout);
    const so = lastJson<StatusJson>(s.stdout);
    assert.equal(so.status, 'completed');
    assert.equal(so.trials.length, 2);
    for (const [i, t] of so.trials.entries()) {
      assert.equal(t.status, 'completed');
      assert.match(t.jobId ?? '', /^\d+$/, 'the job id is recorded');
      const sweepDir = so.sweepDir;
      assert.ok(fs.existsSync(path.join(sweepDir, 'jobs', `trial-${i}-a1.sbatch`)));
      const a = readJson<Record<string, unknown>>(path.join(local.runs, String(lo.trials[i].runId), 'run.json'));
      const b = readJson<Record<string, unknown>>(path.join(slurm.runs, String(t.runId), 'run.json'));
      assert.equal(a.threads, 1);
      assert.equal(b.threads, 1);
      assert.deepEqual(b.config, a.config);
      assert.equal(b.epochsCompleted, 3);
      assert.deepEqual(b.best, a.best, `trial ${i}: best validation`);
      assert.deepEqual(b.test, a.test, `trial ${i}: test metrics`);
      assert.deepEqual(t.metric, lo.trials[i].metric);
    }
    assert.deepEqual(so.best, { ...lo.best, runId: so.best?.runId, runIds: (so.best as { runIds: string[] } | null)?.runIds });
  });

  it('kill -9 of the coordinator while a job runs: resume adopts the job by its id; the median rule scancels a hopeless trial, recorded stopped', async () => {
    const f = sweepFolder({
      name: 'adopt',
      model: 'mvae',
      dataset: data,
      base: { epochs: 150, protocol: { heldoutUsers: 20 } },
      parameters: { learningRate: { values: [0.003, 1e-7] } },
      earlyStopping: { type: 'median', afterEpochs: 3 },
      executor: { type: 'slurm', cpusPerTask: 1, maxJobs: 1 },
    });
    const coordinator = cliInBackground(['sweep', 'run', f.file, '--runs-dir', f.runs, '--json'], { cwd: f.dir, env: cluster.env });
    const sweepDir = await waitFor('the sweep directory', () => onlySweepDir(f.sweeps));
    const running = await waitFor('the first job training', () => {
      const t = readJson<{ trials: { jobId?: string; runId?: string; epochs: number }[] }>(path.join(sweepDir, 'sweep.json')).trials[0];
      return t.jobId && t.runId && t.epochs >= 1 ? t : undefined;
    });
    process.kill(coordinator.pid, 'SIGKILL');
    await coordinator.exited;
    assert.match(
      cluster.run('squeue', ['-h', '-o', '%i', '-j', String(running.jobId)]),
      new RegExp(`^${running.jobId}$`, 'm'),
      'the job outlives the coordinator',
    );

    const resumed = cli(['sweep', 'resume', sweepDir, '--json'], cluster.env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`trial 0: adopted, its Slurm job ${running.jobId} is running \\(run ${running.runId}`));
    const out = lastJson<StatusJson>(resumed.stdout);
    assert.deepEqual(
      out.trials.map((t) => t.status),
      ['completed', 'stopped'],
    );
    assert.equal(out.trials[0].runId, running.runId, 'the adopted job finished its own run');
    assert.equal(out.trials[0].jobId, running.jobId);
    const stopped = out.trials[1];
    assert.equal(stopped.stop?.rule, 'median');
    const run = readJson<{ status: string; stop?: { rule: string }; test?: unknown; epochsCompleted: number }>(
      path.join(f.runs, String(stopped.runId), 'run.json'),
    );
    assert.equal(run.status, 'stopped', 'the trainer recorded the stop it was scancelled for');
    assert.equal(run.stop?.rule, 'median');
    assert.equal(run.test, undefined);
    assert.ok(run.epochsCompleted < 150);
    assert.equal(fs.readdirSync(f.runs).length, 2, 'no trial was run twice');
  });

  it('kill -9 of the coordinator and of the trainer in its job: resume submits a job that resumes the run from its last saved epoch', async () => {
    const f = sweepFolder({
      name: 'continue',
      model: 'mvae',
      dataset: data,
      base: { epochs: 150, protocol: { heldoutUsers: 20 } },
      parameters: { dropout: { values: [0.3] } },
      executor: { type: 'slurm', cpusPerTask: 1 },
    });
    const coordinator = cliInBackground(['sweep', 'run', f.file, '--runs-dir', f.runs, '--json'], { cwd: f.dir, env: cluster.env });
    const sweepDir = await waitFor('the sweep directory', () => onlySweepDir(f.sweeps));
    const running = await waitFor('the job training', () => {
      const t = readJson<{ trials: { jobId?: string; runId?: string; epochs: number }[] }>(path.join(sweepDir, 'sweep.json')).trials[0];
      return t.jobId && t.runId && t.epochs >= 3 ? t : undefined;
    });
    process.kill(coordinator.pid, 'SIGKILL');
    await coordinator.exited;
    const runFile = path.join(f.runs, String(running.runId), 'run.json');
    const before = readJson<{ pid: number; epochsCompleted: number }>(runFile);
    process.kill(before.pid, 'SIGKILL');
    await waitFor('the job to end with its trainer', () =>
      cluster
        .run('squeue', ['-h', '-o', '%i'])
        .split('\n')
        .every((id) => id.trim() !== running.jobId)
        ? true
        : undefined,
    );

    const resumed = cli(['sweep', 'resume', sweepDir, '--json'], cluster.env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`trial 0: to be resumed from its last saved epoch \\(run ${running.runId}, epoch \\d+\\)`));
    const out = lastJson<StatusJson>(resumed.stdout);
    assert.equal(out.trials[0].status, 'completed');
    assert.equal(out.trials[0].runId, running.runId, 'the same run, continued');
    assert.notEqual(out.trials[0].jobId, running.jobId, 'by a new job');
    const script = fs.readFileSync(path.join(sweepDir, 'jobs', 'trial-0-a1-r1.sbatch'), 'utf8');
    assert.match(script, /#SBATCH --job-name=vaerec-.*-t0-a1-r1\n/);
    assert.match(script, new RegExp(`train --resume ${f.runs}/${running.runId} --quiet --json\\n`));
    const run = readJson<{ status: string; epochsCompleted: number; resumes: { afterEpoch: number }[] }>(runFile);
    assert.equal(run.status, 'completed');
    assert.equal(run.epochsCompleted, 150);
    assert.ok(run.resumes[0].afterEpoch >= before.epochsCompleted, `resumed after epoch ${run.resumes[0].afterEpoch}, not from the start`);
    assert.equal(fs.readdirSync(f.runs).length, 1, 'one run');
  });
});
