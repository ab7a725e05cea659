/**
 * What the Runs tree, the dashboard and the commands read runs through. The implementation watches
 * the runs directory and follows the metrics.jsonl of the runs someone asked about: runs trained
 * by this window, the CLI or another window are equally live. Consumers never touch the file system.
 */
import type * as vscode from 'vscode';
import type { MetricsSeries } from '../shared/metricsFollower';
import type { MetricsLine, RunEntry } from '../shared/runSchema';

export interface RunsChange {
  /** Runs came or went, or the runs directory moved: reload everything. */
  reload: boolean;
  /** Runs whose record changed (status, best metric...). */
  runIds: string[];
  /** Lines appended to a run's series since its last event (only for runs whose metrics() was asked for). */
  appended: Record<string, MetricsLine[]>;
  /** Runs whose series was thinned further or whose file was replaced: take metrics() again. */
  resampled: string[];
}

export interface RunsSource {
  readonly runsDir: string;
  /** All runs, newest first; damaged runs included with their reason. */
  list(): RunEntry[];
  get(runId: string): RunEntry | undefined;
  /**
   * A run's metrics series, streamed from its file (thinned beyond MetricsFollower's cap; `stride`
   * says so). Lines written after the returned series arrive as `appended`, exactly once each.
   */
  metrics(runId: string): Promise<MetricsSeries>;
  readonly onDidChange: vscode.Event<RunsChange>;
}
