/**
 * Opening a data file the user named. Only a regular file is read (links resolved): a directory
 * behind a link, a named pipe that would block the reader for ever, a device, each is refused with
 * one line naming the path. The file is opened non-blocking and checked through its handle, so
 * nothing can swap a pipe in between the check and the read.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fsReason, notARegularFile } from '../../shared/fsErrors';
import { DataError } from './types';

export async function openDataFile(path: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new DataError(fsReason(err), path);
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new DataError(notARegularFile(stats), path);
  }
  return { handle, size: stats.size };
}
