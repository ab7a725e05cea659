/**
 * Runs a real VS Code for the integration and e2e suites: code-server (installed by
 * scripts/ci/provision.sh, version pinned in scripts/ci/versions.json) on a free loopback port
 * with a fresh user-data dir, and Debian's Chromium driven by playwright-core. Missing tools fail
 * loudly: these suites never skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const VERSIONS = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'ci', 'versions.json'), 'utf8')) as { codeServer: string };

export function codeServerBinary(): string {
  const cache = process.env.VAEREC_CACHE ?? path.join(os.homedir(), '.cache', 'vaerec-ci');
  const bin = path.join(cache, `code-server-${VERSIONS.codeServer}`, 'node_modules', '.bin', 'code-server');
  if (!fs.existsSync(bin)) throw new Error(`code-server ${VERSIONS.codeServer} is not installed at ${bin}: run "bash scripts/ci/provision.sh" first.`);
  return bin;
}

export function chromiumPath(): string {
  const exe = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(exe)) throw new Error(`Chromium is not installed at ${exe}: run "bash scripts/ci/provision.sh" first (Debian package chromium).`);
  return exe;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms`);
}

export interface CodeServer {
  port: number;
  origin: string;
  userDataDir: string;
  /** code-server's stdout/stderr. */
  logFile: string;
  /** The URL that opens `folder` (with this repository loaded as the extension under development, unless `developmentExtension: false`). */
  workbenchUrl(folder: string, extra?: [string, string][]): string;
  /** Copies code-server's logs (and the extension host's) into dir. */
  saveLogs(dir: string): void;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  /** Where code-server's own log is written (kept after stop). */
  logDir: string;
  /** Extra environment for code-server and so for the extension host (e.g. a results file path). */
  env?: NodeJS.ProcessEnv;
  /** Ask whether the folder is trusted (Restricted Mode tests); by default every folder is trusted. */
  workspaceTrust?: boolean;
  /** Installed extensions (e.g. a packaged .vsix installed with installExtension); by default an empty dir. */
  extensionsDir?: string;
  /** Load this repository as the extension under development (default); false tests installed extensions only. */
  developmentExtension?: boolean;
}

/** `code-server --install-extension`: installs a .vsix into extensionsDir, as a user would. */
export function installExtension(vsix: string, extensionsDir: string, logFile: string): void {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-cs-install-'));
  try {
    const res = spawnSync(codeServerBinary(), ['--install-extension', vsix, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    fs.writeFileSync(logFile, `${res.stdout ?? ''}\n${res.stderr ?? ''}`);
    if (res.status !== 0)
      throw new Error(
        `code-server --install-extension ${vsix} failed (${res.error?.message ?? `exit ${res.status}`}):\n${`${res.stdout}\n${res.stderr}`.slice(-2000)}`,
      );
  } finally {
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'window.commandCenter': false,
};

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const bin = codeServerBinary();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaerec-cs-user-'));
  const extensionsDir = opts.extensionsDir ?? path.join(userDataDir, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const trust = opts.workspaceTrust ?? false;
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, 'security.workspace.trust.enabled': trust }, null, 2));
  fs.mkdirSync(opts.logDir, { recursive: true });
  const logFile = path.join(opts.logDir, `code-server-${port}.log`);
  const log = fs.openSync(logFile, 'w');
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--extensions-dir',
    extensionsDir,
    '--user-data-dir',
    userDataDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
  ];
  if (!trust) args.push('--disable-workspace-trust');
  // Its own process group, so stop() ends code-server with its extension hosts and trainers.
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...opts.env } });
  fs.closeSync(log);
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.on('exit', onExit);
  try {
    await waitUntilAnswering(`${origin}/healthz`, child, 60_000);
  } catch (err) {
    killGroup('SIGKILL');
    process.off('exit', onExit);
    throw new Error(`${(err as Error).message}; log: ${logFile}\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
  }
  return {
    port,
    origin,
    userDataDir,
    logFile,
    workbenchUrl(folder, extra = []) {
      const dev: [string, string][] =
        opts.developmentExtension === false ? [] : [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${REPO_ROOT}`]];
      const payload = [...dev, ['skipWelcome', 'true'], ...extra];
      return `${origin}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    },
    saveLogs(dir) {
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(logFile, path.join(dir, path.basename(logFile)));
      const logs = path.join(userDataDir, 'logs');
      if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dir, `vscode-logs-${port}`), { recursive: true });
    },
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        killGroup('SIGTERM');
        const timer = setTimeout(() => killGroup('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      // Extension hosts and trainers may outlive the leader briefly; the group is ended for good.
      killGroup('SIGKILL');
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Where failure screenshots and logs go (git-ignored). */
export const TEST_RESULTS = path.join(REPO_ROOT, 'test-results');

export async function screenshotOnFailure(page: Page | undefined, name: string): Promise<void> {
  if (!page) return;
  fs.mkdirSync(TEST_RESULTS, { recursive: true });
  await page.screenshot({ path: path.join(TEST_RESULTS, `${name}.png`) }).catch(() => undefined);
}
