/** Restricted Mode: actions that run programs or delete files need a trusted workspace. */
import * as vscode from 'vscode';

/** Returns true when the workspace is trusted; otherwise explains why the action is unavailable. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(
    `${action} is disabled in Restricted Mode: it runs a program on this workspace's data or changes files in it. Trust the workspace to enable it.`,
  );
  return false;
}
