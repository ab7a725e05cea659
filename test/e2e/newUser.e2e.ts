/**
 * End-to-end, issue 14: what a new user meets, in a real VS Code (code-server + headless Chromium).
 * The Runs view shows a loading state, never the empty-state or Restricted Mode text, before it has
 * read the runs (at start-up and after "Developer: Reload Window"); a run started while the
 * dashboard is open is overlaid without a click, and so is one started from the dashboard's Rerun;
 * the run table fits a 1,200 px editor; a cancelled run is inspected like a completed one, with the
 * two runs' lists side by side; the inspector tab of a deleted run says the run is gone; and a run
 * training when the window reloads is re-attached (status bar, progress with Cancel, its end).
 * Screenshots go to test-results/ on failure.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { REPO_ROOT } from './codeServer';
import { RunsOnDisk, chart, isTicked, legendTexts, tableRow } from './dashboardChecks';
import { writeClusteredDataset, writeRunFixture, writeWorkspaceSettings } from './fixtures';
import { E2eSession } from './session';
import { Workbench, nameOf } from './workbench';

const HELDOUT = 30;

const session = new E2eSession('e2e-new-user');
let page: Page;
let wb: Workbench;
let workspace: string;
let dataset: string;
let runs: RunsOnDisk;
/** The run trained while the dashboard was open, and its rerun started from the dashboard. */
let completedName: string;
let rerunName: string;

const step = (name: string, body: () => Promise<void>) => session.step(name, body);

/**
 * Installed in every document before the workbench's scripts: records each text the Runs view's
 * welcome area shows (the workbench draws it before the extension is even activated).
 */
const RECORD_WELCOME_TEXTS = `
window.__runsWelcome = [];
new MutationObserver(() => {
  for (const el of document.querySelectorAll('.welcome-view-content')) {
    const text = (el.textContent || '').trim();
    if (/training runs|Restricted Mode|Loading runs/.test(text) && !window.__runsWelcome.includes(text)) window.__runsWelcome.push(text);
  }
}).observe(document, { childList: true, subtree: true, characterData: true });
`;

async function welcomeTexts(): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __runsWelcome: string[] }).__runsWelcome);
}

async function setEpochs(epochs: number): Promise<void> {
  writeWorkspaceSettings(workspace, { dataset, epochs, heldoutUsers: HELDOUT });
  await page.waitForTimeout(2000);
}

/** Trains from the palette; returns the new run's name once the tree shows it running. */
async function startTraining(): Promise<string> {
  const known = new Set((await wb.rowLabels()).map(nameOf));
  await wb.runFromPalette('Recommender: Train MVAE');
  return nameOf(await wb.waitForRow((l) => l.includes(', running, ') && !known.has(nameOf(l)), 'a new running run', 60_000));
}

/** Waits until the run's checkbox in the dashboard is ticked (by the dashboard, not by the test) and the legend names it. */
async function expectOverlaid(dash: FrameLocator, name: string): Promise<void> {
  const id = await wb.poll(
    async () => runs.records().find((r) => r.name === name)?.id,
    (v) => v !== undefined,
    `run.json of ${name}`,
    30_000,
  );
  await wb.poll(
    () => isTicked(dash, id!).catch(() => false),
    (ticked) => ticked,
    `${name} to be ticked in the dashboard by itself`,
    30_000,
  );
  await wb.poll(
    () => legendTexts(chart(dash, 'negElbo')),
    (t) => t.some((s) => s.startsWith(`${name} · `)),
    `${name} in the ELBO legend`,
    30_000,
  );
}

/** Makes the editor area `width` px wide (the side bar hidden, the window resized to fit). */
async function editorWidth(width: number): Promise<void> {
  const frame = page.locator('iframe.webview.ready').first();
  // The workbench lays out again after a resize (and after the side bar closes), so measure until it settles.
  let seen = 0;
  for (let i = 0; i < 10; i++) {
    const box = await frame.boundingBox();
    if (!box) throw new Error('no webview is shown');
    seen = box.width;
    if (Math.abs(box.width - width) < 2) return;
    const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
    await page.setViewportSize({ width: Math.round(viewport.width + width - box.width), height: viewport.height });
    await page.waitForTimeout(500);
  }
  throw new Error(`the editor did not settle at ${width} px (last ${seen} px)`);
}

function inspector(): FrameLocator {
  return wb.dashboard();
}

describe('What a new user meets (issue 14)', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    for (const f of ['dist/extension.js', 'dist/trainer.js', 'dist/inference.js', 'dist/webview/dashboard.js', 'dist/webview/inspector.js']) {
      if (!fs.existsSync(path.join(REPO_ROOT, f))) throw new Error(`${f} is missing: run "npm run build" first`);
    }
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-e2e-new-user-'));
    dataset = path.join(workspace, 'data', 'ml-fixture');
    runs = new RunsOnDisk(path.join(workspace, '.vaerec', 'runs'));
    writeClusteredDataset(dataset);
    writeWorkspaceSettings(workspace, { dataset, epochs: 3, heldoutUsers: HELDOUT });
    // Runs on disk before the window opens: the view must never claim there are none.
    for (const [id, status] of [
      ['fixture-one', 'completed'],
      ['fixture-two', 'failed'],
      ['fixture-three', 'cancelled'],
    ] as const)
      writeRunFixture(runs.dir, id, status, { best: status === 'completed' ? 0.3 : undefined, createdAt: '2026-01-01T00:00:00.000Z' });
    wb = await session.open(workspace, { initScript: RECORD_WELCOME_TEXTS });
    page = session.page;
  });

  after(async () => {
    await session.close();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('the Runs view shows a loading state, never "no runs" or Restricted Mode, before its first read; also after a reload', { timeout: 180_000 }, (t) =>
    step('loading', async () => {
      for (const when of ['start-up', 'reload']) {
        if (when === 'reload') await wb.reloadWindow();
        await wb.openRunsView();
        await wb.waitForRow((l) => nameOf(l) === 'fixture-one', `the fixture runs (${when})`, 60_000);
        const texts = await welcomeTexts();
        t.diagnostic(`${when}: the Runs view's welcome area showed ${JSON.stringify(texts)}`);
        const wrong = texts.filter((s) => /No training runs yet|Restricted Mode/.test(s));
        if (wrong.length) throw new Error(`${when}: the Runs view said ${JSON.stringify(wrong)} while three runs exist`);
      }
    }),
  );

  it('a run started while the dashboard is open is overlaid without a click; so is one started from its Rerun', { timeout: 240_000 }, () =>
    step('overlay', async () => {
      await wb.runFromPalette('Recommender: Open Dashboard');
      const dash = wb.dashboard();
      await chart(dash, 'negElbo').waitFor({ timeout: 60_000 });
      completedName = await startTraining();
      await expectOverlaid(dash, completedName);
      await wb.waitForRow((l) => nameOf(l) === completedName && l.includes(', completed, '), `${completedName} to complete`, 150_000);
      // The table's Rerun: the JSON editor opens in the window; the new run is overlaid beside the first.
      const first = runs.named(completedName);
      const known = new Set((await wb.rowLabels()).map(nameOf));
      await tableRow(dash, first.id).locator('vscode-button[data-action="rerunRun"]').click();
      const json = await wb.jsonEditor();
      await json.fill('{"epochs": 2}');
      await page.keyboard.press('Enter');
      rerunName = nameOf(await wb.waitForRow((l) => !known.has(nameOf(l)) && /, (running|completed), /.test(l), 'the rerun', 60_000));
      await expectOverlaid(dash, rerunName);
      if (!(await isTicked(dash, first.id))) throw new Error(`${completedName} is no longer overlaid`);
      await wb.waitForRow((l) => nameOf(l) === rerunName && l.includes(', completed, '), `${rerunName} to complete`, 150_000);
    }),
  );

  it('the run table fits a 1,200 px editor: no horizontal scrolling, status, validation, test and reference columns in view', { timeout: 60_000 }, () =>
    step('table-width', async () => {
      await wb.runFromPalette('View: Close Primary Side Bar');
      await editorWidth(1200);
      const dash = wb.dashboard();
      await dash.locator('table.runs-table').waitFor({ timeout: 20_000 });
      const fit = await dash.locator('.table-scroll').evaluate((el) => {
        const box = el.getBoundingClientRect();
        const headers = Array.from(el.querySelectorAll('thead th')).map((th) => ({
          text: (th.textContent ?? '').trim(),
          right: th.getBoundingClientRect().right,
        }));
        return { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, right: box.right, headers, page: document.documentElement.clientWidth };
      });
      if (Math.abs(fit.page - 1200) > 2) throw new Error(`the editor is ${fit.page} px wide, not 1,200`);
      if (fit.scrollWidth > fit.clientWidth) throw new Error(`the run table scrolls: ${fit.scrollWidth} px of content in ${fit.clientWidth} px`);
      for (const column of ['Status', 'Epochs', 'Best val NDCG@100', 'Test NDCG@100', 'Test R@20', 'Test R@50', 'Reference', 'Actions']) {
        const header = fit.headers.find((h) => h.text.replace(/\s+/g, ' ').startsWith(column));
        if (!header) throw new Error(`no ${column} column: ${JSON.stringify(fit.headers.map((h) => h.text))}`);
        if (header.right > fit.right + 1) throw new Error(`${column} ends at ${header.right} px, beyond the table's ${fit.right} px`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      await wb.openRunsView();
    }),
  );

  it('a cancelled run with saved weights is inspected like a completed one', { timeout: 240_000 }, () =>
    step('inspect-cancelled', async () => {
      await wb.runFromPalette('View: Close All Editors');
      await wb.openRunsView();
      await setEpochs(400);
      const cancelledName = await startTraining();
      // After its first validation the run has saved its best weights.
      await wb.waitForRow(
        (l) => nameOf(l) === cancelledName && l.includes(', running, ') && l.includes('best NDCG@100'),
        `${cancelledName} to validate once`,
        90_000,
      );
      await wb.contextMenu(cancelledName, 'Stop Training');
      await wb.waitForRow((l) => nameOf(l) === cancelledName && l.includes(', cancelled, '), `${cancelledName} to be cancelled`, 60_000);
      await wb.contextMenu(cancelledName, 'Inspect Recommendations');
      await inspector()
        .locator('.run-title', { hasText: `Inspect: ${cancelledName}` })
        .waitFor({ timeout: 60_000 });
      await inspector()
        .locator('.list-summary', { hasText: new RegExp(`^${HELDOUT} users`) })
        .waitFor({ timeout: 90_000 });
      await wb.runFromPalette('View: Close All Editors');
    }),
  );

  it(
    "the inspector puts the two runs' lists side by side in a 1,200 px editor, the whole history below; titles show their item id on hover",
    { timeout: 120_000 },
    () =>
      step('inspector-layout', async () => {
        if (!completedName || !rerunName) throw new Error('needs the two runs of the overlay test');
        await wb.openRunsView();
        await wb.contextMenu(completedName, 'Inspect Recommendations');
        const frame = inspector();
        await frame.locator('.list-summary', { hasText: new RegExp(`^${HELDOUT} users`) }).waitFor({ timeout: 90_000 });
        const record = runs.named(completedName);
        const split = JSON.parse(fs.readFileSync(path.join(runs.dir, record.id, 'split.json'), 'utf8')) as { test: { user: string }[] };
        const user = split.test[0].user;
        await frame.locator('#user-search input').fill(user);
        await frame.locator('#user-search input').press('Enter');
        await frame.locator('.user-title', { hasText: new RegExp(`^User ${user}$`) }).waitFor({ timeout: 60_000 });
        await frame.locator('vscode-single-select[aria-label="Compare with a second run"]').click();
        await frame.getByRole('option', { name: new RegExp(rerunName) }).click();
        await frame.locator('table.recs.second tbody tr').first().waitFor({ timeout: 60_000 });
        await wb.runFromPalette('View: Close Primary Side Bar');
        await editorWidth(1200);
        // (No named functions inside evaluate: the test runner's transform would wrap them in a helper the page lacks.)
        const layout = await frame.locator('.user-panel').evaluate((panel) => {
          // The lists' boxes: a list wider than its half (the "Because you liked" column) scrolls inside its box.
          const [primary, second, history, lastHistoryHeader] = [
            '.lists.pair > .list-wrap',
            '.lists.pair > .compare',
            'table.history',
            'table.history thead th:last-child',
          ].map((sel) => {
            const r = panel.querySelector(sel)?.getBoundingClientRect();
            return r ? { left: r.left, right: r.right, top: r.top, bottom: r.bottom } : null;
          });
          const wrap = panel.querySelector('.history-wrap');
          return {
            primary,
            second,
            history,
            lastHistoryHeader,
            historyFits: wrap ? wrap.scrollWidth <= wrap.clientWidth : false,
            width: document.documentElement.clientWidth,
          };
        });
        const { primary, second, history } = layout;
        if (!primary || !second || !history) throw new Error(`lists missing: ${JSON.stringify(layout)}`);
        if (second.left < primary.right - 1 || second.top > primary.bottom)
          throw new Error(`the second run's list is not beside the first: ${JSON.stringify(layout)}`);
        if (history.top < Math.max(primary.bottom, second.bottom) - 1) throw new Error(`the history is not below the two lists: ${JSON.stringify(layout)}`);
        if (!layout.historyFits || !layout.lastHistoryHeader || layout.lastHistoryHeader.right > layout.width)
          throw new Error(`the history's "In the run" column is cut off: ${JSON.stringify(layout)}`);
        const hover = await frame.locator('table.history td.title').first().getAttribute('title');
        if (!/^item \S+$/.test(hover ?? '')) throw new Error(`a history title's hover is ${JSON.stringify(hover)}`);
        await page.setViewportSize({ width: 1280, height: 800 });
        await wb.openRunsView();
      }),
  );

  it('the inspector tab of a run deleted from the Runs view says the run is gone', { timeout: 90_000 }, () =>
    step('deleted', async () => {
      if (!rerunName) throw new Error('needs the rerun of the overlay test');
      // The palette is reached through the side bar, which an earlier test may have closed.
      await wb.openRunsView();
      await wb.runFromPalette('View: Close All Editors');
      await wb.contextMenu(rerunName, 'Inspect Recommendations');
      await inspector()
        .locator('.list-summary', { hasText: new RegExp(`^${HELDOUT} users`) })
        .waitFor({ timeout: 90_000 });
      await wb.contextMenu(rerunName, 'Delete Run');
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 10_000 });
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await wb.poll(
        async () => (await wb.rowLabels()).some((l) => nameOf(l) === rerunName),
        (listed) => !listed,
        `${rerunName} to leave the Runs view`,
        20_000,
      );
      await page
        .locator('.tab', { hasText: `Inspect: ${rerunName}` })
        .first()
        .click();
      await inspector()
        .locator('.run-header .status.error', { hasText: /^Run \S+ is gone: its folder is no longer in / })
        .waitFor({ timeout: 30_000 });
      if ((await inspector().locator('table.recs').count()) > 0) throw new Error("the gone run's lists are still shown");
    }),
  );
  it('a run training when the window reloads is re-attached: status bar, progress with Cancel, and its end message', { timeout: 300_000 }, (t) =>
    step('reattach', async () => {
      await wb.openRunsView();
      await wb.runFromPalette('View: Close All Editors');
      await setEpochs(400);
      const name = await startTraining();
      await wb.waitForRow((l) => nameOf(l) === name && l.includes('best NDCG@100'), `${name} to validate once`, 90_000);
      await wb.reloadWindow();
      await wb.openRunsView();
      // What a run started in this window shows, for the run its trainer goes on training.
      const status = page.locator('.statusbar-item', { hasText: /Mult-VAE epoch \d+\/400/ }).first();
      await status.waitFor({ timeout: 60_000 });
      t.diagnostic(`after the reload the status bar says "${(await status.innerText()).trim()}"`);
      const toast = page.locator('.notification-toast', { hasText: `Training Mult-VAE (${name})` }).first();
      await toast.waitFor({ timeout: 30_000 });
      await wb.poll(
        async () => (await toast.innerText()).replace(/\s+/g, ' '),
        (text) => /epoch \d+\/400/.test(text),
        'the notification to show the epoch',
        60_000,
      );
      // Its Cancel stops the run (after saying that another process trains it) ...
      await toast.getByRole('button', { name: 'Cancel' }).click();
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 10_000 });
      await dialog.getByRole('button', { name: 'Stop' }).click();
      await wb.waitForRow((l) => nameOf(l) === name && l.includes(', cancelled, '), `${name} to be cancelled`, 90_000);
      // ... and the window says how it ended, and drops the status bar item.
      await page
        .locator('.notification-toast', { hasText: `run ${name} was cancelled; its metrics so far are kept.` })
        .first()
        .waitFor({ timeout: 30_000 });
      await wb.poll(
        () => page.locator('.statusbar-item', { hasText: /Mult-VAE epoch \d+\/400/ }).count(),
        (n) => n === 0,
        'the status bar item to go',
        15_000,
      );
    }),
  );
});
