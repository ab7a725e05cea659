/** The bundled `vaerec` CLI (dist/cli.js, built by `npm test` first) as the unit tests run it. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CLI = path.resolve(__dirname, '../../dist/cli.js');
if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);

/** Runs the CLI to its end (three minutes at most), with `env` added to this process's environment. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
