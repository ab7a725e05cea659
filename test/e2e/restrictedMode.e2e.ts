/**
 * Restricted Mode, as a user who answers "No" to VS Code's trust question: the runs are still
 * listed, but the Runs view explains that training is disabled, and Train, Rerun and Delete are
 * offered nowhere (view title, context menu, command palette).
 */
import { E2eSession } from './session';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from './codeServer';
import { writeRunFixture } from './fixtures';

const session = new E2eSession('e2e-restricted');
let page: Page;
let workspace: string;

const step = (name: string, body: () => Promise<void>) => session.step(name, body);

describe('Restricted Mode', { timeout: 4 * 60_000 }, () => {
  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-e2e-untrusted-'));
    writeRunFixture(path.join(workspace, '.vaerec', 'runs'), 'fixture-completed', 'completed', { best: 0.3 });
    if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run "npm run build:extension" first');
    await session.open(workspace, { workspaceTrust: true });
    page = session.page;
  });

  after(async () => {
    await session.close();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('lists runs but offers no training or deletion when the folder is not trusted', { timeout: 120_000 }, () =>
    step('untrusted', async () => {
      await page.getByRole('button', { name: /No, I don.t trust the authors/ }).click({ timeout: 60_000 });
      await page.locator('.activitybar [aria-label^="VAE Recommender Lab"]').first().click({ timeout: 30_000 });
      const row = page.locator('.pane-body [role="treeitem"]', { hasText: 'fixture-completed' });
      await row.waitFor({ timeout: 60_000 });
      if (await page.locator('.part.sidebar .title-actions [aria-label^="Train MVAE"]').count())
        throw new Error('the Train button is shown in Restricted Mode');
      await row.click({ button: 'right' });
      const menu = page.locator('.context-view');
      await menu.getByRole('menuitem', { name: 'Reveal Run Folder' }).waitFor({ timeout: 10_000 });
      for (const hidden of ['Delete Run', 'Rerun with Changes']) {
        if (await menu.getByRole('menuitem', { name: hidden }).count()) throw new Error(`${hidden} is offered in Restricted Mode`);
      }
      await page.keyboard.press('Escape');
      await page.locator('.part.sidebar .composite.title').click();
      await page.keyboard.press('Control+Shift+P');
      const quickInput = page.locator('.quick-input-widget');
      await quickInput.locator('.quick-input-box input').fill('>Recommender: ');
      await quickInput.locator('.monaco-list-row', { hasText: 'Recommender: Open Dashboard' }).waitFor({ timeout: 10_000 });
      if (await quickInput.locator('.monaco-list-row', { hasText: 'Recommender: Train' }).count())
        throw new Error('Train is in the command palette in Restricted Mode');
      await page.keyboard.press('Escape');
    }),
  );
});
