/**
 * Runs the integration suites inside a real VS Code extension host (code-server, driven by
 * headless Chromium): bundles the suites, writes a fixture workspace, opens it with this repository
 * as the extension under development and the suites as `extensionTestsPath`, and waits for
 * `codeAutomationExit`. Prints one line per test and a closing "N passed, N failed" line.
 * Usage: node --import tsx test/integration/runInCodeServer.ts   (after npm run build + build:extension)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT, TEST_RESULTS, launchBrowser, screenshotOnFailure, startCodeServer, type CodeServer } from '../e2e/codeServer';
import { BUNDLE, bundleSuites, makeWorkspace, exitWhenDone, judgeResults } from './setup';

const SUITE_TIMEOUT_MS = 5 * 60_000;

async function main(): Promise<number> {
  for (const f of ['dist/extension.js', 'dist/trainer.js']) {
    if (!fs.existsSync(path.join(REPO_ROOT, f))) throw new Error(`${f} is missing: run "npm run build && npm run build:extension" first`);
  }
  await bundleSuites();
  const workspace = makeWorkspace();
  const resultsFile = path.join(workspace, '..', `${path.basename(workspace)}-results.jsonl`);
  const logDir = path.join(TEST_RESULTS, 'integration');
  const started = Date.now();
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let exitCode: number | undefined;
  try {
    server = await startCodeServer({ logDir, env: { VAEREC_TEST_RESULTS: resultsFile } });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let settle: (code: number) => void = () => undefined;
    const outcome = new Promise<number>((resolve) => (settle = resolve));
    // The workbench calls window.codeAutomationExit(code) when extensionTestsPath has run.
    await page.exposeFunction('codeAutomationExit', (code: number) => settle(code));
    const testsPath = `vscode-remote://127.0.0.1:${server.port}${BUNDLE}`;
    await page.goto(server.workbenchUrl(workspace, [['extensionTestsPath', testsPath]]));
    console.log(`integration: workbench loading after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`the suites did not finish within ${SUITE_TIMEOUT_MS / 1000} s`)), SUITE_TIMEOUT_MS).unref(),
    );
    exitCode = await Promise.race([outcome, timeout]);
  } catch (err) {
    console.error(`integration: ${(err as Error).message}`);
  }
  const { ok, summary } = judgeResults(exitCode, resultsFile);
  if (!ok) {
    await screenshotOnFailure(page, 'integration-failure');
    server?.saveLogs(logDir);
    console.error(
      `integration: failed (exit code ${exitCode ?? 'none'}); screenshot and logs in ${path.relative(REPO_ROOT, logDir)}/ and ${path.relative(REPO_ROOT, TEST_RESULTS)}/`,
    );
  }
  await browser?.close().catch(() => undefined);
  await server?.stop();
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.rmSync(resultsFile, { force: true });
  console.log(`integration suites took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(summary);
  return ok ? 0 : 1;
}

exitWhenDone(main());
