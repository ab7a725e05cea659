/**
 * Runs the same integration suites under VS Code desktop through @vscode/test-electron, for machines
 * that can download VS Code (this project's CI machines cannot: there the code-server runner,
 * runInCodeServer.ts, is the one `npm test` uses). The extension host is then Electron, so this is
 * also the run that exercises the trainer started with ELECTRON_RUN_AS_NODE.
 * Usage: npm run test:integration:electron   [VSCODE_VERSION=1.100.3 by default, the version CI pins]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO_ROOT } from '../e2e/codeServer';
import { BUNDLE, bundleSuites, makeWorkspace, exitWhenDone, judgeResults } from './setup';

/** The VS Code inside the code-server version pinned in scripts/ci/versions.json. */
const DEFAULT_VERSION = '1.100.3';

async function main(): Promise<number> {
  for (const f of ['dist/extension.js', 'dist/trainer.js']) {
    if (!fs.existsSync(path.join(REPO_ROOT, f))) throw new Error(`${f} is missing: run "npm run build" first`);
  }
  await bundleSuites();
  const workspace = makeWorkspace();
  const resultsFile = path.join(workspace, '..', `${path.basename(workspace)}-results.jsonl`);
  let exitCode = 1;
  try {
    exitCode = await runTests({
      version: process.env.VSCODE_VERSION ?? DEFAULT_VERSION,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: BUNDLE,
      extensionTestsEnv: { VAEREC_TEST_RESULTS: resultsFile },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
  } catch (err) {
    console.error(`integration (electron): ${(err as Error).message}`);
  }
  const { ok, summary } = judgeResults(exitCode, resultsFile);
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.rmSync(resultsFile, { force: true });
  console.log(summary);
  return ok ? 0 : 1;
}

exitWhenDone(main());
