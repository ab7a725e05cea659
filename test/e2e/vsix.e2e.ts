/**
 * The packaged extension, as a user installs it: `vsce package` (the bundles built by
 * `npm run build`, which `npm run test:e2e` runs first), `code-server --install-extension X.vsix`
 * into a fresh extensions dir, and a VS Code started with only that (no extension under
 * development). Train MVAE must then run the packaged dist/trainer.js on the WebAssembly backend,
 * i.e. with TensorFlow.js and its .wasm binaries from the .vsix's node_modules, while the dashboard
 * draws its curves live; at the end the tree, the dashboard and run.json agree. The activation time
 * VS Code measured is reported (a figure for the README, not an assertion: machines here are noisy).
 */
import { E2eSession } from './session';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as os from 'node:os';
import * as path from 'node:path';
import yauzl from 'yauzl';
import { MARKETPLACE_README, imageSources, isHttps } from '../../scripts/marketplaceReadme';
import { REPO_ROOT, installExtension } from './codeServer';
import { RunsOnDisk, chart, expectCompletedEverywhere, expectCurvesGrowWhileRunning, points } from './dashboardChecks';
import { writeClusteredDataset, writeWorkspaceSettings } from './fixtures';
import { Workbench, nameOf } from './workbench';

const PACKAGE = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  displayName: string;
  publisher: string;
  version: string;
};
const PACKAGE_DISPLAY_NAME = PACKAGE.displayName;
const EXTENSION_ID = `${PACKAGE.publisher}.${PACKAGE.name}`;

/** What dist/trainer.js and dist/extension.js load from the package at run time. */
const REQUIRED_ENTRIES = [
  'extension/package.json',
  'extension/dist/extension.js',
  'extension/dist/trainer.js',
  'extension/dist/gradWorker.js',
  'extension/dist/cli.js',
  'extension/dist/webview/dashboard.js',
  'extension/dist/webview/dashboard.css',
  'extension/dist/inference.js',
  'extension/dist/webview/inspector.js',
  'extension/dist/webview/inspector.css',
  'extension/media/activity-bar.svg',
  'extension/node_modules/@tensorflow/tfjs-core/package.json',
  'extension/node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js',
  'extension/node_modules/@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.node.js',
  'extension/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js',
  'extension/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
  'extension/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
  'extension/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm',
  'extension/node_modules/long/package.json',
  'extension/node_modules/seedrandom/package.json',
  'extension/node_modules/node-fetch/package.json',
];
/** Sources, tests and source maps stay out. */
const FORBIDDEN = [/^extension\/(src|test|webview|scripts|docs|out|test-results)\//, /\.map$/, /\.ts$/];

const session = new E2eSession('e2e-vsix');
let wb: Workbench;
let tmp: string;
let vsix: string;
let workspace: string;
let dataset: string;

const step = (name: string, body: () => Promise<void>) => session.step(name, body);

function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('cannot open the .vsix'));
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** The bytes of one file of the .vsix. */
function zipText(file: string, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('cannot open the .vsix'));
      zip.on('entry', (e: yauzl.Entry) => {
        if (e.fileName !== name) return zip.readEntry();
        zip.openReadStream(e, (streamErr, stream) => {
          if (streamErr || !stream) return reject(streamErr ?? new Error(`cannot read ${name}`));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            zip.close();
            resolve(Buffer.concat(chunks));
          });
        });
      });
      zip.on('end', () => reject(new Error(`${name} is not in the .vsix`)));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('Packaged extension (.vsix) in a real VS Code', { timeout: 10 * 60_000 }, () => {
  before(() => {
    for (const f of ['dist/extension.js', 'dist/trainer.js', 'dist/webview/dashboard.js']) {
      if (!fs.existsSync(path.join(REPO_ROOT, f))) throw new Error(`${f} is missing: run "npm run build" first`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-e2e-vsix-'));
    vsix = path.join(tmp, `${PACKAGE.name}.vsix`);
    workspace = path.join(tmp, 'workspace');
    // VAEREC_E2E_VSIX_DATA=../shared/data/ml-1m runs the same check on real data (opt-in: MovieLens
    // is not redistributable, so CI's default is the generated fixture).
    const realData = process.env.VAEREC_E2E_VSIX_DATA;
    dataset = realData ? path.resolve(realData) : path.join(workspace, 'data', 'ml-fixture');
    if (!realData) writeClusteredDataset(dataset);
    // The wasm backend, explicitly: a .vsix without the .wasm binaries fails the run.
    // Long enough to watch the dashboard's curves grow while the run trains (seconds on either).
    writeWorkspaceSettings(workspace, { dataset, epochs: realData ? 10 : 60, heldoutUsers: realData ? 0 : 30, backend: 'wasm' });
    fs.mkdirSync(session.logDir, { recursive: true });
  });

  after(async () => {
    await session.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('packages the extension with vsce: bundles, TensorFlow.js and its .wasm binaries, no sources', { timeout: 150_000 }, (t) =>
    step('package', async () => {
      const started = Date.now();
      // What `npm run package` runs after its build (test:e2e has just built): the universal package, with its own details page.
      const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--targets', 'universal', '--out-dir', tmp], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 140_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      fs.writeFileSync(path.join(session.logDir, 'vsce-package.log'), `${res.stdout}\n${res.stderr}`);
      if (res.status !== 0 || !fs.existsSync(vsix))
        throw new Error(`vsce package failed (${res.error?.message ?? `exit ${res.status}`}):\n${`${res.stdout}\n${res.stderr}`.slice(-3000)}`);
      const entries = await zipEntries(vsix);
      const missing = REQUIRED_ENTRIES.filter((e) => !entries.includes(e));
      if (missing.length) throw new Error(`the .vsix lacks ${missing.join(', ')}`);
      const unwanted = entries.filter((e) => FORBIDDEN.some((re) => re.test(e)));
      if (unwanted.length)
        throw new Error(`the .vsix contains ${unwanted.slice(0, 10).join(', ')}${unwanted.length > 10 ? ` and ${unwanted.length - 10} more` : ''}`);
      // The details page: the users' README, alone (not the developers' one too), every image in it
      // embedded (the screenshots' own bytes) or an https URL: VS Code's details page shows nothing else.
      const readmes = entries.filter((e) => /^extension\/readme(\.md|\.txt)?$/i.test(e));
      if (readmes.join() !== 'extension/readme.md') throw new Error(`the .vsix has the README files ${JSON.stringify(readmes)}`);
      const page = (await zipText(vsix, 'extension/readme.md')).toString('utf8');
      if (!page.startsWith('# VAE Recommender Lab\n')) throw new Error(`the details page starts with ${JSON.stringify(page.slice(0, 80))}`);
      const images = imageSources(page);
      const shots = imageSources(fs.readFileSync(path.join(REPO_ROOT, MARKETPLACE_README), 'utf8')).map((i) => i.src);
      if (images.length === 0 || images.length !== shots.length) throw new Error(`${images.length} images on the packaged page, ${shots.length} in its source`);
      images.forEach(({ src }, i) => {
        if (isHttps(src)) return;
        const m = /^data:image\/png;base64,(.+)$/.exec(src);
        const file = path.resolve(REPO_ROOT, path.dirname(MARKETPLACE_README), shots[i]);
        if (!m || !Buffer.from(m[1], 'base64').equals(fs.readFileSync(file))) throw new Error(`image ${i + 1} of the details page is not ${shots[i]} embedded`);
      });
      const mb = (fs.statSync(vsix).size / 1024 / 1024).toFixed(1);
      t.diagnostic(`${path.basename(vsix)}: ${mb} MB, ${entries.length} files, packaged in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }),
  );

  it(
    'installs into a fresh extensions dir, trains from the palette with live curves in the dashboard; tree, dashboard and run.json agree (wasm)',
    { timeout: 300_000 },
    (t) =>
      step('train', async () => {
        if (!fs.existsSync(vsix)) throw new Error('needs the .vsix of the previous test');
        const extensionsDir = path.join(tmp, 'extensions');
        fs.mkdirSync(extensionsDir);
        installExtension(vsix, extensionsDir, path.join(session.logDir, 'install-extension.log'));
        const installed = path.join(extensionsDir, `${EXTENSION_ID}-${PACKAGE.version}`);
        if (!fs.existsSync(path.join(installed, 'dist', 'trainer.js')))
          throw new Error(`not installed as ${installed}: ${fs.readdirSync(extensionsDir).join(', ')}`);
        wb = await session.open(workspace, { extensionsDir, developmentExtension: false });
        await wb.openRunsView();
        await wb.runFromPalette('Recommender: Train MVAE');
        const running = await wb.waitForRow((l) => l.includes(', running, '), 'a running run', 60_000);
        const name = nameOf(running);
        await wb.runFromPalette('Recommender: Open Dashboard');
        const dash = wb.dashboard();
        await expectCurvesGrowWhileRunning(wb, dash, name);
        const runs = new RunsOnDisk(path.join(workspace, '.vaerec', 'runs'));
        const record = await expectCompletedEverywhere(wb, dash, runs, name, 180_000);
        const steps = runs.stepLines(record.id);
        for (const metric of ['negElbo', 'kl'])
          await wb.poll(
            () => points(chart(dash, metric)),
            (n) => n === steps,
            `${metric}: ${steps} points (the step lines of metrics.jsonl)`,
            10_000,
          );
        if (record.backend !== 'wasm') throw new Error(`run.json: backend ${record.backend} (expected wasm)`);
        t.diagnostic(
          `${record.config.data.source}: ${record.split?.trainUsers} training users, ${record.split?.items} items, ${record.epochsCompleted} epochs, best validation NDCG@100 ${record.best?.['ndcg@100'].toFixed(3)}`,
        );
      }),
  );

  it('reports the activation time VS Code measured for the packaged extension (Developer: Show Running Extensions)', { timeout: 60_000 }, (t) =>
    step('activation', async () => {
      await wb.runFromPalette('Developer: Show Running Extensions');
      const row = session.page
        .locator('.runtime-extensions-editor .extension', { has: session.page.locator('.name', { hasText: PACKAGE_DISPLAY_NAME }) })
        .first();
      // VS Code's own figure: code loading + the activate() call, as shown to users in that editor.
      const text = await wb.poll(
        () => row.locator('.activation-time').innerText({ timeout: 5_000 }),
        (s) => /Activation: \d+ms/.test(s),
        'an activation time for the extension',
        30_000,
      );
      const ms = Number(/Activation: (\d+)ms/.exec(text)?.[1]);
      fs.writeFileSync(path.join(session.logDir, 'activation.json'), JSON.stringify({ extension: EXTENSION_ID, activationMs: ms, shown: text }) + '\n');
      t.diagnostic(`activation (code loading + activate) as VS Code measured it: ${ms} ms ("${text}")`);
    }),
  );

  it("shows the package's details page with its screenshots rendered (the Extensions view)", { timeout: 90_000 }, () =>
    step('details', async () => {
      const page = session.page;
      await page.locator('.activitybar [aria-label^="Extensions"]').first().click();
      const item = page.locator('.extensions-viewlet .monaco-list-row', { hasText: PACKAGE_DISPLAY_NAME }).first();
      await item.waitFor({ timeout: 30_000 });
      await item.click();
      const details = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await details.locator('h1', { hasText: PACKAGE_DISPLAY_NAME }).waitFor({ timeout: 30_000 });
      await details.locator('h2', { hasText: 'Commands' }).waitFor({ timeout: 5_000 });
      // Every image is decoded (naturalWidth > 0): none is broken in the page VS Code shows.
      const widths = await wb.poll(
        () => details.locator('img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth)),
        (w) => w.length > 0 && w.every((px) => px > 0),
        'every image of the details page to render',
        20_000,
      );
      if (widths.length !== imageSources(fs.readFileSync(path.join(REPO_ROOT, MARKETPLACE_README), 'utf8')).length)
        throw new Error(`${widths.length} images rendered`);
    }),
  );
});
