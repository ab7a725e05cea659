/**
 * End-to-end, as a user of the sweep view: a small grid sweep under ASHA run by the CLI on a
 * generated fixture, and a popularity run on the same split; "Recommender: Open Sweep View" from the
 * palette picks the sweep; the view shows every trial, importance with its method, the curves and
 * the significance tests; brushing the learning-rate axis filters the table; the best trial's Open
 * button opens its run in the dashboard. Screenshots sweep-view.png, sweep-view-analysis.png and
 * sweep-view-brushed.png
 * (docs/screenshots/ with VAEREC_UPDATE_SCREENSHOTS=1). Failure screenshots go to test-results/.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from './codeServer';
import { isTicked } from './dashboardChecks';
import { writeClusteredDataset, writeWorkspaceSettings } from './fixtures';
import { E2eSession } from './session';
import { Workbench, screenshotPath } from './workbench';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const HELDOUT = 30;
const RATES = [0.002, 0.0005, 0.00005];

const session = new E2eSession('e2e-sweep-view');
let page: Page;
let wb: Workbench;
let workspace: string;
let runsDir: string;
let sweep: {
  sweepId: string;
  trials: { index: number; runId: string | null; params: Record<string, number>; seed: number; status: string }[];
  best: { index: number } | null;
};

const step = (name: string, body: () => Promise<void>) => session.step(name, body);

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`vaerec ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T;

describe('Sweep view in a real VS Code', { timeout: 8 * 60_000 }, () => {
  before(async () => {
    for (const f of ['dist/extension.js', 'dist/cli.js', 'dist/trainer.js', 'dist/webview/sweep.js']) {
      if (!fs.existsSync(path.join(REPO_ROOT, f))) throw new Error(`${f} is missing: run "npm run build" first`);
    }
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-e2e-sweep-'));
    const dataset = path.join(workspace, 'data', 'ml-fixture');
    writeClusteredDataset(dataset);
    writeWorkspaceSettings(workspace, { dataset, epochs: 5, heldoutUsers: HELDOUT });
    runsDir = path.join(workspace, '.vaerec', 'runs');
    const file = path.join(workspace, 'grid.sweep.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: 'e2e-grid',
        model: 'mvae',
        dataset,
        base: { epochs: 9, backend: 'cpu', protocol: { heldoutUsers: HELDOUT } },
        parameters: { learningRate: { values: RATES }, dropout: { values: [0.2, 0.5] } },
        repeats: 2,
        earlyStopping: { type: 'asha', graceEpochs: 3, reductionFactor: 2, maxEpochs: 9 },
        executor: { type: 'local', concurrency: 2 },
      }),
    );
    sweep = lastJson(cli(['sweep', 'run', file, '--runs-dir', runsDir, '--json', '--quiet']));
    // Popularity runs on the repeats' splits (same data, held-out users and seed; the seed draws the
    // split), so whichever repeat of the best configuration is compared has its baseline.
    for (const seed of new Set(sweep.trials.map((t) => t.seed)))
      cli([
        'train',
        '--model',
        'pop',
        '--data',
        dataset,
        '--heldout',
        String(HELDOUT),
        '--seed',
        String(seed),
        '--name',
        `pop-${seed}`,
        '--runs-dir',
        runsDir,
        '--json',
        '--quiet',
      ]);
    wb = await session.open(workspace);
    page = session.page;
  });

  after(async () => {
    await session.close();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it(
    'opens from the palette: every trial, only the swept parameters, importance with its method, curves with the rungs, spread across seeds, significance',
    { timeout: 150_000 },
    () =>
      step('open', async () => {
        if (!sweep.best) throw new Error('the sweep has no best configuration');
        await wb.openRunsView();
        await wb.runFromPalette('Recommender: Open Sweep View');
        // The quick pick lists the sweep by name.
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'e2e-grid' }).first().waitFor({ timeout: 20_000 });
        await page.keyboard.press('Enter');
        const view = await wb.webviewWith('.parcoords-canvas', 60_000);
        await view.locator(`.trials[data-shown="${sweep.trials.length}"]`).waitFor({ timeout: 30_000 });
        const headers = await view.locator('.trials-table thead button.sort').allInnerTexts();
        const names = headers.map((h) => h.replace(/[▲▼]/g, '').trim());
        for (const h of ['#', 'learningRate', 'dropout', 'Status', 'Epochs', 'val_ndcg@100', 'Test NDCG@100'])
          if (!names.includes(h)) throw new Error(`no ${h} column: ${names.join(', ')}`);
        // Each configuration ran with two seeds: a seed column (not an axis: it is not a swept parameter), and the spread across seeds.
        if (!names.includes('seed')) throw new Error(`no seed column although configurations repeat: ${names.join(', ')}`);
        await view
          .locator('.seeds-table tbody tr')
          .nth(RATES.length * 2 - 1)
          .waitFor();
        const axes = await view.locator('.axis-label').evaluateAll((ls) => ls.map((l) => (l as HTMLElement).dataset.axisKey));
        if (JSON.stringify(axes) !== JSON.stringify(['learningRate', 'dropout', 'metric value'])) throw new Error(`axes: ${JSON.stringify(axes)}`);
        // A stopped trial says at which rung.
        const stopped = sweep.trials.filter((t) => t.status === 'stopped').length;
        const statuses = await view.locator('.trials-table td[data-column="status"]').allInnerTexts();
        if (statuses.filter((s) => /^stopped at rung \d \(epoch \d\)$/.test(s)).length !== stopped)
          throw new Error(`statuses ${JSON.stringify(statuses)}, ${stopped} stopped`);
        await view.locator('.importance .method[data-method="fanova-marginal-variance"]', { hasText: 'Method: fANOVA-style' }).waitFor();
        await view.locator('.curves .u-over').waitFor();
        // The tests of the best configuration against popularity on the same split, computed on the host.
        const popularity = view.locator('.significance[data-state="done"] .comparison[data-against="popularity"]');
        await popularity.locator('tr[data-metric="ndcg@100"]').waitFor({ timeout: 60_000 });
        await popularity.locator('tr[data-metric="recall@20"]').waitFor();
        const runnerUp = view.locator('.comparison[data-against="runner-up"]');
        if ((await runnerUp.locator('tr[data-metric="ndcg@100"]').count()) === 0 && (await runnerUp.locator('text=Not available').count()) === 0)
          throw new Error('the runner-up comparison shows neither a table nor why it is missing');
        await page.screenshot({ path: screenshotPath('sweep-view.png') });
        await view.locator('.significance').scrollIntoViewIfNeeded();
        await page.screenshot({ path: screenshotPath('sweep-view-analysis.png') });
        await view.locator('.sweep-header').scrollIntoViewIfNeeded();
      }),
  );

  it('brushing the learning-rate axis filters the table to the trials inside the brush', { timeout: 60_000 }, () =>
    step('brush', async () => {
      if (session.failures > 0) throw new Error('needs the view opened by the previous test');
      const view = await wb.webviewWith('.parcoords-canvas');
      const label = await view.locator('[data-axis-key="learningRate"]').boundingBox();
      const canvas = await view.locator('.parcoords-canvas').boundingBox();
      if (!label || !canvas) throw new Error('the learning-rate axis is not on screen');
      // The axis is linear from 0.00005 (bottom) to 0.002 (top): a drag over its top tenth keeps 0.002 only.
      const x = label.x + label.width / 2;
      await page.mouse.move(x, canvas.y + 4);
      await page.mouse.down();
      await page.mouse.move(x, canvas.y + 30, { steps: 5 });
      await page.mouse.move(x, canvas.y + 45, { steps: 5 });
      await page.mouse.up();
      const kept = sweep.trials.filter((t) => t.params.learningRate === RATES[0]).length;
      await view.locator(`.trials[data-shown="${kept}"]`).waitFor({ timeout: 10_000 });
      const rates = await view.locator('.trials-table td[data-column="param:learningRate"]').allInnerTexts();
      if (rates.length !== kept || rates.some((r) => r !== '0.002')) throw new Error(`rows after the brush: ${JSON.stringify(rates)}`);
      await view.locator('.axis-label.brushed[data-axis-key="learningRate"]').waitFor();
      await page.screenshot({ path: screenshotPath('sweep-view-brushed.png') });
      await view.locator('[data-action="clearBrushes"]').click();
      await view.locator(`.trials[data-shown="${sweep.trials.length}"]`).waitFor({ timeout: 10_000 });
    }),
  );

  it("opens the best trial's run in the dashboard", { timeout: 60_000 }, () =>
    step('open-best', async () => {
      if (session.failures > 0) throw new Error('needs the view opened by the first test');
      const best = sweep.best ? sweep.trials[sweep.best.index] : undefined;
      if (!best?.runId) throw new Error('the best trial has no run');
      const view = await wb.webviewWith('.parcoords-canvas');
      const index = await view.locator('.sweep-best').getAttribute('data-best-trial');
      if (index !== String(best.index)) throw new Error(`the view names trial ${index} best, the CLI ${best.index}`);
      await view.locator(`tr[data-trial="${best.index}"] button[data-open]`).click();
      const dash = await wb.webviewWith('.runs-table', 60_000);
      await dash.locator(`vscode-checkbox[data-run-id="${best.runId}"]`).waitFor({ timeout: 30_000 });
      if (!(await isTicked(dash, best.runId))) throw new Error(`the best run ${best.runId} is not overlaid in the dashboard`);
    }),
  );
});
