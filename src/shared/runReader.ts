/**
 * The tolerant reader of the runs directory, used by the extension host, the CLI and the trainer.
 * A damaged run is returned with its reason instead of throwing, so one bad directory never hides
 * the others. Nothing here writes to disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MODEL_INFO } from './modelKinds';
import { RUN_FILE, previousCheckpointDir } from './runLayout';
import { trainerLiveness } from './runLiveness';
import type { RunEntry, RunRecord } from './runSchema';
import { isValidRunId, validateRunRecord } from './runSchema';

/**
 * A record that says "running" but whose trainer is gone (runLiveness.ts) is shown as interrupted.
 * The file is not rewritten here: readers never write; the trainer (or a later repair) owns the file.
 */
export function effectiveStatus(record: RunRecord): RunRecord {
  if (record.status !== 'running') return record;
  const liveness = trainerLiveness(record);
  return liveness.alive ? record : { ...record, status: 'interrupted', error: record.error ?? liveness.reason };
}

/** Resolves a run id to its directory, refusing anything that would leave the runs directory. */
export function runDirFor(runsDir: string, runId: string): string {
  if (!isValidRunId(runId)) throw new Error(`invalid run id ${JSON.stringify(runId).slice(0, 60)}`);
  const root = path.resolve(runsDir);
  const dir = path.resolve(root, runId);
  if (path.dirname(dir) !== root) throw new Error(`run id ${runId} is outside the runs directory`);
  return dir;
}

export function readRun(dir: string): RunEntry {
  const id = path.basename(dir);
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, RUN_FILE), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, dir, id, reason: code === 'ENOENT' ? 'run.json is missing' : `run.json cannot be read (${code ?? String(err)})` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, dir, id, reason: text.trim().length === 0 ? 'run.json is empty' : 'run.json is truncated or not valid JSON' };
  }
  const v = validateRunRecord(parsed);
  if ('reason' in v) return { ok: false, dir, id, reason: v.reason };
  // The folder name is the id every action resolves (runDirFor): a copied folder, or an id in
  // run.json that names another run or is not a valid id, must not redirect actions elsewhere.
  const record = v.record.id === id ? v.record : { ...v.record, id };
  const warning = checkpointProblem(dir, record);
  return { ok: true, dir, record: effectiveStatus(record), ...(warning ? { warning } : {}) };
}

/**
 * Why the best weights a run recorded cannot be loaded, or undefined. Cheap (a directory listing and
 * a small model.json), since it runs for every run at every refresh of the list.
 */
export function checkpointProblem(dir: string, record: RunRecord): string | undefined {
  const name = record.artifacts.model;
  if (!name) return undefined;
  let files: string[];
  try {
    files = fs.readdirSync(path.join(dir, name));
  } catch {
    files = [];
  }
  if (files.length === 0) {
    // A trainer killed between the two renames of a checkpoint swap leaves the last complete copy here.
    const previous = previousCheckpointDir(name);
    return fs.existsSync(path.join(dir, previous))
      ? `the saved weights (${name}/) are missing; the last complete copy is in ${previous}/`
      : `the saved weights (${name}/) are missing`;
  }
  // A kind fitted in one pass (the popularity counts) saves one self-contained file; the others a model.json.
  if (!files.includes('model.json')) return MODEL_INFO[record.model].epochs ? `${name}/model.json is missing` : undefined;
  try {
    const manifest = (JSON.parse(fs.readFileSync(path.join(dir, name, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] }).weightsManifest;
    for (const group of manifest) for (const p of group.paths) if (!files.includes(p)) return `${name}/${p} is missing`;
  } catch {
    return `${name}/model.json is damaged`;
  }
  return undefined;
}

/** Every run directory under runsDir, newest first; a missing runsDir is simply empty. */
export function listRuns(runsDir: string): RunEntry[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(runsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const entries = names.filter((d) => d.isDirectory() && isValidRunId(d.name) && !d.name.startsWith('.')).map((d) => readRun(path.join(runsDir, d.name)));
  const created = (e: RunEntry) => (e.ok ? e.record.createdAt : '');
  return entries.sort((a, b) => created(b).localeCompare(created(a)) || b.dir.localeCompare(a.dir));
}
