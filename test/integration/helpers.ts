/** What the integration suites share: the extension's API, waiting for conditions, the fixture paths. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { VaerecApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'vaerec.vae-recommender-lab';

export async function activateExtension(): Promise<VaerecApi> {
  const ext = vscode.extensions.getExtension<VaerecApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error('the integration workspace is not open');
  return folder;
}

export function runsDir(): string {
  return path.join(workspaceFolder(), '.vaerec', 'runs');
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
