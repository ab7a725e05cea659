/**
 * Node's recursive fs.watch on a folder, beside VS Code's watcher (which misses changes made
 * outside the workspace's folders). Undefined when the folder cannot be watched (it does not exist
 * yet); `onGone` when the watcher fails later (the folder was deleted), so the owner makes a new one.
 */
import * as fs from 'node:fs';

export function watchFolder(dir: string, onName: (name: string | undefined) => void, onGone: () => void): fs.FSWatcher | undefined {
  try {
    const watcher = fs.watch(dir, { recursive: true }, (_event, name) => onName(name ?? undefined));
    watcher.on('error', () => {
      watcher.close();
      onGone();
    });
    return watcher;
  } catch {
    return undefined;
  }
}
