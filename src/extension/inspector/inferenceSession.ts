/**
 * An inspector panel's inference process (dist/inference.js, so the extension host never loads
 * TensorFlow.js): started on first use and again after a crash, each run opened in it once (its
 * weights load there, once), ended with the panel.
 */
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { InferenceCall, InferenceResults } from '../../shared/inferenceMessages';
import type { RunInfo } from '../../shared/inferenceResults';
import { runDirFor } from '../../shared/runReader';
import { InferenceClient } from '../../trainer/process/inferenceClient';
import type { PanelServices } from '../panelHost/panelHost';
import type { RunsSource } from '../runsSource';
import { datasetCacheDirectory } from '../settings';
import { trainerRuntime } from '../trainerRuntime';

const INFERENCE_BUNDLE = 'dist/inference.js';

type WithoutRunDir<C> = C extends unknown ? Omit<C, 'runDir'> : never;
/** A question about an open run (the session adds the run's directory). */
type RunCall = WithoutRunDir<Exclude<InferenceCall, { type: 'open' }>>;

export class InferenceSession implements vscode.Disposable {
  private client: InferenceClient | undefined;
  /** Runs opened in the current process (a new process after a crash opens them again). */
  private readonly opened = new Map<string, Promise<RunInfo>>();

  constructor(
    private readonly services: PanelServices,
    private readonly source: RunsSource,
    /** The panel's run, named in the log. */
    private readonly runId: string,
  ) {}

  /** Opens a run (once per process) and describes it. */
  async open(runId: string): Promise<RunInfo> {
    return (await this.openRun(runId)).info;
  }

  /** Asks about a run, opening it first if needed. */
  async ask<C extends RunCall>(runId: string, call: C): Promise<InferenceResults[C['type']]> {
    const { client, runDir } = await this.openRun(runId);
    // `call` plus its run's directory is the InferenceCall of its type.
    return client.request<C['type']>({ ...call, runDir } as Extract<InferenceCall, { type: C['type'] }>);
  }

  dispose(): void {
    this.client?.dispose();
  }

  private process(): InferenceClient {
    if (!this.client || !this.client.alive) {
      const runtime = trainerRuntime();
      const { log, context } = this.services;
      this.client = new InferenceClient({
        script: path.join(context.extensionPath, INFERENCE_BUNDLE),
        nodePath: runtime.nodePath,
        env: runtime.env,
        onLog: (line) => log.info(line),
      });
      this.opened.clear();
      log.info(`inference process ${this.client.pid ?? '?'} started for run ${this.runId}`);
    }
    return this.client;
  }

  private async openRun(runId: string): Promise<{ client: InferenceClient; runDir: string; info: RunInfo }> {
    const client = this.process();
    const runDir = runDirFor(this.source.runsDir, runId);
    let opening = this.opened.get(runId);
    if (!opening) {
      opening = client.request({ type: 'open', runDir, cacheDir: datasetCacheDirectory(this.services.context) });
      this.opened.set(runId, opening);
      opening.catch(() => this.opened.delete(runId));
    }
    return { client, runDir, info: await opening };
  }
}
