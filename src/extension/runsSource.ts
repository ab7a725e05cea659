/**
 * What the Runs tree, the dashboard and the commands read runs through. The implementation watches
 * the runs directory (files written by the trainer, the CLI or another window) and keeps live
 * metrics of runs this window is training; consumers never touch the file system themselves.
 */
import type * as vscode from 'vscode';
import type { MetricsLine, RunEntry } from '../shared/runSchema';

export interface RunsChange {
  /** Runs whose record changed (status, best metric...); empty means "reload everything". */
  runIds: string[];
  /** New metrics lines appended per run since the last event. */
  appended: Record<string, MetricsLine[]>;
}

export interface RunsSource {
  readonly runsDir: string;
  /** All runs, newest first; damaged runs included with their reason. */
  list(): RunEntry[];
  get(runId: string): RunEntry | undefined;
  /** The full metrics series of a run (tolerant of a torn last line). */
  metrics(runId: string): MetricsLine[];
  readonly onDidChange: vscode.Event<RunsChange>;
}
