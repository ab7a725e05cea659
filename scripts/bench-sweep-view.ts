/**
 * Is the sweep view responsive with hundreds of trials? Generates a synthetic sweep (default 500
 * trials, random search under ASHA, a curve per trial) in a temporary folder, then measures:
 *
 * - on the host (Node): reading sweep.json and building the view data (importance included), and
 *   reading every trial's curve (the follower's first tick);
 * - in Chromium, on the built page (dist/webview/sweep.js in the extension's page shell and CSP):
 *   time to first paint (the `state` message dispatched -> the frame after the plots drew) and time
 *   to re-filter after a brush (a drag along the learning-rate axis -> the frame after the table,
 *   plots and curves were updated), each also without the wait for the frame.
 *
 * Every figure is the median over --runs fresh page loads (default 7). No assertion: the figures go
 * to docs/SWEEP-VIEW.md with this command.
 *
 *   npm run build && node --import tsx scripts/bench-sweep-view.ts [--trials 500] [--runs 7] [--screenshot FILE]
 */
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { makeNonce, renderPageShell } from '../src/extension/panelHost/pageShell';
import { SweepFollower, type SweepChange } from '../src/extension/sweepView/sweepFollower';
import { buildSweepViewData } from '../src/extension/sweepView/sweepViewData';
import { readSweep } from '../src/shared/sweepReader';
import type { SweepViewUpdate } from '../src/shared/sweepViewMessages';
import { writeSyntheticSweep } from '../test/fixtures/syntheticSweep';
import { THEMES } from '../test/webview/themes';
import { median, option } from './benchCommon';

const TRIALS = Number(option('trials', '500'));
const RUNS = Number(option('runs', '7'));
const SCREENSHOT = option('screenshot', '');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..');

const fmt = (xs: number[]) => `${median(xs).toFixed(1)} ms (range ${Math.min(...xs).toFixed(1)} to ${Math.max(...xs).toFixed(1)})`;

async function hostSide(sweepDir: string): Promise<{ build: number; curves: number; state: SweepViewUpdate }> {
  const t0 = performance.now();
  const read = readSweep(sweepDir);
  if ('reason' in read) throw new Error(read.reason);
  const data = buildSweepViewData(read.record, sweepDir);
  const t1 = performance.now();
  let first: SweepChange | undefined;
  const follower = new SweepFollower(sweepDir, (c) => (first = c), 3_600_000);
  await follower.tick();
  follower.dispose();
  const t2 = performance.now();
  return {
    build: t1 - t0,
    curves: t2 - t1,
    state: { type: 'state', data, curves: first?.curves ?? [], significance: { state: 'waiting', reason: 'not computed by the bench' } },
  };
}

function serve(files: Record<string, { type: string; body: string }>): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'vaerec-bench-sweep-'));
  try {
    const { sweepDir } = writeSyntheticSweep(root, { trials: TRIALS });
    const build: number[] = [];
    const curves: number[] = [];
    let state: SweepViewUpdate | undefined;
    for (let r = 0; r < RUNS; r++) {
      const h = await hostSide(sweepDir);
      build.push(h.build);
      curves.push(h.curves);
      state = h.state;
    }
    const files: Record<string, { type: string; body: string }> = {
      '/sweep.js': { type: 'text/javascript', body: readFileSync(path.join(ROOT, 'dist/webview/sweep.js'), 'utf8') },
      '/sweep.css': { type: 'text/css', body: readFileSync(path.join(ROOT, 'dist/webview/sweep.css'), 'utf8') },
      '/theme.css': {
        type: 'text/css',
        body: `:root { ${Object.entries(THEMES.dark.vars)
          .map(([k, v]) => `${k}: ${v};`)
          .join(' ')} }`,
      },
      '/fake-vscode.js': {
        type: 'text/javascript',
        body: `window.__state = ${JSON.stringify(state)};
window.acquireVsCodeApi = () => ({ postMessage(m) { if (m.type === 'ready') window.__ready = true; }, getState: () => undefined, setState() {} });`,
      },
    };
    const { server, origin } = await serve(files);
    const nonce = makeNonce();
    files['/'] = {
      type: 'text/html',
      body: renderPageShell(
        { cspSource: origin, nonce, scriptUri: `${origin}/sweep.js`, styleUri: `${origin}/sweep.css` },
        { title: 'Sweep', loading: 'Loading…' },
      )
        .replace('<body>', '<body class="vscode-dark">')
        .replace('</head>', `<link rel="stylesheet" href="${origin}/theme.css">\n</head>`)
        .replace('<script nonce', `<script nonce="${nonce}" src="${origin}/fake-vscode.js"></script>\n<script nonce`),
    };
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const paintSync: number[] = [];
    const paint: number[] = [];
    const brushSync: number[] = [];
    const brush: number[] = [];
    let kept = '';
    try {
      for (let r = 0; r < RUNS; r++) {
        const tab = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        const errors: string[] = [];
        tab.on('pageerror', (e) => errors.push(e.message));
        await tab.goto(origin);
        await tab.waitForFunction(() => (window as unknown as { __ready?: boolean }).__ready === true);
        // Passed as text: functions defined inside a page function would get tsx's __name helper, unknown in the page.
        const first = (await tab.evaluate(`(async () => {
          const t0 = performance.now();
          window.dispatchEvent(new MessageEvent('message', { data: window.__state }));
          const t1 = performance.now();
          // The plots draw in the next animation frame; the one after it comes once that frame is painted.
          await new Promise((r) => requestAnimationFrame(r));
          await new Promise((r) => requestAnimationFrame(r));
          return { sync: t1 - t0, paint: performance.now() - t0 };
        })()`)) as { sync: number; paint: number };
        await tab.waitForTimeout(300);
        const label = await tab.locator('[data-axis-key="learningRate"]').boundingBox();
        const canvas = await tab.locator('.parcoords-canvas').boundingBox();
        if (!label || !canvas) throw new Error('no learningRate axis');
        const [x, top] = [label.x + label.width / 2, canvas.y];
        const after = (await tab.evaluate(`(async () => {
          const c = document.querySelector('.parcoords-canvas');
          const t0 = performance.now();
          c.dispatchEvent(new MouseEvent('mousedown', { clientX: ${x}, clientY: ${top + 120}, bubbles: true }));
          c.dispatchEvent(new MouseEvent('mousemove', { clientX: ${x}, clientY: ${top + 200}, bubbles: true }));
          window.dispatchEvent(new MouseEvent('mouseup', { clientX: ${x}, clientY: ${top + 200} }));
          const t1 = performance.now();
          await new Promise((r) => requestAnimationFrame(r));
          await new Promise((r) => requestAnimationFrame(r));
          return { sync: t1 - t0, paint: performance.now() - t0, shown: document.querySelector('.trials').dataset.shown || '' };
        })()`)) as { sync: number; paint: number; shown: string };
        if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
        paintSync.push(first.sync);
        paint.push(first.paint);
        brushSync.push(after.sync);
        brush.push(after.paint);
        kept = after.shown;
        if (SCREENSHOT && r === RUNS - 1) await tab.screenshot({ path: SCREENSHOT, fullPage: true });
        await tab.close();
      }
    } finally {
      await browser.close();
      server.close();
    }
    console.log(`sweep view, ${TRIALS} synthetic trials (${state?.type === 'state' ? state.curves.length : 0} curves), medians over ${RUNS} runs:`);
    console.log(`  host: read sweep.json + build view data (importance included): ${fmt(build)}`);
    console.log(`  host: read every trial's curve (first follower tick):         ${fmt(curves)}`);
    console.log(`  page: first paint, state message handled (synchronous):       ${fmt(paintSync)}`);
    console.log(`  page: first paint, to the frame after the plots drew:         ${fmt(paint)}`);
    console.log(`  page: re-filter after a brush (synchronous):                  ${fmt(brushSync)}`);
    console.log(`  page: re-filter after a brush, to the frame after it drew:    ${fmt(brush)}  (${kept} of ${TRIALS} trials kept)`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
