/**
 * Visual harness for the dashboard webview: bundles webview/dashboard/main.ts, serves it on
 * 127.0.0.1 inside the same page shell and CSP the extension uses, with a fake acquireVsCodeApi
 * that answers `ready` with a synthetic state (runs of every status, one with 100k steps), then
 * drives Chromium (playwright-core) and writes screenshots. Reports CSP violations, page errors
 * and the messages the page posted.
 *
 *   node --import tsx test/webview/harness.ts [--out /tmp] [--chromium /usr/bin/chromium]
 */
import * as esbuild from 'esbuild';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { makeNonce, renderPageShell } from '../../src/extension/panelHost/pageShell';
import type { DashboardRun, DashboardUpdate } from '../../src/shared/dashboardMessages';
import type { MetricsLine, RunRecord } from '../../src/shared/runSchema';
import { THEMES } from './themes';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const outDir = option('--out', '/tmp');
const chromiumPath = option('--chromium', '/usr/bin/chromium');
/** The page's width in CSS pixels (the editor's width in VS Code). */
const width = Number(option('--width', '1400'));
/** A JS expression evaluated in each page after load, printed (for poking at the DOM while debugging). */
const probe = option('--eval', '');

function record(id: string, name: string, model: RunRecord['model'], status: RunRecord['status'], extra: Partial<RunRecord>): RunRecord {
  return {
    schemaVersion: 1,
    id,
    name,
    model,
    status,
    config: {
      model,
      data: { source: 'ml-1m' },
      protocol: { minRating: 3.5, minUserItems: 5, heldoutUsers: 600, targetFraction: 0.2 },
      seed: 98765,
      epochs: 100,
      batchSize: 500,
      learningRate: 0.001,
      l2: 0,
      hidden: 600,
      latent: 200,
      dropout: 0.5,
      annealCap: 0.2,
      annealSteps: 200000,
      backend: 'auto',
      evalEvery: 1,
    },
    split: { trainUsers: 4839, validationUsers: 600, testUsers: 600, items: 3416, trainInteractions: 470000, droppedUsers: 0, droppedRatings: 0 },
    backend: 'wasm',
    createdAt: '2026-11-26T10:00:00.000Z',
    updatedAt: '2026-11-26T10:20:00.000Z',
    epochsCompleted: 0,
    steps: 0,
    epochSeconds: [],
    artifacts: {},
    ...extra,
  };
}

/** A plausible Mult-VAE run: NLL falls, KL rises with beta, validation NDCG climbs and plateaus. */
function series(steps: number, stepsPerEpoch: number, seed: number, epochsValidated: number): MetricsLine[] {
  let s = seed;
  const noise = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  const lines: MetricsLine[] = [];
  for (let step = 1; step <= steps; step++) {
    const epoch = Math.ceil(step / stepsPerEpoch);
    const beta = Math.min(0.2, step / 2000);
    const nll = 380 + 200 * Math.exp(-step / 400) + 18 * noise();
    const kl = 30 + 25 * (1 - Math.exp(-step / 600)) + 3 * noise();
    lines.push({ kind: 'step', step, epoch, time: step * 0.021, loss: nll + beta * kl, nll, kl, beta, negElbo: nll + kl });
    if (step % stepsPerEpoch === 0) {
      const ndcg = epoch <= epochsValidated ? 0.41 - 0.2 * Math.exp(-epoch / 6) + 0.004 * noise() : undefined;
      lines.push({
        kind: 'epoch',
        epoch,
        step,
        time: step * 0.021 + 0.4,
        seconds: stepsPerEpoch * 0.021,
        loss: nll,
        nll,
        kl,
        beta,
        negElbo: nll + kl,
        ...(ndcg !== undefined ? { 'val_ndcg@100': ndcg } : {}),
      });
    }
  }
  return lines;
}

function syntheticState(): Extract<DashboardUpdate, { type: 'state' }> {
  const spe = 10;
  const done = record('2026-11-26T10-00-00-mvae', 'Mult-VAE β≤0.2, "baseline", lr 1e-3', 'mvae', 'completed', {
    epochsCompleted: 100,
    steps: 1000,
    finishedAt: '2026-11-26T10:21:35.000Z',
    best: { epoch: 88, 'ndcg@100': 0.4061 },
    lastValidation: { epoch: 100, 'ndcg@100': 0.4032 },
    test: { 'ndcg@100': 0.4012, 'recall@10': 0.31, 'recall@20': 0.3351, 'recall@50': 0.4622, users: 600 },
  });
  const running = record('2026-11-27T09-00-00-mvae', 'mvae 100k steps', 'mvae', 'running', {
    createdAt: '2026-11-27T09:00:00.000Z',
    updatedAt: '2026-11-27T09:35:00.000Z',
    epochsCompleted: 40,
    steps: 100_000,
    best: { epoch: 38, 'ndcg@100': 0.3975 },
    lastValidation: { epoch: 40, 'ndcg@100': 0.3951 },
    config: { ...record('x', 'x', 'mvae', 'running', {}).config, epochs: 50, annealSteps: 0 },
    split: { ...record('x', 'x', 'mvae', 'running', {}).split!, trainUsers: 4839 },
  });
  const dae = record('2026-11-25T08-00-00-mdae', 'DAE dropout 0.5', 'mdae', 'completed', {
    createdAt: '2026-11-25T08:00:00.000Z',
    updatedAt: '2026-11-25T08:14:00.000Z',
    finishedAt: '2026-11-25T08:14:00.000Z',
    epochsCompleted: 100,
    steps: 1000,
    best: { epoch: 60, 'ndcg@100': 0.399 },
    lastValidation: { epoch: 100, 'ndcg@100': 0.392 },
    test: { 'ndcg@100': 0.3944, 'recall@10': 0.3, 'recall@20': 0.331, 'recall@50': 0.455, users: 600 },
  });
  const pop = record('2026-11-24T07-00-00-pop', 'popularity', 'pop', 'completed', {
    createdAt: '2026-11-24T07:00:00.000Z',
    updatedAt: '2026-11-24T07:00:04.000Z',
    finishedAt: '2026-11-24T07:00:04.000Z',
    test: { 'ndcg@100': 0.2181, 'recall@10': 0.15, 'recall@20': 0.1692, 'recall@50': 0.2403, users: 600 },
  });
  const runs: DashboardRun[] = [
    { entry: { ok: true, dir: '/runs/a', record: running }, colour: 1 },
    { entry: { ok: true, dir: '/runs/b', record: done }, colour: 0 },
    { entry: { ok: false, dir: '/runs/broken', id: '2026-11-26T00-00-00-broken', reason: 'run.json is not valid JSON (truncated at byte 412)' }, colour: 2 },
    { entry: { ok: true, dir: '/runs/c', record: dae }, colour: 3 },
    { entry: { ok: true, dir: '/runs/d', record: pop }, colour: 4 },
  ];
  void spe;
  return {
    type: 'state',
    runs,
    selected: [running.id, done.id],
    series: { [running.id]: series(100_000, 484, 7, 40), [done.id]: series(1000, 10, 3, 100) },
    sampling: {},
  };
}

function fakeVsCodeApi(state: DashboardUpdate): string {
  return `
window.__posted = [];
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
let saved;
window.acquireVsCodeApi = () => ({
  postMessage(m) {
    window.__posted.push(m);
    if (m.type === 'ready') setTimeout(() => window.postMessage(${JSON.stringify(state)}, '*'), 0);
  },
  getState: () => saved,
  setState: (s) => { saved = s; window.__savedState = s; },
});`;
}

async function bundle(): Promise<{ js: string; css: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vaerec-webview-'));
  await esbuild.build({
    entryPoints: ['webview/dashboard/main.ts'],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    outfile: join(dir, 'dashboard.js'),
    logLevel: 'warning',
  });
  return { js: readFileSync(join(dir, 'dashboard.js'), 'utf8'), css: readFileSync(join(dir, 'dashboard.css'), 'utf8') };
}

function serve(files: Record<string, { type: string; body: string }>): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

function page(origin: string, theme: keyof typeof THEMES): string {
  const nonce = makeNonce();
  const html = renderPageShell(
    { cspSource: origin, nonce, scriptUri: `${origin}/dashboard.js`, styleUri: `${origin}/dashboard.css` },
    { title: 'VAE Recommender Dashboard', loading: 'Loading runs…' },
  );
  return html
    .replace('<body>', `<body class="${THEMES[theme].bodyClass}">`)
    .replace('</head>', `<link rel="stylesheet" href="${origin}/theme-${theme}.css">\n</head>`)
    .replace('<script nonce', `<script nonce="${nonce}" src="${origin}/fake-vscode.js"></script>\n<script nonce`);
}

async function main(): Promise<void> {
  const { js, css } = await bundle();
  const state = syntheticState();
  const files: Record<string, { type: string; body: string }> = {
    '/dashboard.js': { type: 'text/javascript', body: js },
    '/dashboard.css': { type: 'text/css', body: css },
    '/fake-vscode.js': { type: 'text/javascript', body: fakeVsCodeApi(state) },
  };
  for (const [name, t] of Object.entries(THEMES)) {
    files[`/theme-${name}.css`] = {
      type: 'text/css',
      body: `:root { ${Object.entries(t.vars)
        .map(([k, v]) => `${k}: ${v};`)
        .join(' ')} }`,
    };
  }
  const { server, origin } = await serve(files);
  for (const theme of Object.keys(THEMES)) files[`/${theme}`] = { type: 'text/html', body: page(origin, theme) };

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  let failed = false;
  try {
    for (const theme of Object.keys(THEMES)) {
      const tab = await browser.newPage({ viewport: { width, height: 1000 } });
      const problems: string[] = [];
      tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      tab.on('console', (m) => {
        if ((m.type() === 'error' || m.type() === 'warning') && !m.location().url.endsWith('/favicon.ico')) problems.push(`console ${m.type()}: ${m.text()}`);
      });
      const loadStart = Date.now();
      await tab.goto(`${origin}/${theme}`, { waitUntil: 'commit' });
      // The synthetic state embeds ~15 MB of metrics, so allow a slow machine time to parse it.
      await tab.waitForSelector('.runs-table tbody tr vscode-checkbox', { timeout: 120_000 });
      await tab.waitForTimeout(800);

      // Hover the first chart to show the tooltip, then time a burst of appends to the 100k-step run.
      const plot = tab.locator('.chart-card .u-over').first();
      const box = await plot.boundingBox();
      if (box) await tab.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.4);
      await tab.waitForTimeout(200);
      const appendMs = await tab.evaluate(async (runId) => {
        const t0 = performance.now();
        for (let i = 0; i < 20; i++) {
          const step = 100_001 + i;
          window.postMessage(
            { type: 'append', runId, lines: [{ kind: 'step', step, epoch: 207, time: step * 0.021, loss: 390, nll: 385, kl: 55, beta: 0.2, negElbo: 440 }] },
            '*',
          );
          await new Promise((r) => requestAnimationFrame(() => r(null)));
        }
        return (performance.now() - t0) / 20;
      }, state.selected[0]);
      if (probe) console.log(`[${theme}] --eval: ${JSON.stringify(await tab.evaluate(probe))}`);
      const shot = join(outDir, `dashboard-${theme}.png`);
      await tab.screenshot({ path: shot, fullPage: true });

      const posted = await tab.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
      const csp = await tab.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
      const tooltip = await tab
        .locator('.chart-tooltip:not([hidden])')
        .first()
        .textContent()
        .catch(() => null);
      console.log(`[${theme}] screenshot ${shot} (page ready after ${Date.now() - loadStart} ms)`);
      console.log(`[${theme}] posted: ${JSON.stringify(posted)}`);
      console.log(`[${theme}] tooltip: ${tooltip ?? '(none)'}`);
      console.log(`[${theme}] mean frame per append with 100k points: ${appendMs.toFixed(1)} ms`);
      console.log(`[${theme}] CSP violations: ${csp.length === 0 ? 'none' : csp.join('; ')}`);
      for (const p of problems) console.log(`[${theme}] ${p}`);
      if (csp.length > 0 || problems.some((p) => p.startsWith('page error'))) failed = true;
      if (!posted.some((m) => (m as { type?: string }).type === 'ready')) failed = true;

      // The run table scrolls sideways: capture its right half (test metrics, reference figures, actions).
      await tab.locator('.table-scroll').evaluate((e) => e.scrollTo({ left: e.scrollWidth }));
      await tab.locator('.runs').screenshot({ path: join(outDir, `dashboard-${theme}-table.png`) });

      if (theme === 'dark') {
        // Drag-to-zoom on the NLL chart, switch it to log y, and put the charts on wall time.
        const nll = tab.locator('.chart-card').nth(1);
        const over = await nll.locator('.u-over').boundingBox();
        if (over) {
          await tab.mouse.move(over.x + over.width * 0.02, over.y + 20);
          await tab.mouse.down();
          await tab.mouse.move(over.x + over.width * 0.12, over.y + 40, { steps: 5 });
          await tab.mouse.up();
        }
        await nll.locator('vscode-checkbox').click();
        await tab.waitForTimeout(300);
        console.log(`[${theme}] after zoom, reset-zoom button visible: ${(await nll.locator('vscode-button:not([hidden])').count()) === 1}`);
        await nll.screenshot({ path: join(outDir, 'dashboard-dark-zoomed-log.png') });
        await tab.evaluate(() => {
          const select = document.querySelector('vscode-single-select');
          if (select) {
            select.value = 'time';
            select.dispatchEvent(new Event('change'));
          }
        });
        await tab.waitForTimeout(500);
        await tab.locator('.chart-grid').screenshot({ path: join(outDir, 'dashboard-dark-walltime.png') });
        console.log(`[${theme}] saved view state: ${JSON.stringify(await tab.evaluate(() => (window as unknown as { __savedState: unknown }).__savedState))}`);
        // Switch the page to the light theme at run time: the charts must pick up the new colours.
        await tab.evaluate((vars) => {
          for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
          document.body.className = 'vscode-light';
        }, THEMES.light.vars);
        await tab.waitForTimeout(500);
        await tab
          .locator('.chart-card')
          .first()
          .screenshot({ path: join(outDir, 'dashboard-dark-to-light.png') });

        // Keyboard: tick the DAE run's checkbox with Space and check the page asks for it.
        const box2 = tab.locator('vscode-checkbox[data-run-id="2026-11-25T08-00-00-mdae"]');
        await box2.focus();
        await tab.keyboard.press('Space');
        await tab.waitForTimeout(100);
        const last = await tab.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted.at(-1));
        console.log(`[${theme}] after Space on the DAE checkbox the page posted: ${JSON.stringify(last)}`);
        writeFileSync(join(outDir, 'dashboard-posted.json'), JSON.stringify(last));
        // Untick everything: the cards show their empty state.
        const ticked = tab.locator('vscode-checkbox[data-run-id][checked]');
        while ((await ticked.count()) > 0) await ticked.first().click();
        await tab.waitForTimeout(300);
        await tab.locator('.chart-grid').screenshot({ path: join(outDir, 'dashboard-dark-empty.png') });
      }
      await tab.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  if (failed) process.exitCode = 1;
}

void main();
