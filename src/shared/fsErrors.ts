/**
 * File-system errors in words. Node's messages ("ELOOP: too many symbolic links encountered, stat
 * '/x'") repeat the path and use the C name; ours name the path once, in front, and say what is wrong.
 */
import type { Stats } from 'node:fs';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ELOOP: 'a symbolic link loop (too many levels of links)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EEXIST: 'already exists',
  ENOTEMPTY: 'the directory is not empty',
  EBUSY: 'busy',
};

/** "no such file or directory (ENOENT)"; another error's own message when it has no code. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

/** What a path is when it is not the regular file we wanted to read. */
export function notARegularFile(stats: Stats): string {
  if (stats.isDirectory()) return 'is a directory, not a file';
  if (stats.isFIFO()) return 'is a named pipe (FIFO), not a regular file';
  if (stats.isSocket()) return 'is a socket, not a regular file';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'is a device, not a regular file';
  return 'is not a regular file';
}
