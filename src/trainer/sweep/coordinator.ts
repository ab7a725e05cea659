/**
 * The sweep coordinator: launches trials through an executor, follows each trial's run directory
 * (metrics.jsonl for its curve, run.json for its end), applies the early-stopping rule, and keeps
 * sweep.json up to date after every change, so that it can die at any moment and `resume` carries
 * on from the file alone. Decisions never depend on the executor beyond "is the trial still there".
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRun, runDirFor } from '../../shared/runReader';
import type { RunEntry, RunRecord, RunStop, RunSweepTag, TrainConfig } from '../../shared/runSchema';
import type { SweepRecord, SweepTrial } from '../../shared/sweepSchema';
import { writeStopRequest } from '../stopRequest';
import { CurveFollower } from './curves';
import type { SweepDisplay } from './display';
import { formatParams } from './display';
import { ashaStep, bestUpTo, medianStep, type TrialCurveView } from './earlyStopping';
import type { Executor } from './executor';
import { restartInterruptedTrial } from './restart';
import { bestConfiguration } from '../../shared/sweepSummary';
import { sweepRuns } from '../../shared/sweepReader';
import { writeSweep } from './sweepStore';
import { trialConfig } from '../../shared/sweepTrialConfig';
import { trialArgs } from './trials';

/** A file in the sweep directory that asks the coordinator to stop the sweep (`vaerec sweep stop`). */
export const SWEEP_STOP_FILE = 'stop-request';
/** How often the runs directory is searched for the runs of trials that have not told theirs. */
const RUN_SCAN_MS = 2_000;

const TERMINAL_RUN = new Set(['completed', 'stopped', 'failed', 'cancelled']);

export interface CoordinatorOptions {
  sweepDir: string;
  record: SweepRecord;
  executor: Executor;
  display: SweepDisplay;
  /** How often the coordinator looks when nothing wakes it. */
  pollMs: number;
  /** Written with --config by a trial's command when the spec's base has data options (columns...). */
  dataOptionsFile?: string;
}

const now = () => new Date().toISOString();

export class SweepCoordinator {
  private readonly record: SweepRecord;
  private readonly followers = new Map<number, CurveFollower>();
  private readonly medianChecked = new Map<number, number>();
  private readonly configs = new Map<number, TrainConfig>();
  private readonly cancelled = new Set<number>();
  private stopping = false;
  private refreshFailing = false;
  private wakeUp?: () => void;
  private lastScan = 0;
  /** Runs of the runs directory already read that belong to no trial still looking for its run. */
  private readonly otherRuns = new Set<string>();
  private readonly sessionStart = Date.now();
  private readonly elapsedBefore: number;

  constructor(private readonly o: CoordinatorOptions) {
    this.record = o.record;
    this.elapsedBefore = o.record.elapsedSeconds;
  }

  get current(): SweepRecord {
    return this.record;
  }

  /** Wakes the loop now (a trainer reported an epoch or ended). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops the sweep: running trials are cancelled, pending ones stay for `resume`. */
  requestStop(): void {
    this.stopping = true;
    this.wake();
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  private get runsDir(): string {
    return this.record.runsDir;
  }

  save(): void {
    this.record.updatedAt = now();
    this.record.elapsedSeconds = this.elapsedBefore + (Date.now() - this.sessionStart) / 1000;
    writeSweep(this.o.sweepDir, this.record);
    this.o.display.update(this.record);
  }

  private note(message: string, log = false): void {
    if (log) this.record.log.push(`${now()} ${message}`);
    this.o.display.event(message, log);
  }

  private config(t: SweepTrial): TrainConfig {
    let c = this.configs.get(t.index);
    if (!c) {
      c = trialConfig(this.record.spec, this.record.dataSource, t);
      this.configs.set(t.index, c);
    }
    return c;
  }

  // ---- following runs ---------------------------------------------------------------------

  private runDir(t: SweepTrial): string | undefined {
    return t.runId ? runDirFor(this.runsDir, t.runId) : undefined;
  }

  /** Looks for the run directories of launched trials that have not told theirs (Slurm; resume). */
  private scanForRuns(force = false): void {
    const missing = this.record.trials.filter((t) => t.state === 'running' && !t.runId);
    if (missing.length === 0 || (!force && Date.now() - this.lastScan < RUN_SCAN_MS)) return;
    this.lastScan = Date.now();
    for (const e of sweepRuns(this.runsDir, this.record.id, this.otherRuns)) {
      const tag = e.ok ? e.record.sweep : undefined;
      const t = missing.find((m) => tag?.trial === m.index && tag.attempt === m.attempt);
      if (t && e.ok) t.runId = e.record.id;
    }
  }

  /** Reads what a trial's run appended; returns the epochs newly seen. */
  private follow(t: SweepTrial): number[] {
    if (!t.runId) {
      const dir = this.o.executor.info(t).runDir;
      if (dir) t.runId = path.basename(dir);
    }
    const dir = this.runDir(t);
    if (!dir) return [];
    let f = this.followers.get(t.index);
    if (!f || f.runDir !== dir) {
      f = new CurveFollower(dir, this.record.spec.metric.name);
      this.followers.set(t.index, f);
    }
    const seen = f.read();
    if (seen.length > 0) {
      t.epochs = f.curve.lastEpoch;
      const best = bestUpTo(f.curve, Infinity, this.record.spec.metric.goal);
      if (best) {
        t.metric = best.value;
        t.metricEpoch = best.epoch;
      }
    }
    return seen;
  }

  // ---- early stopping ---------------------------------------------------------------------

  private view(t: SweepTrial): TrialCurveView | undefined {
    const f = this.followers.get(t.index);
    if (!f) return undefined;
    return { index: t.index, curve: f.curve, rungs: t.rungs, finished: t.state !== 'running', stopped: t.state === 'stopped' || t.stop !== undefined };
  }

  private async earlyStop(newEpochs: Map<number, number[]>): Promise<void> {
    const es = this.record.spec.earlyStopping;
    if (es.type === 'none') return;
    const metric = this.record.spec.metric;
    const views = this.record.trials.map((t) => this.view(t));
    for (const t of this.record.trials) {
      const v = views[t.index];
      if (!v) continue;
      const others = views.filter((o): o is TrialCurveView => o !== undefined && o.index !== t.index);
      let stop: RunStop | undefined;
      if (es.type === 'asha') {
        const step = ashaStep(es, metric, v, others);
        if (step.rungs.length > 0) t.rungs.push(...step.rungs);
        stop = step.stop;
      } else if (t.state === 'running') {
        const from = this.medianChecked.get(t.index) ?? 0;
        const epochs = (newEpochs.get(t.index) ?? []).filter((e) => e > from);
        if (epochs.length > 0) this.medianChecked.set(t.index, epochs[epochs.length - 1]);
        stop = medianStep(es, metric, v, others, epochs);
      }
      if (stop && t.state === 'running' && !t.stop) await this.stopTrial(t, stop);
    }
  }

  private async stopTrial(t: SweepTrial, stop: RunStop): Promise<void> {
    t.stop = stop;
    const dir = this.runDir(t);
    if (dir) writeStopRequest(dir, stop);
    this.save();
    this.note(`trial ${t.index} stopped early: ${stop.reason}`);
    await this.o.executor.stop(t);
  }

  // ---- ends of trials ---------------------------------------------------------------------

  /** Records a trial's end from its run record (or, without one, from what the executor knows). */
  private finishFrom(t: SweepTrial, entry: RunEntry | undefined, endReason: string | undefined): void {
    const r = entry?.ok ? entry.record : undefined;
    if (r) {
      t.epochs = Math.max(t.epochs, r.epochsCompleted);
      if (r.threads) t.threads = r.threads;
    }
    const status = r?.status;
    if (status === 'completed') {
      t.state = 'completed';
      if (r?.test) t.test = r.test;
      // A stop that arrived after the last epoch changed nothing.
      delete t.stop;
    } else if (status === 'stopped' || (t.stop && status !== 'failed')) {
      // Asked to stop: whether the trainer recorded it, was cancelled first, or had to be killed, the rule ended it.
      t.state = 'stopped';
      if (r?.stop) t.stop = r.stop;
    } else if (status === 'cancelled') {
      t.state = 'cancelled';
      if (!this.stopping) t.error = 'cancelled outside the sweep';
    } else if (status === 'failed') {
      t.state = 'failed';
      t.error = r?.error ?? 'the run failed';
    } else if (this.stopping && this.cancelled.has(t.index)) {
      t.state = 'cancelled';
    } else {
      t.state = 'failed';
      t.error = endReason ?? (r ? 'the trainer ended without recording the end of its run' : 'the trainer ended before it created its run');
    }
    t.finishedAt = now();
    delete t.pid;
  }

  private describeEnd(t: SweepTrial): string {
    const params = formatParams(t.params);
    switch (t.state) {
      case 'completed':
        return `trial ${t.index} completed: ${t.epochs} epochs, best ${this.record.spec.metric.name} ${t.metric?.toFixed(4) ?? '-'} (epoch ${t.metricEpoch ?? '-'})${params ? ` [${params}]` : ''}`;
      case 'stopped':
        return `trial ${t.index} stopped at epoch ${t.epochs}${t.stop ? ` (${t.stop.rule}${t.stop.rung !== undefined ? ` rung ${t.stop.rung}` : ''})` : ''}`;
      default:
        return `trial ${t.index} ${t.state}${t.error ? `: ${t.error}` : ''}`;
    }
  }

  private async checkEnds(): Promise<void> {
    for (const t of this.record.trials) {
      if (t.state !== 'running') continue;
      const info = this.o.executor.info(t);
      if (info.alive) continue;
      if (!t.runId) this.scanForRuns(true);
      this.follow(t);
      const dir = this.runDir(t);
      this.finishFrom(t, dir ? readRun(dir) : undefined, info.endReason);
      this.save();
      this.note(this.describeEnd(t));
    }
  }

  // ---- launching --------------------------------------------------------------------------

  private budgetLeft(): boolean {
    const hours = this.record.spec.budget.maxHours;
    return hours === undefined || this.elapsedBefore + (Date.now() - this.sessionStart) / 1000 < hours * 3600;
  }

  private async launch(t: SweepTrial): Promise<void> {
    // A pending trial with a run continues it; the others start a new run, as a new attempt.
    const resumeRunDir = this.runDir(t);
    if (!resumeRunDir) t.attempt += 1;
    t.state = 'running';
    t.startedAt ??= now();
    const tag: RunSweepTag = { sweepId: this.record.id, trial: t.index, attempt: t.attempt, seedIndex: t.seedIndex, parameters: t.params };
    const name = `${this.record.name} #${t.index}`;
    const args = trialArgs(this.record.spec, this.record.dataSource, t, {
      runsDir: this.runsDir,
      cacheDir: this.record.cacheDir,
      name,
      tag,
      ...(this.o.dataOptionsFile ? { dataOptionsFile: this.o.dataOptionsFile } : {}),
    });
    t.command = ['vaerec', ...args];
    t.threads = this.o.executor.threadsPerTrial;
    // Written before the launch: a coordinator killed during it leaves a trial that resume looks for.
    this.save();
    try {
      const { pid, jobId } = await this.o.executor.launch({ trial: t, config: this.config(t), tag, name, args, ...(resumeRunDir ? { resumeRunDir } : {}) });
      if (pid !== undefined) t.pid = pid;
      if (jobId !== undefined) t.jobId = jobId;
      const how = resumeRunDir ? `resumed (run ${t.runId}, after its last saved epoch)` : 'started';
      this.note(`trial ${t.index} ${how}${t.jobId ? ` as Slurm job ${t.jobId}` : ''}: ${formatParams(t.params) || 'base configuration'}, seed ${t.seed}`);
    } catch (err) {
      t.state = 'failed';
      t.error = `could not start: ${(err as Error).message.split('\n')[0]}`;
      t.finishedAt = now();
      this.note(this.describeEnd(t));
    }
    this.save();
  }

  private async launchMore(): Promise<void> {
    if (this.stopping) return;
    if (!this.budgetLeft()) {
      const left = this.record.trials.filter((t) => t.state === 'pending');
      if (left.length > 0) {
        for (const t of left) t.state = 'skipped';
        this.note(`the budget of ${this.record.spec.budget.maxHours} h is spent: ${left.length} trials not started`, true);
        this.save();
      }
      return;
    }
    const cap = this.o.executor.concurrency;
    for (const t of this.record.trials) {
      if (t.state !== 'pending') continue;
      const running = this.record.trials.filter((x) => x.state === 'running').length;
      if (cap > 0 && running >= cap) break;
      await this.launch(t);
    }
  }

  // ---- resume -----------------------------------------------------------------------------

  /**
   * Resume: every trial the record says is running is looked up. A finished run is recorded as it
   * ended (a completed trial is never run again); a live trainer or job is adopted; a run whose
   * trainer is gone is resumed from its last saved epoch (restart.ts), and a trial that never made
   * a run starts again. Trials cancelled by `sweep stop` are resumed too. Says what it did with each.
   */
  async reconcile(): Promise<void> {
    this.scanForRuns(true);
    for (const t of this.record.trials) {
      if (t.state === 'cancelled') {
        this.note(`trial ${t.index}: ${restartInterruptedTrial(t, 'it was cancelled when the sweep was stopped')}`, true);
        continue;
      }
      if (t.state !== 'running') continue;
      const dir = this.runDir(t);
      const entry = dir ? readRun(dir) : undefined;
      const run: RunRecord | undefined = entry?.ok ? entry.record : undefined;
      if (run && TERMINAL_RUN.has(run.status)) {
        this.follow(t);
        this.finishFrom(t, entry, undefined);
        this.note(`trial ${t.index}: its run ${run.id} ended while no coordinator followed it (${t.state}); recorded, not run again`, true);
        continue;
      }
      const adopted = await this.o.executor.adopt(t, run);
      if (adopted) {
        this.follow(t);
        this.note(`trial ${t.index}: adopted, ${adopted}${run ? ` (run ${run.id}, epoch ${run.epochsCompleted})` : ''}`, true);
        if (t.stop) await this.o.executor.stop(t);
        continue;
      }
      if (t.stop) {
        // The rule had stopped it and its trainer died before it obeyed: the decision stands.
        this.follow(t);
        this.finishFrom(t, entry, undefined);
        this.note(`trial ${t.index}: its trainer was gone after ${t.stop.rule} stopped it; recorded stopped`, true);
        continue;
      }
      const why = run ? `its trainer was gone (run ${run.id} ${run.status} at epoch ${run.epochsCompleted})` : 'its trainer was gone before it created a run';
      this.note(`trial ${t.index}: ${restartInterruptedTrial(t, why)}`, true);
    }
    // Curves of finished trials, for the median rule's comparisons.
    for (const t of this.record.trials) if (t.state !== 'pending' && t.state !== 'running') this.follow(t);
    this.save();
  }

  // ---- the loop ---------------------------------------------------------------------------

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async cancelRunning(): Promise<void> {
    for (const t of this.record.trials) {
      if (t.state !== 'running' || this.cancelled.has(t.index)) continue;
      this.cancelled.add(t.index);
      await this.o.executor.cancel(t);
    }
  }

  /** Kills every running trial at once (a second Ctrl-C) and records them cancelled. */
  async killAll(): Promise<void> {
    const running = this.record.trials.filter((t) => t.state === 'running');
    await this.o.executor.killAll(running);
    for (const t of running) {
      t.state = 'cancelled';
      t.finishedAt = now();
      delete t.pid;
    }
    this.record.status = 'stopped';
    delete this.record.coordinator;
    this.save();
  }

  async run(): Promise<SweepRecord> {
    this.record.status = 'running';
    this.record.coordinator = { pid: process.pid, host: os.hostname(), startedAt: now() };
    this.save();
    const stopFile = path.join(this.o.sweepDir, SWEEP_STOP_FILE);
    for (;;) {
      if (fs.existsSync(stopFile)) this.stopping = true;
      const running = this.record.trials.filter((t) => t.state === 'running');
      try {
        await this.o.executor.refresh(running);
        this.refreshFailing = false;
      } catch (err) {
        // squeue can fail for a moment (a busy or restarting slurmctld): keep the last states and look again.
        if (!this.refreshFailing) this.note(`could not read the trials' states, trying again: ${(err as Error).message.split('\n')[0]}`);
        this.refreshFailing = true;
        await this.sleep(this.o.pollMs);
        continue;
      }
      this.scanForRuns();
      const newEpochs = new Map<number, number[]>();
      let changed = false;
      for (const t of running) {
        const seen = this.follow(t);
        if (seen.length > 0) {
          newEpochs.set(t.index, seen);
          changed = true;
        }
      }
      await this.earlyStop(newEpochs);
      await this.checkEnds();
      if (this.stopping) await this.cancelRunning();
      else await this.launchMore();
      const active = this.record.trials.some((t) => t.state === 'running');
      const pending = this.record.trials.some((t) => t.state === 'pending');
      if (!active && (this.stopping || !pending)) break;
      if (changed) this.save();
      await this.sleep(this.o.pollMs);
    }
    // Rungs reached by the last trials to finish.
    await this.earlyStop(new Map());
    const trials = this.record.trials;
    this.record.status = this.stopping ? 'stopped' : trials.some((t) => t.state === 'completed' || t.state === 'stopped') ? 'completed' : 'failed';
    const best = bestConfiguration(this.record);
    if (best) this.record.best = best;
    else delete this.record.best;
    this.record.finishedAt = now();
    delete this.record.coordinator;
    fs.rmSync(stopFile, { force: true });
    this.save();
    this.o.display.close(this.record);
    return this.record;
  }
}
