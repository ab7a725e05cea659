/**
 * Watches a folder and each of its subfolders (one level down: `<id>/run.json`, `<id>/sweep.json`),
 * beside VS Code's watcher, which misses changes made outside the workspace's folders. Undefined
 * when the folder cannot be watched (it does not exist yet); `onGone` when the watcher fails later
 * (the folder was deleted), so the owner makes a new one.
 *
 * Not Node's `fs.watch(dir, { recursive: true })`: on Linux (Node 20, as in VS Code's extension
 * host) it follows files by inode, so after a file is replaced by a rename - how every record here
 * is written - its later replacements raise no event at all (measured with Node 20.20: of six
 * replacements of one sweep.json, only the first was reported). A plain watch on a directory
 * reports every rename into it, whatever the inode (test/unit/folder-watcher.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FolderWatcher {
  close(): void;
}

/** `onName` gets the changed entry relative to `dir` (`<sub>` or `<sub>/<file>`), or undefined when the platform does not say. */
export function watchFolder(dir: string, onName: (name: string | undefined) => void, onGone: () => void): FolderWatcher | undefined {
  // By name, with the folder's inode: a folder deleted and made again under the same name between
  // two events is another folder, and the old watch would report nothing of it.
  const subs = new Map<string, { watcher: fs.FSWatcher; ino: number }>();
  let closed = false;
  const unwatchSub = (name: string) => {
    subs.get(name)?.watcher.close();
    subs.delete(name);
  };
  const watchSub = (name: string) => {
    if (closed) return;
    const sub = path.join(dir, name);
    try {
      const stat = fs.statSync(sub);
      if (subs.get(name)?.ino === stat.ino) return;
      unwatchSub(name);
      if (!stat.isDirectory()) return;
      const watcher = fs.watch(sub, (_event, file) => onName(file ? path.join(name, file.toString()) : name));
      // A subfolder deleted under us: its parent's watcher reports the name too.
      watcher.on('error', () => unwatchSub(name));
      subs.set(name, { watcher, ino: stat.ino });
    } catch {
      // Gone again, or not readable: nothing of it to report.
      unwatchSub(name);
    }
  };
  let top: fs.FSWatcher;
  try {
    top = fs.watch(dir, (_event, name) => {
      if (name) watchSub(name.toString());
      onName(name ? name.toString() : undefined);
    });
  } catch {
    return undefined;
  }
  const close = () => {
    closed = true;
    top.close();
    for (const name of [...subs.keys()]) unwatchSub(name);
  };
  top.on('error', () => {
    close();
    onGone();
  });
  try {
    for (const name of fs.readdirSync(dir)) watchSub(name);
  } catch {
    // Deleted between the watch and the listing: the watcher's error follows.
  }
  return { close };
}
