/** The Node.js that runs the trainer and inference processes: vaerec.nodePath, or the editor's own runtime. */
import { nodePathSetting } from './settings';

/** Under Electron (desktop VS Code) process.execPath is the editor: ELECTRON_RUN_AS_NODE makes it a plain Node. */
export function trainerRuntime(): { nodePath: string; env: NodeJS.ProcessEnv } {
  const configured = nodePathSetting();
  if (configured) return { nodePath: configured, env: {} };
  return { nodePath: process.execPath, env: process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {} };
}
