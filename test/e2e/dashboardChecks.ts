/**
 * What the e2e suites check in the dashboard webview against the run directory on disk, shared by
 * the development-mode suite (dashboard.e2e.ts) and the packaged one (vsix.e2e.ts): chart cards and
 * their point counts, legends, the run table, and the agreement of tree, table and run.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator } from 'playwright-core';
import type { RunRecord } from '../../src/shared/runSchema';
import { type Workbench, nameOf } from './workbench';

export function chart(dash: FrameLocator, metric: string): Locator {
  return dash.locator(`section.chart-card[data-metric="${metric}"]`);
}

/** The number of points a chart card draws (all overlaid runs), published as data-points. */
export async function points(card: Locator): Promise<number> {
  return Number((await card.getAttribute('data-points', { timeout: 5_000 })) ?? 'NaN');
}

export function tableRow(dash: FrameLocator, id: string): Locator {
  return dash.locator('table.runs-table tbody tr', { has: dash.locator(`th.name[title="${id}"]`) });
}

export async function isTicked(dash: FrameLocator, id: string): Promise<boolean> {
  return dash.locator(`vscode-checkbox[data-run-id="${id}"]`).evaluate((e) => (e as HTMLElement & { checked: boolean }).checked);
}

export async function legendTexts(card: Locator): Promise<string[]> {
  return card.locator('ul.legend li').allInnerTexts();
}

export class RunsOnDisk {
  constructor(readonly dir: string) {}

  records(): RunRecord[] {
    const out: RunRecord[] = [];
    for (const d of fs.existsSync(this.dir) ? fs.readdirSync(this.dir) : []) {
      try {
        out.push(JSON.parse(fs.readFileSync(path.join(this.dir, d, 'run.json'), 'utf8')) as RunRecord);
      } catch {
        // a damaged fixture, or a run.json being replaced
      }
    }
    return out;
  }

  named(name: string): RunRecord {
    const r = this.records().find((rec) => rec.name === name);
    if (!r) throw new Error(`no run.json in ${this.dir} names ${name}`);
    return r;
  }

  /** Training steps recorded in the run's metrics.jsonl: one chart point each. */
  stepLines(id: string): number {
    const text = fs.readFileSync(path.join(this.dir, id, 'metrics.jsonl'), 'utf8');
    return text.split('\n').filter((l) => l.includes('"kind":"step"')).length;
  }
}

/**
 * The negative-ELBO and KL charts of a running run gain points while it still runs (the check fails
 * if the run ends first: the caller's run is too short to watch).
 */
export async function expectCurvesGrowWhileRunning(wb: Workbench, dash: FrameLocator, name: string): Promise<void> {
  const elbo = chart(dash, 'negElbo');
  const kl = chart(dash, 'kl');
  await elbo.locator('h3', { hasText: 'Negative ELBO' }).waitFor({ timeout: 60_000 });
  await kl.locator('h3', { hasText: 'KL divergence' }).waitFor({ timeout: 10_000 });
  // The running run is overlaid by default (the newest runs are).
  await wb.poll(
    () => legendTexts(elbo),
    (t) => t.some((s) => s.startsWith(`${name} · `)),
    `${name} in the ELBO legend`,
    20_000,
  );
  for (const card of [elbo, kl]) {
    const first = await wb.poll(
      () => points(card),
      (n) => n > 0,
      'the first points',
      60_000,
    );
    const later = await wb.poll(
      () => points(card),
      (n) => n > first,
      `more than ${first} points`,
      60_000,
    );
    const label = await wb.rowOf(name);
    if (!label?.includes(', running, '))
      throw new Error(`${name} no longer runs (${label}) after the chart grew from ${first} to ${later} points: train for longer`);
  }
}

/** The tree, the dashboard table and run.json agree on the completed run's status and best NDCG@100. */
export async function expectCompletedEverywhere(wb: Workbench, dash: FrameLocator, runs: RunsOnDisk, name: string, timeoutMs = 150_000): Promise<RunRecord> {
  const label = await wb.waitForRow((l) => nameOf(l) === name && l.includes(', completed, '), `${name} to complete in the tree`, timeoutMs);
  const record = runs.named(name);
  if (record.status !== 'completed' || !record.best) throw new Error(`run.json of ${name}: status ${record.status}, best ${JSON.stringify(record.best)}`);
  const best = record.best['ndcg@100'].toFixed(3);
  const expectedLabel = `${name}, completed, Mult-VAE · best NDCG@100 ${best}`;
  if (label !== expectedLabel) throw new Error(`tree row "${label}", expected "${expectedLabel}" (from run.json)`);
  const row = tableRow(dash, record.id);
  await wb.poll(
    () => row.locator('span.status').innerText({ timeout: 5_000 }),
    (s) => s === 'completed',
    `the dashboard table to show ${name} completed`,
    20_000,
  );
  await wb.poll(
    () => row.innerText({ timeout: 5_000 }),
    (s) => s.includes(`${best} (ep ${record.best?.epoch})`),
    `the dashboard table to show best val NDCG@100 ${best} for ${name}`,
    10_000,
  );
  return record;
}
