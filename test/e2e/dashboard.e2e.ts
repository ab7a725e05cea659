/**
 * End-to-end, as a user of the dashboard: a damaged run directory in the Runs tree; a run trained
 * from the palette whose negative-ELBO and KL curves grow in the dashboard while it trains, and
 * whose final status and best validation NDCG@100 agree between run.json, the dashboard table and
 * the tree; a second run overlaid on the first (both ticked, both in the legend; screenshot
 * dashboard.png); a window reload that restores the dashboard with its charts and selection; and a
 * window reload during training, after which the run is followed to its end.
 * Screenshots go to test-results/ on failure.
 */
import { E2eSession } from './session';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { isProcessAlive } from '../../src/shared/runReader';
import type { RunRecord } from '../../src/shared/runSchema';
import { REPO_ROOT } from './codeServer';
import { writeClusteredDataset, writeDamagedRunFixture, writeWorkspaceSettings } from './fixtures';
import { Workbench, nameOf, screenshotPath } from './workbench';

/** Long enough (several seconds here) to watch the curves grow. */
const LIVE_EPOCHS = 60;
/** The second, overlaid run. */
const SHORT_EPOCHS = 3;
/** Long enough to reload the window in the middle of it. */
const RELOAD_EPOCHS = 200;
const HELDOUT = 30;

const session = new E2eSession('e2e-dashboard');
let page: Page;
let wb: Workbench;
let workspace: string;
let dataset: string;
let runsDir: string;
/** The runs trained here, in order. */
const trained: RunRecord[] = [];

const step = (name: string, body: () => Promise<void>) => session.step(name, body);

function readRecords(): RunRecord[] {
  const out: RunRecord[] = [];
  for (const d of fs.readdirSync(runsDir)) {
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(runsDir, d, 'run.json'), 'utf8')) as RunRecord);
    } catch {
      // the damaged fixture, or a run.json being replaced
    }
  }
  return out;
}

function recordNamed(name: string): RunRecord {
  const r = readRecords().find((rec) => rec.name === name);
  if (!r) throw new Error(`no run.json names ${name}`);
  return r;
}

function stepLines(id: string): number {
  const text = fs.readFileSync(path.join(runsDir, id, 'metrics.jsonl'), 'utf8');
  return text.split('\n').filter((l) => l.includes('"kind":"step"')).length;
}

function chart(dash: FrameLocator, metric: string): Locator {
  return dash.locator(`section.chart-card[data-metric="${metric}"]`);
}

async function points(card: Locator): Promise<number> {
  return Number((await card.getAttribute('data-points', { timeout: 5_000 })) ?? 'NaN');
}

function tableRow(dash: FrameLocator, id: string): Locator {
  return dash.locator('table.runs-table tbody tr', { has: dash.locator(`th.name[title="${id}"]`) });
}

async function isTicked(dash: FrameLocator, id: string): Promise<boolean> {
  return dash.locator(`vscode-checkbox[data-run-id="${id}"]`).evaluate((e) => (e as HTMLElement & { checked: boolean }).checked);
}

async function legendTexts(card: Locator): Promise<string[]> {
  return card.locator('ul.legend li').allInnerTexts();
}

/** Edits the workspace settings on disk; VS Code picks them up after its file watcher fires. */
async function setEpochs(epochs: number): Promise<void> {
  writeWorkspaceSettings(workspace, { dataset, epochs, heldoutUsers: HELDOUT });
  await page.waitForTimeout(2000);
}

/** Trains from the palette; returns the new run's tree label once it shows as running. */
async function startTraining(): Promise<string> {
  const known = new Set((await wb.rowLabels()).map(nameOf));
  await wb.runFromPalette('Recommender: Train MVAE');
  return wb.waitForRow((l) => l.includes(', running, ') && !known.has(nameOf(l)), 'a new running run', 60_000);
}

/** The tree, the dashboard table and run.json agree on the completed run's status and best NDCG@100. */
async function expectCompletedEverywhere(name: string, dash: FrameLocator): Promise<RunRecord> {
  const label = await wb.waitForRow((l) => nameOf(l) === name && l.includes(', completed, '), `${name} to complete in the tree`, 150_000);
  const record = recordNamed(name);
  if (record.status !== 'completed' || !record.best) throw new Error(`run.json of ${name}: status ${record.status}, best ${JSON.stringify(record.best)}`);
  const best = record.best['ndcg@100'].toFixed(3);
  const expectedLabel = `${name}, completed, Mult-VAE · best NDCG@100 ${best}`;
  if (label !== expectedLabel) throw new Error(`tree row "${label}", expected "${expectedLabel}" (from run.json)`);
  const row = tableRow(dash, record.id);
  await wb.poll(() => row.locator('span.status').innerText({ timeout: 5_000 }), (s) => s === 'completed', `the dashboard table to show ${name} completed`, 20_000);
  await wb.poll(() => row.innerText({ timeout: 5_000 }), (s) => s.includes(`${best} (ep ${record.best?.epoch})`), `the dashboard table to show best val NDCG@100 ${best} for ${name}`, 10_000);
  return record;
}

describe('Dashboard in a real VS Code', { timeout: 6 * 60_000 }, () => {
  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-e2e-dash-'));
    dataset = path.join(workspace, 'data', 'ml-fixture');
    runsDir = path.join(workspace, '.vaerec', 'runs');
    writeClusteredDataset(dataset);
    writeWorkspaceSettings(workspace, { dataset, epochs: LIVE_EPOCHS, heldoutUsers: HELDOUT });
    writeDamagedRunFixture(runsDir, 'fixture-damaged');
    for (const f of ['dist/extension.js', 'dist/trainer.js', 'dist/webview/dashboard.js']) {
      if (!fs.existsSync(path.join(REPO_ROOT, f))) throw new Error(`${f} is missing: run "npm run build" first`);
    }
    wb = await session.open(workspace);
    page = session.page;
  });

  after(async () => {
    await session.close();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('shows a run directory with a truncated run.json with a warning icon and the reason in its tooltip', { timeout: 90_000 }, () =>
    step('damaged', async () => {
      await wb.openRunsView();
      await wb.waitForRow((l) => l === 'fixture-damaged, damaged, damaged', 'the damaged run', 60_000);
      const row = wb.runRows().filter({ hasText: 'fixture-damaged' }).first();
      await row.locator('.codicon-warning').waitFor({ timeout: 5_000 });
      const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'run.json is truncated or not valid JSON' }).first();
      const deadline = Date.now() + 20_000;
      for (;;) {
        await page.mouse.move(900, 500);
        await row.hover();
        if (await hover.waitFor({ timeout: 4_000 }).then(() => true, () => false)) break;
        if (Date.now() > deadline) throw new Error('the damaged run\'s tooltip with its reason did not show');
      }
      await page.mouse.move(900, 500);
    }));

  it('draws growing negative-ELBO and KL curves while a run trains; run.json, the table and the tree agree at the end', { timeout: 180_000 }, () =>
    step('live', async () => {
      const name = nameOf(await startTraining());
      await wb.runFromPalette('Recommender: Open Dashboard');
      const dash = wb.dashboard();
      const elbo = chart(dash, 'negElbo');
      const kl = chart(dash, 'kl');
      await elbo.locator('h3', { hasText: 'Negative ELBO' }).waitFor({ timeout: 60_000 });
      await kl.locator('h3', { hasText: 'KL divergence' }).waitFor({ timeout: 10_000 });
      // The running run is overlaid by default (the newest runs are).
      await wb.poll(() => legendTexts(elbo), (t) => t.some((s) => s.startsWith(`${name} · `)), `${name} in the ELBO legend`, 20_000);
      const stillRunning = async (what: string) => {
        const label = await wb.rowOf(name);
        if (!label?.includes(', running, ')) throw new Error(`${name} no longer runs (${label}) ${what}: raise LIVE_EPOCHS`);
      };
      for (const card of [elbo, kl]) {
        const first = await wb.poll(() => points(card), (n) => n > 0, 'the first points', 60_000);
        const later = await wb.poll(() => points(card), (n) => n > first, `more than ${first} points`, 30_000);
        await stillRunning(`after the chart grew from ${first} to ${later} points`);
      }
      const record = await expectCompletedEverywhere(name, dash);
      // Every training step the trainer recorded is in both charts.
      const steps = stepLines(record.id);
      for (const card of [elbo, kl]) await wb.poll(() => points(card), (n) => n === steps, `${steps} points (the step lines of metrics.jsonl)`, 10_000);
      trained.push(record);
    }));

  it('overlays two completed runs: both ticked in the table, both in the legend', { timeout: 150_000 }, () =>
    step('overlay', async () => {
      if (trained.length !== 1) throw new Error('needs the run of the previous test');
      await setEpochs(SHORT_EPOCHS);
      const name = nameOf(await startTraining());
      const dash = wb.dashboard();
      const record = await expectCompletedEverywhere(name, dash);
      trained.push(record);
      const [first, second] = trained;
      // The dashboard was opened before this run existed: the user ticks it.
      if (!(await isTicked(dash, first.id))) throw new Error(`${first.name} is not ticked any more`);
      if (await isTicked(dash, second.id)) throw new Error(`${second.name} was ticked without the user`);
      await dash.locator(`vscode-checkbox[data-run-id="${second.id}"]`).click();
      const elbo = chart(dash, 'negElbo');
      const legend = await wb.poll(() => legendTexts(elbo), (t) => t.length === 2, 'two runs in the legend', 20_000);
      for (const r of trained) if (!legend.some((s) => s.startsWith(`${r.name} · Mult-VAE`))) throw new Error(`legend ${JSON.stringify(legend)} does not name ${r.name}`);
      if (!(await isTicked(dash, first.id)) || !(await isTicked(dash, second.id))) throw new Error('both runs should be ticked');
      const total = stepLines(first.id) + stepLines(second.id);
      await wb.poll(() => points(elbo), (n) => n === total, `${total} points of both runs`, 20_000);
      await dash.locator('.run-count', { hasText: '2 overlaid' }).waitFor({ timeout: 5_000 });
      // Completion notifications would cover the charts; a taller window shows charts and table.
      await wb.runFromPalette('Notifications: Clear All Notifications');
      await page.setViewportSize({ width: 1400, height: 1150 });
      await dash.locator('body').evaluate(() => window.scrollTo(0, 0));
      await page.mouse.move(24, 600);
      await page.waitForTimeout(1000);
      await page.screenshot({ path: screenshotPath('dashboard.png') });
      await page.setViewportSize({ width: 1280, height: 800 });
    }));

  it('restores the dashboard with its charts and selection after a window reload', { timeout: 120_000 }, () =>
    step('restore', async () => {
      if (trained.length !== 2) throw new Error('needs the two runs of the previous tests');
      await wb.reloadWindow();
      // Restored by the WebviewPanelSerializer, not reopened by the test.
      const dash = wb.dashboard();
      const elbo = chart(dash, 'negElbo');
      await elbo.waitFor({ timeout: 60_000 });
      const legend = await wb.poll(() => legendTexts(elbo), (t) => t.length === 2, 'both runs in the restored legend', 30_000);
      for (const r of trained) {
        if (!legend.some((s) => s.startsWith(`${r.name} · Mult-VAE`))) throw new Error(`restored legend ${JSON.stringify(legend)} does not name ${r.name}`);
        if (!(await isTicked(dash, r.id))) throw new Error(`${r.name} is not ticked after the reload`);
      }
      const total = trained.reduce((n, r) => n + stepLines(r.id), 0);
      for (const metric of ['negElbo', 'kl']) await wb.poll(() => points(chart(dash, metric)), (n) => n === total, `${metric}: ${total} points of both runs`, 20_000);
      await page.locator('.tab', { hasText: 'VAE Dashboard' }).first().waitFor({ timeout: 5_000 });
    }));

  it('follows a run trained across a window reload to its end: completed or interrupted, never left running', { timeout: 180_000 }, (t) =>
    step('reload-training', async () => {
      await setEpochs(RELOAD_EPOCHS);
      await wb.openRunsView();
      const name = nameOf(await startTraining());
      await page.locator('.statusbar-item', { hasText: new RegExp(`Mult-VAE epoch [1-9]\\d*/${RELOAD_EPOCHS}`) }).first().waitFor({ timeout: 60_000 });
      const pid = recordNamed(name).pid;
      if (pid === undefined || !isProcessAlive(pid)) throw new Error(`run.json of ${name} names no live trainer (pid ${pid})`);
      await wb.reloadWindow();
      await wb.openRunsView();
      const afterReload = await wb.waitForRow((l) => nameOf(l) === name, `${name} after the reload`, 60_000);
      // The trainer is meant to outlive the window's extension host and keep writing its run
      // directory (the new window polls runs trained elsewhere). It may also die with the old host
      // (a message sent on the closing IPC channel): then the run must show as interrupted.
      if (isProcessAlive(pid) && !/, (running|completed), /.test(afterReload)) throw new Error(`trainer ${pid} is alive but the tree shows "${afterReload}"`);
      await wb.poll(async () => isProcessAlive(pid), (alive) => !alive, `trainer ${pid} to exit`, 90_000);
      const onDisk = recordNamed(name);
      const dash = wb.dashboard();
      if (onDisk.status === 'completed') {
        t.diagnostic(`re-attached: "${afterReload}" after the reload, then completed at epoch ${onDisk.epochsCompleted}/${RELOAD_EPOCHS}`);
        await expectCompletedEverywhere(name, dash);
      } else if (onDisk.status === 'running') {
        t.diagnostic(`interrupted: the trainer died with the old extension host at epoch ${onDisk.epochsCompleted}/${RELOAD_EPOCHS}; the tree showed "${afterReload}"`);
        await wb.waitForRow((l) => nameOf(l) === name && l.includes(', interrupted, '), `${name} to show as interrupted`, 15_000);
        const row = tableRow(dash, onDisk.id);
        await wb.poll(() => row.locator('span.status').innerText({ timeout: 5_000 }), (st) => st === 'interrupted', `the dashboard table to show ${name} interrupted`, 20_000);
      } else {
        throw new Error(`run.json of ${name} says ${onDisk.status} after the reload`);
      }
      // Never "running" once the trainer is gone.
      const final = await wb.rowOf(name);
      if (!final || final.includes(', running, ')) throw new Error(`after the trainer exited the tree shows "${final}"`);
    }));
});
