/**
 * One spec file's VS Code: a code-server, a headless browser page on a workspace, and `step`, which
 * keeps a screenshot and the editor's logs when a test body fails. Shared so that every suite starts,
 * reports and tears down the same way.
 */
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { TEST_RESULTS, launchBrowser, screenshotOnFailure, startCodeServer, type CodeServer, type CodeServerOptions } from './codeServer';
import { Workbench } from './workbench';

export class E2eSession {
  server: CodeServer | undefined;
  private browser: Browser | undefined;
  private current: Page | undefined;
  /** Failed steps so far: a later test that needs an earlier one's state can skip with a reason. */
  failures = 0;

  /** `name` prefixes failure screenshots and names the log folder under test-results/. */
  constructor(readonly name: string) {}

  get logDir(): string {
    return path.join(TEST_RESULTS, this.name);
  }

  get page(): Page {
    if (!this.current) throw new Error(`${this.name}: the workbench is not open`);
    return this.current;
  }

  /**
   * Starts code-server and a browser, opens the workspace and waits for the workbench. `initScript`
   * runs in every document of the page before its own scripts, from the first load on (reloads too).
   */
  async open(workspace: string, opts: Omit<CodeServerOptions, 'logDir'> & { initScript?: string } = {}): Promise<Workbench> {
    this.server = await startCodeServer({ ...opts, logDir: this.logDir });
    this.browser = await launchBrowser();
    this.current = await this.browser.newPage({ viewport: { width: 1280, height: 800 } });
    if (opts.initScript) await this.current.addInitScript(opts.initScript);
    const wb = new Workbench(this.current);
    await this.current.goto(this.server.workbenchUrl(workspace));
    await wb.ready();
    return wb;
  }

  async step(stepName: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      this.failures++;
      await screenshotOnFailure(this.current, `${this.name}-${stepName}`);
      this.server?.saveLogs(this.logDir);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    await this.server?.stop();
  }
}
