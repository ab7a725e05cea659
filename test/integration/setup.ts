/**
 * What both integration runners share (code-server here, @vscode/test-electron where VS Code can be
 * downloaded): the bundled suites, the fixture workspace they open, and reading and printing the
 * results the suites append to the file named by VAEREC_TEST_RESULTS.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { REPO_ROOT } from '../e2e/codeServer';
import { writeClusteredDataset, writeDamagedRunFixture, writeRunFixture, writeWorkspaceSettings } from '../e2e/fixtures';
import type { TestResult } from './index';

export const BUNDLE = path.join(REPO_ROOT, 'out', 'test', 'integration', 'index.js');

export async function bundleSuites(): Promise<void> {
  await esbuild.build({
    entryPoints: [path.join(REPO_ROOT, 'test', 'integration', 'index.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // mocha is ESM and is imported at run time from node_modules; vscode comes from the host.
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

export function makeWorkspace(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-int-ws-'));
  const dataset = path.join(folder, 'data', 'ml-fixture');
  writeClusteredDataset(dataset);
  writeWorkspaceSettings(folder, { dataset, epochs: 3, heldoutUsers: 30 });
  const runs = path.join(folder, '.vaerec', 'runs');
  writeRunFixture(runs, 'fixture-completed', 'completed', { best: 0.4321, createdAt: '2026-01-03T00:00:00.000Z' });
  writeRunFixture(runs, 'fixture-failed', 'failed', { createdAt: '2026-01-02T00:00:00.000Z' });
  const interrupted = writeRunFixture(runs, 'fixture-interrupted', 'running', { createdAt: '2026-01-01T00:00:00.000Z' });
  // A "running" record whose pid is a process that has exited: readers show it as interrupted.
  const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
  const record = JSON.parse(fs.readFileSync(path.join(interrupted, 'run.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(interrupted, 'run.json'), JSON.stringify({ ...record, pid: deadPid, host: os.hostname() }));
  writeDamagedRunFixture(runs, 'fixture-damaged');
  return folder;
}

/**
 * Prints one line per test the suites reported and judges the run: it passes only if the host
 * exited 0, nothing failed and something passed (a run in which nothing was reported counts as a
 * failure, never as an empty pass). `summary` is the closing "N passed, N failed" line.
 */
export function judgeResults(exitCode: number | undefined, file: string): { ok: boolean; summary: string } {
  const results = fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as TestResult)
    : [];
  for (const r of results) {
    console.log(`${r.state === 'passed' ? '✔' : '✖'} ${r.title}${r.ms !== undefined ? ` (${r.ms} ms)` : ''}`);
    if (r.error)
      console.log(
        r.error
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n'),
      );
  }
  const passed = results.filter((r) => r.state === 'passed').length;
  const failed = results.length - passed;
  const ok = exitCode === 0 && failed === 0 && passed > 0;
  return { ok, summary: `${passed} passed, ${ok ? failed : Math.max(failed, 1)} failed` };
}

/** Ends a runner's process with the code its run resolved to (1 if it threw). */
export function exitWhenDone(run: Promise<number>): void {
  run.then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
