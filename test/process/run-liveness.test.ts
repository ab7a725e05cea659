/**
 * Issue 13, defect 4, with real processes: a trainer killed and never reaped (a zombie, as a
 * container without an init leaves it) is dead, although kill(pid, 0) still succeeds on it, and
 * every reader (`vaerec runs`, the extension's store) shows its run as interrupted at once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, it } from 'node:test';
import { localProbe } from '../../src/shared/runLiveness';
import { makeConfig } from '../../src/shared/trainConfig';
import { removeTempDirs, tempDir } from '../fixtures/tempDir';
import { cli } from '../helpers/cli';

after(removeTempDirs);

it('a zombie trainer (killed, never reaped) reads as interrupted, although kill(pid, 0) succeeds on it', async () => {
  // `sleep 0.2` exits, and its parent (the shell, replaced by `sleep 60`) never waits for it.
  const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))));
    const start = localProbe.startToken(pid);
    for (const until = Date.now() + 20_000; localProbe.state(pid) !== 'zombie' && Date.now() < until;) await new Promise((r) => setTimeout(r, 50));
    assert.equal(localProbe.state(pid), 'zombie');
    assert.doesNotThrow(() => process.kill(pid, 0), 'kill(pid, 0) succeeds on a zombie');

    const runs = tempDir();
    const now = new Date().toISOString();
    const record = (pidStart: string | undefined) => ({
      schemaVersion: 1,
      name: 'zombie',
      model: 'mvae',
      status: 'running',
      config: makeConfig('mvae', '/data/ml-1m'),
      pid,
      pidStart,
      host: os.hostname(),
      createdAt: now,
      updatedAt: now,
      epochsCompleted: 1,
      steps: 1,
      epochSeconds: [1],
      artifacts: {},
    });
    // As the trainer wrote it (with its start time), and as an older trainer did (without), heartbeat fresh.
    for (const [id, pidStart] of [
      ['with-start', start],
      ['without-start', undefined],
    ] as const) {
      fs.mkdirSync(path.join(runs, id));
      fs.writeFileSync(path.join(runs, id, 'run.json'), JSON.stringify({ ...record(pidStart), id }));
    }
    const listed = JSON.parse(cli(['runs', '--runs-dir', runs, '--json']).stdout) as { id: string; status: string }[];
    assert.deepEqual(listed.map((r) => [r.id, r.status]).sort(), [
      ['with-start', 'interrupted'],
      ['without-start', 'interrupted'],
    ]);
  } finally {
    parent.kill('SIGKILL');
  }
});
