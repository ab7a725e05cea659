/**
 * What the e2e tests do as a user in the VS Code window, shared by the suites: the command palette,
 * the Runs tree (rows, context menus), the dashboard webview, window reloads, and where screenshots
 * are saved.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { REPO_ROOT, TEST_RESULTS } from './codeServer';

/**
 * Where a documentation screenshot is written: docs/screenshots/ only when VAEREC_UPDATE_SCREENSHOTS=1
 * (so an ordinary test run leaves the work tree clean), test-results/screenshots/ otherwise.
 */
export function screenshotPath(file: string): string {
  const dir = process.env.VAEREC_UPDATE_SCREENSHOTS === '1' ? path.join(REPO_ROOT, 'docs', 'screenshots') : path.join(TEST_RESULTS, 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, file);
}

/** A tree row's accessible label is "name, state, description" (see runsTree.ts). */
export const nameOf = (label: string): string => label.split(', ')[0];

export class Workbench {
  constructor(readonly page: Page) {}

  /** Waits for the workbench to be drawn (after goto or a reload). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: timeoutMs });
  }

  /**
   * Shows the Runs view. Clicking the activity bar icon of the container already shown hides the
   * side bar, and after a reload the workbench restores the container asynchronously: click, then
   * look, until the side bar shows the container.
   */
  async openRunsView(timeoutMs = 60_000): Promise<void> {
    const icon = this.page.locator('.activitybar [aria-label^="VAE Recommender Lab"]').first();
    const title = this.page.locator('.part.sidebar .composite.title', { hasText: /VAE Recommender Lab/i });
    await icon.waitFor({ timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    while (!(await title.isVisible())) {
      if (Date.now() > deadline) throw new Error('the Runs view did not open');
      await icon.click();
      await title.waitFor({ timeout: 3_000 }).catch(() => undefined);
    }
  }

  runRows(): Locator {
    return this.page.locator('.pane-body [role="treeitem"]');
  }

  async rowLabels(): Promise<string[]> {
    return this.runRows().evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
  }

  async waitForRow(predicate: (label: string) => boolean, what: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = (await this.rowLabels()).find(predicate);
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; rows: ${JSON.stringify(await this.rowLabels())}`);
      await this.page.waitForTimeout(100);
    }
  }

  /** The label of the run's row, or undefined when it is not listed. */
  async rowOf(runName: string): Promise<string | undefined> {
    return (await this.rowLabels()).find((l) => nameOf(l) === runName);
  }

  async runFromPalette(command: string): Promise<void> {
    // Right after start-up a command gated by a context key (isWorkspaceTrusted) can be missing
    // from a palette opened before the key settles, and an open palette does not refresh: reopen it.
    for (let attempt = 1; ; attempt++) {
      // Focus the workbench itself (not a webview, whose frame would swallow the keys).
      await this.page.locator('.part.sidebar .composite.title').click();
      await this.page.keyboard.press('Control+Shift+P');
      const input = this.page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${command}`);
      try {
        await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: command }).first().waitFor({ timeout: 5_000 });
        break;
      } catch (err) {
        if (attempt === 3) throw err;
        await this.page.keyboard.press('Escape');
      }
    }
    await this.page.keyboard.press('Enter');
  }

  /** The one-line JSON editor of Train / Rerun, once it shows its prefilled configuration. */
  async jsonEditor(): Promise<Locator> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    const deadline = Date.now() + 10_000;
    while (!(await input.inputValue().catch(() => '')).includes('"epochs"')) {
      if (Date.now() > deadline) throw new Error('the JSON editor did not open with the configuration');
      await this.page.waitForTimeout(100);
    }
    return input;
  }

  /** Right-clicks the run's row and picks an entry of its context menu. */
  async contextMenu(runName: string, entry: string): Promise<void> {
    await this.runRows().filter({ hasText: runName }).first().click({ button: 'right' });
    const item = this.page.locator('.context-view').getByRole('menuitem', { name: entry });
    try {
      await item.waitFor({ state: 'visible', timeout: 10_000 });
    } catch {
      // Closed, so that the next steps of the suite are not blocked by an open menu.
      const offered = await this.page.locator('.context-view').getByRole('menuitem').allTextContents();
      await this.page.keyboard.press('Escape');
      throw new Error(`the context menu of ${runName} has no "${entry}": it offers ${JSON.stringify(offered.map((t) => t.trim()).filter(Boolean))}`);
    }
    await item.hover();
    await item.click();
  }

  /** The dashboard page inside its webview (VS Code nests the page in an inner frame). */
  dashboard(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  /** The webview page whose document holds `selector`, when several webviews are open (a sweep view and a dashboard). */
  async webviewWith(selector: string, timeoutMs = 30_000): Promise<FrameLocator> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = await this.page.locator('iframe.webview.ready').count();
      for (let i = 0; i < count; i++) {
        const frame = this.page.frameLocator(`iframe.webview.ready >> nth=${i}`).frameLocator('#active-frame');
        if (
          (await frame
            .locator(selector)
            .count()
            .catch(() => 0)) > 0
        )
          return frame;
      }
      if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
      await this.page.waitForTimeout(200);
    }
  }

  /** "Developer: Reload Window" (the workbench shuts down properly, saving webview state), then waits for it to come back. */
  async reloadWindow(): Promise<void> {
    // The old workbench is torn down before the new one is drawn: wait for the page load itself.
    const loaded = this.page.waitForEvent('load', { timeout: 60_000 });
    await this.runFromPalette('Developer: Reload Window');
    await loaded;
    await this.ready();
  }

  /** Polls `read` until `accept` holds; returns the accepted value. */
  async poll<T>(read: () => Promise<T>, accept: (v: T) => boolean, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    for (;;) {
      last = await read();
      if (accept(last)) return last;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
      await this.page.waitForTimeout(100);
    }
  }
}
