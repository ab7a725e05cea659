/**
 * End-to-end, as a user (issue 16, items 1 and 2): in a real VS Code (code-server, headless
 * Chromium) on a workspace whose settings name a small generated dataset, "Recommender: New
 * Sweep" writes and opens a Mult-VAE starter sweep file; edited to a tiny grid with a mistake, the
 * CodeLens names the key, the mistake is underlined, and "Run sweep" refuses; corrected, "Run sweep" starts it, and the sweep
 * node and its trials fill in the Runs tree to completion (the best trial marked), while the
 * trials' runs stay off the top level; a click on the sweep opens its sweep view. Then "Rerun Best with N Seeds" on it; and a sweep started
 * from the CLI appears and updates live, is stopped from the tree (the CLI's coordinator ends with
 * 130), resumed from the tree in this window, and stopped again from its notification's Cancel.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { cli, cliInBackground } from '../helpers/cli';
import { REPO_ROOT } from './codeServer';
import { writeClusteredDataset, writeWorkspaceSettings } from './fixtures';
import { E2eSession } from './session';
import { Workbench, screenshotPath } from './workbench';

const session = new E2eSession('sweeps');
let page: Page;
let wb: Workbench;
let workspace: string;
let dataset: string;

const step = (name: string, body: () => Promise<void>) => session.step(name, body);

/** The starter file, cut down to two quick trials on the fixture (what a user would edit). */
function tinySweep(starter: Record<string, unknown>, dropouts: number[]): Record<string, unknown> {
  return {
    ...starter,
    base: { epochs: 3, hidden: 32, latent: 8, batchSize: 100, backend: 'cpu', protocol: { heldoutUsers: 30 } },
    parameters: { dropout: { values: dropouts } },
    earlyStopping: { type: 'asha', graceEpochs: 1, reductionFactor: 3, maxEpochs: 3 },
    executor: { type: 'local', concurrency: 2 },
  };
}

describe('Sweeps in a real VS Code', { timeout: 8 * 60_000 }, () => {
  let sweepFile: string;

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-e2e-sweeps-'));
    dataset = path.join(workspace, 'data', 'ml-fixture');
    writeClusteredDataset(dataset, { users: 240, items: 90, clusters: 3 });
    writeWorkspaceSettings(workspace, { dataset, epochs: 3, heldoutUsers: 30 });
    for (const f of ['dist/extension.js', 'dist/cli.js', 'dist/trainer.js']) {
      if (!fs.existsSync(path.join(REPO_ROOT, f))) throw new Error(`${f} is missing: run "npm run build" first`);
    }
    wb = await session.open(workspace);
    page = session.page;
    await wb.openRunsView();
  });

  after(async () => {
    // A failed step may leave a sweep running (its coordinator and trainers are detached): stop each, as `vaerec sweep stop` does.
    const sweeps = workspace ? path.join(workspace, '.vaerec', 'sweeps') : '';
    for (const id of sweeps && fs.existsSync(sweeps) ? fs.readdirSync(sweeps) : []) cli(['sweep', 'stop', path.join(sweeps, id)]);
    await session.close();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('New Sweep writes a starter file for the chosen model and opens it', { timeout: 90_000 }, () =>
    step('new', async () => {
      await wb.runFromPalette('Recommender: New Sweep');
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Mult-VAE' }).first().click({ timeout: 10_000 });
      sweepFile = path.join(workspace, 'mvae.sweep.json');
      await wb.poll(
        async () => fs.existsSync(sweepFile),
        (v) => v,
        'mvae.sweep.json to be written',
        20_000,
      );
      await page.locator('.tabs-container .tab', { hasText: 'mvae.sweep.json' }).waitFor({ timeout: 20_000 });
      const starter = JSON.parse(fs.readFileSync(sweepFile, 'utf8')) as Record<string, unknown>;
      if (starter.model !== 'mvae' || starter.dataset !== dataset) throw new Error(`unexpected starter: ${JSON.stringify(starter)}`);
      // Valid as written: its lens offers to run it.
      await page.locator('.codelens-decoration', { hasText: 'Run sweep (' }).first().waitFor({ timeout: 30_000 });
    }),
  );

  it('an invalid sweep file: the CodeLens names the key and Run sweep refuses with it', { timeout: 60_000 }, () =>
    step('invalid', async () => {
      const starter = JSON.parse(fs.readFileSync(sweepFile, 'utf8')) as Record<string, unknown>;
      // The editor reloads a file changed on disk that it has not modified.
      fs.writeFileSync(sweepFile, JSON.stringify(tinySweep(starter, [0.2, 1.5]), null, 2) + '\n');
      const mistake = page.locator('.codelens-decoration', { hasText: 'parameters.dropout.values[1]: dropout must be' }).first();
      await mistake.waitFor({ timeout: 30_000 });
      // The same mistake underlined in place (the schema does not check ranges: this is the validator's).
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached', timeout: 30_000 });
      await page.locator('.codelens-decoration a', { hasText: 'Run sweep' }).first().click();
      await page
        .locator('.notification-toast', { hasText: 'Cannot run sweep mvae.sweep.json: parameters.dropout.values[1]: dropout must be' })
        .first()
        .waitFor({ timeout: 15_000 });
      if (fs.existsSync(path.join(workspace, '.vaerec', 'sweeps'))) throw new Error('an invalid sweep file created a sweep');
    }),
  );

  it('Run sweep starts it; the sweep and its trials fill in the Runs tree to completion', { timeout: 300_000 }, () =>
    step('run', async () => {
      const starter = JSON.parse(fs.readFileSync(sweepFile, 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(sweepFile, JSON.stringify(tinySweep(starter, [0.2, 0.5]), null, 2) + '\n');
      const lens = page.locator('.codelens-decoration a', { hasText: 'Run sweep (2 trials, local)' }).first();
      await lens.waitFor({ timeout: 30_000 });
      await wb.poll(
        () => page.locator('.monaco-editor .squiggly-error').count(),
        (n) => n === 0,
        'the underline to go once the file is valid',
        10_000,
      );
      await lens.click();
      // The progress notification and the sweep node, running.
      await page.locator('.notification-toast', { hasText: 'Sweep mvae.sweep.json' }).first().waitFor({ timeout: 30_000 });
      await wb.waitForRow((l) => l.startsWith('mvae-sweep, sweep running, '), 'the sweep node, running', 60_000);
      // Its trials under it: expand the node (its twistie; a click on the label opens the sweep view).
      await page.locator('.pane-body [role="treeitem"][aria-label^="mvae-sweep, "] .monaco-tl-twistie').first().click();
      await wb.waitForRow((l) => /^trial [01], /.test(l), 'the trials under the sweep', 60_000);
      const done = await wb.waitForRow(
        (l) => l.startsWith('mvae-sweep, sweep completed, completed · 2/2 trials · best val NDCG@100 0.'),
        'the sweep to complete',
        240_000,
      );
      const labels = await wb.rowLabels();
      const trials = labels.filter((l) => /^trial [01], /.test(l));
      if (trials.length !== 2) throw new Error(`expected two trial rows, got ${JSON.stringify(labels)}`);
      if (!trials.some((l) => l.includes('★ best'))) throw new Error(`no trial marked best: ${JSON.stringify(trials)}`);
      for (const t of trials) if (!/dropout 0\.[25]/.test(t)) throw new Error(`a trial without its parameters: ${t}`);
      // The trials' runs are not repeated at the top level: the only rows are the sweep and its trials.
      if (labels.length !== 3) throw new Error(`expected the sweep and its two trials only, got ${JSON.stringify(labels)}`);
      // The end message names the best configuration.
      await page
        .locator('.notification-toast', { hasText: /Sweep mvae-sweep completed: 2 trials .* best trial \d \(dropout 0\.[25]\)/ })
        .first()
        .waitFor({ timeout: 30_000 });
      const record = JSON.parse(
        fs.readFileSync(path.join(workspace, '.vaerec', 'sweeps', fs.readdirSync(path.join(workspace, '.vaerec', 'sweeps'))[0], 'sweep.json'), 'utf8'),
      ) as {
        status: string;
        trials: { state: string }[];
      };
      if (record.status !== 'completed') throw new Error(`sweep.json says ${record.status}, the tree said: ${done}`);
    }),
  );

  it('saves a screenshot of a sweep in the Runs tree', { timeout: 30_000 }, async (t) => {
    if (session.failures > 0) return t.skip('an earlier test failed: its own screenshot is in test-results/');
    await wb.runFromPalette('Notifications: Clear All Notifications');
    // Widen the side bar (drag its sash) so the descriptions are not cut off.
    const sidebar = await page.locator('.part.sidebar').boundingBox();
    if (sidebar) {
      await page.mouse.move(sidebar.x + sidebar.width, 400);
      await page.mouse.down();
      await page.mouse.move(sidebar.x + 560, 400, { steps: 5 });
      await page.mouse.up();
    }
    await page.mouse.move(1000, 300);
    await page.screenshot({ path: screenshotPath('sweep-tree.png') });
  });

  it('a click on the sweep opens its sweep view, with both trials in the table and on the axes', { timeout: 90_000 }, () =>
    step('open-view', async () => {
      if (session.failures > 0) throw new Error('needs the sweep run by the earlier test');
      await page.locator('.pane-body [role="treeitem"][aria-label^="mvae-sweep, "] .label-name').first().click();
      const view = await wb.webviewWith('.parcoords-canvas', 60_000);
      await view.locator('.trials[data-shown="2"]').waitFor({ timeout: 30_000 });
      const axes = await view.locator('.axis-label').evaluateAll((ls) => ls.map((l) => (l as HTMLElement).dataset.axisKey));
      if (JSON.stringify(axes) !== JSON.stringify(['dropout', 'metric value'])) throw new Error(`axes: ${JSON.stringify(axes)}`);
      await wb.runFromPalette('View: Close All Editors');
    }),
  );

  it('Open Sweep File opens the file the sweep was started from, or the search it ran once that file is edited', { timeout: 90_000 }, () =>
    step('open-file', async () => {
      if (session.failures > 0) throw new Error('needs the sweep run by the earlier test');
      await wb.contextMenu('mvae-sweep', 'Open Sweep File');
      await page.locator('.tabs-container .tab', { hasText: 'mvae.sweep.json' }).waitFor({ timeout: 20_000 });
      await wb.runFromPalette('View: Close All Editors');
      const original = fs.readFileSync(sweepFile, 'utf8');
      try {
        fs.writeFileSync(sweepFile, original.replace('"name": "mvae-sweep"', '"name": "mvae-sweep-edited"'));
        await wb.contextMenu('mvae-sweep', 'Open Sweep File');
        await page.locator('.notification-toast', { hasText: 'has changed since the sweep started' }).first().waitFor({ timeout: 20_000 });
        await page.locator('.tabs-container .tab', { hasText: 'Untitled' }).waitFor({ timeout: 20_000 });
      } finally {
        fs.writeFileSync(sweepFile, original);
      }
      await wb.runFromPalette('View: Revert and Close Editor');
    }),
  );

  it('Rerun Best with N Seeds writes a sweep of the best configuration over N seeds and runs it', { timeout: 240_000 }, () =>
    step('rerun-best', async () => {
      await wb.contextMenu('mvae-sweep', 'Rerun Best with N Seeds');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('2');
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab', { hasText: 'mvae-sweep-best-x2.sweep.json' }).waitFor({ timeout: 20_000 });
      const derived = JSON.parse(fs.readFileSync(path.join(workspace, 'mvae-sweep-best-x2.sweep.json'), 'utf8')) as { repeats: number; parameters: object };
      if (derived.repeats !== 2 || Object.keys(derived.parameters).length !== 0) throw new Error(`unexpected derived sweep: ${JSON.stringify(derived)}`);
      await wb.waitForRow(
        (l) => l.startsWith('mvae-sweep-best-x2, sweep completed, completed · 2/2 trials · best val NDCG@100 0.'),
        'the rerun to complete',
        200_000,
      );
    }),
  );

  it("Replay Early Stopping on a sweep run in full opens the replay's table", { timeout: 90_000 }, () =>
    step('replay', async () => {
      if (session.failures > 0) throw new Error('needs the sweep run by the earlier test');
      await wb.contextMenu('mvae-sweep-best-x2', 'Replay Early Stopping');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('--asha 1,2 --median 1');
      await page.keyboard.press('Enter');
      // The CLI's table in an editor: the full sweep's line, then one row per rule.
      const table = page.locator('.monaco-editor .view-lines');
      await table.filter({ hasText: 'epochs in full' }).first().waitFor({ timeout: 30_000 });
      await table.filter({ hasText: 'asha 1,2' }).first().waitFor({ timeout: 5_000 });
      await table.filter({ hasText: 'median 1' }).first().waitFor({ timeout: 5_000 });
      await wb.runFromPalette('View: Revert and Close Editor');
    }),
  );

  it('follows a sweep started from the CLI; Stop and Resume from the tree; Cancel from the notification', { timeout: 300_000 }, () =>
    step('cli-stop-resume', async () => {
      const starter = JSON.parse(fs.readFileSync(sweepFile, 'utf8')) as Record<string, unknown>;
      const tiny = tinySweep(starter, [0.2, 0.5]);
      const long = { ...tiny, name: 'cli-long', base: { ...(tiny.base as object), epochs: 5000 }, earlyStopping: 'none' };
      const file = path.join(workspace, 'cli-long.sweep.json');
      fs.writeFileSync(file, JSON.stringify(long, null, 2) + '\n');
      let exited = false;
      const cliRun = cliInBackground(['sweep', 'run', file, '--runs-dir', path.join(workspace, '.vaerec', 'runs'), '--json'], { cwd: workspace });
      void cliRun.exited.then(() => (exited = true));
      try {
        await wb.waitForRow((l) => l.startsWith('cli-long, sweep running, '), 'the CLI-started sweep in the tree', 60_000);
        // Another process's sweep gets the status bar too.
        await page
          .locator('.statusbar-item', { hasText: /Sweep cli-long: 0\/2 trials · 2 running/ })
          .first()
          .waitFor({ timeout: 60_000 });
        await wb.contextMenu('cli-long', 'Stop Sweep');
        const dialog = page.locator('.monaco-dialog-box');
        await dialog.waitFor({ timeout: 10_000 });
        await dialog.getByRole('button', { name: 'Stop' }).click();
        await wb.waitForRow((l) => l.startsWith('cli-long, sweep stopped, stopped · 0/2 trials · 2 cancelled'), 'the sweep to be stopped', 90_000);
        const code = await cliRun.exited;
        if (code !== 130) throw new Error(`the CLI's coordinator exited with ${code}, not 130 (stopped): ${cliRun.stderr()}`);
      } finally {
        // A failure before the stop: SIGTERM is Ctrl-C to the coordinator, which cancels its trainers.
        if (!exited) process.kill(cliRun.pid, 'SIGTERM');
        await cliRun.exited;
      }
      await wb.contextMenu('cli-long', 'Resume Sweep');
      await wb.waitForRow((l) => l.startsWith('cli-long, sweep running, '), 'the resumed sweep', 60_000);
      const toast = page.locator('.notification-toast', { hasText: 'Sweep cli-long' }).first();
      await toast.filter({ hasText: '0/2 trials · 2 running' }).waitFor({ timeout: 90_000 });
      await toast.getByRole('button', { name: 'Cancel' }).click();
      await page
        .locator('.notification-toast', {
          hasText: 'Sweep cli-long stopped: 2 running trials were cancelled (their runs are kept, recorded as cancelled) and 0 pending trials were not started',
        })
        .first()
        .waitFor({ timeout: 90_000 });
      await wb.waitForRow((l) => l.startsWith('cli-long, sweep stopped, '), 'the sweep stopped again', 30_000);
    }),
  );
});
