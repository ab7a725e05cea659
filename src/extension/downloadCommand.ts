/**
 * Download MovieLens-1M into the dataset cache ahead of training. The downloader is the trainer's
 * own (plain Node, no TensorFlow.js), so the cache is the one the trainer reads.
 */
import * as vscode from 'vscode';
import { ensureMovieLens1M, isMovieLens1MCached } from '../trainer/data/download';
import { datasetCacheDirectory } from './settings';

export async function downloadMovieLens1M(context: vscode.ExtensionContext, output: vscode.OutputChannel): Promise<string | undefined> {
  const cacheDir = datasetCacheDirectory(context);
  const alreadyCached = isMovieLens1MCached(cacheDir);
  try {
    const dir = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Downloading MovieLens-1M', cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let reported = 0;
        return ensureMovieLens1M(cacheDir, {
          signal: abort.signal,
          onProgress: (p) => {
            const percent = p.fraction === undefined ? undefined : Math.round(p.fraction * 100);
            progress.report({ message: p.message, increment: percent === undefined ? undefined : Math.max(0, percent - reported) });
            if (percent !== undefined) reported = Math.max(reported, percent);
          },
        });
      },
    );
    output.appendLine(`MovieLens-1M ${alreadyCached ? 'already cached' : 'downloaded'} in ${dir}`);
    const choice = await vscode.window.showInformationMessage(`MovieLens-1M is ${alreadyCached ? 'already' : 'now'} in ${dir}.`, 'Train MVAE');
    if (choice === 'Train MVAE') await vscode.commands.executeCommand('vaerec.trainMvae', { dataset: 'ml-1m' });
    return dir;
  } catch (err) {
    output.appendLine(`MovieLens-1M download failed: ${(err as Error).message}`);
    void vscode.window.showErrorMessage(`Could not download MovieLens-1M: ${(err as Error).message}`);
    return undefined;
  }
}
