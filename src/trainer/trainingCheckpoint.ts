/**
 * The training state of a run after its last completed epoch, on disk: `training-state/state.json`
 * (where the loop stands, the model's counters and generator, the buffers' names and lengths) and
 * `state.bin` (the buffers, float32, in that order). Written every epoch into a staging directory
 * that RunWriter.saveCheckpoint swaps in whole, so a kill at any instant leaves the previous state
 * complete (in `training-state/`, or in `.training-state.prev/` during the two renames of a swap).
 * `vaerec train --resume` reads it back.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isRngState } from '../shared/rng';
import { TRAINING_STATE_DIR, previousCheckpointDir } from '../shared/runLayout';
import { isRecord, type RunRecord } from '../shared/runSchema';
import type { TrainingState } from './model/trainingState';

const STATE_JSON = 'state.json';
const STATE_BIN = 'state.bin';
const FORMAT = 'vaerec-training-state';
const VERSION = 1;

/** Where the training loop stands after an epoch: what it needs besides the model to go on. */
export interface LoopState {
  /** The last completed epoch (its validation included). */
  epoch: number;
  /** Optimiser steps taken so far: beta's annealing position follows from it. */
  step: number;
  /** Length of metrics.jsonl before this epoch's line: what a resume cuts it back to. */
  metricsBytes: number;
  /** This epoch's line (with its newline), written after the state: a resume writes it again. */
  epochLine: string;
  /** The batch-order generator (NumPy's MT19937). */
  shuffle: { words: number[]; index: number };
  /** Seconds since training started, at this epoch's end: the metrics' `time` continues from it. */
  elapsedSeconds: number;
  epochSeconds: number[];
  best?: RunRecord['best'];
  lastValidation?: RunRecord['lastValidation'];
  /** What trained it: a resume on another backend is allowed, with a warning. */
  backend: string;
  threads: number;
}

export interface TrainingCheckpoint {
  loop: LoopState;
  model: TrainingState;
}

/** fs.promises.writeFile, then fsync: a checkpoint that reports success is on the disk. */
async function writeDurable(file: string, data: string | Iterable<Uint8Array>): Promise<void> {
  await fs.promises.writeFile(file, data);
  const handle = await fs.promises.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a checkpoint into `dir` (a staging directory): the buffers first, then the file that describes them. */
export async function writeTrainingCheckpoint(dir: string, c: TrainingCheckpoint): Promise<void> {
  const { arrays, ...model } = c.model;
  // Views of the buffers, not a copy: at ML-20M scale they are hundreds of megabytes.
  await writeDurable(
    path.join(dir, STATE_BIN),
    arrays.map((a) => new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength)),
  );
  const json = {
    format: FORMAT,
    version: VERSION,
    endianness: os.endianness(),
    loop: c.loop,
    model: { ...model, arrays: arrays.map((a) => ({ name: a.name, length: a.data.length })) },
  };
  await writeDurable(path.join(dir, STATE_JSON), JSON.stringify(json));
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isEpochScore = (v: unknown) => v === undefined || (isRecord(v) && isCount(v.epoch) && isNumber(v['ndcg@100']));

function parseLoop(v: unknown): LoopState | undefined {
  if (!isRecord(v)) return undefined;
  const shuffle = v.shuffle;
  const ok =
    isCount(v.epoch) &&
    isCount(v.step) &&
    isCount(v.metricsBytes) &&
    typeof v.epochLine === 'string' &&
    v.epochLine.endsWith('\n') &&
    isNumber(v.elapsedSeconds) &&
    Array.isArray(v.epochSeconds) &&
    v.epochSeconds.every(isNumber) &&
    isEpochScore(v.best) &&
    isEpochScore(v.lastValidation) &&
    typeof v.backend === 'string' &&
    isCount(v.threads) &&
    isRecord(shuffle) &&
    Array.isArray(shuffle.words) &&
    isCount(shuffle.index);
  return ok ? (v as unknown as LoopState) : undefined;
}

/**
 * The run's training state, or undefined when it has none (no epoch completed, or a run made
 * before states were kept). A state that is there but damaged is an error naming the file.
 */
export function readTrainingCheckpoint(runDir: string): TrainingCheckpoint | undefined {
  let dir = path.join(runDir, TRAINING_STATE_DIR);
  // A trainer killed between the two renames of a swap left the last complete state here.
  if (!fs.existsSync(path.join(dir, STATE_JSON))) dir = path.join(runDir, previousCheckpointDir(TRAINING_STATE_DIR));
  const jsonFile = path.join(dir, STATE_JSON);
  if (!fs.existsSync(jsonFile)) return undefined;
  const damaged = (why: string, file = jsonFile) => new Error(`${file}: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  } catch {
    throw damaged('damaged (truncated or not valid JSON)');
  }
  if (!isRecord(parsed) || parsed.format !== FORMAT) throw damaged('not a training state');
  if (parsed.version !== VERSION) throw damaged(`version ${String(parsed.version)} is not ${VERSION}`);
  if (parsed.endianness !== os.endianness()) throw damaged(`written on a ${String(parsed.endianness)} machine; this one is ${os.endianness()}`);
  const loop = parseLoop(parsed.loop);
  const m = parsed.model;
  if (!loop) throw damaged('the loop state is incomplete');
  if (!isRecord(m) || typeof m.format !== 'string' || !isRecord(m.counters) || !isRngState(m.rng) || !Array.isArray(m.arrays))
    throw damaged('the model state is incomplete');
  const specs = m.arrays.filter((a): a is { name: string; length: number } => isRecord(a) && typeof a.name === 'string' && isCount(a.length));
  if (specs.length !== m.arrays.length) throw damaged('the model state lists a buffer without a name or length');
  const binFile = path.join(dir, STATE_BIN);
  let bin: Buffer;
  try {
    bin = fs.readFileSync(binFile);
  } catch (err) {
    throw damaged(`cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, binFile);
  }
  const expected = specs.reduce((n, a) => n + 4 * a.length, 0);
  if (bin.length !== expected) throw damaged(`holds ${bin.length} bytes where ${STATE_JSON} describes ${expected}`, binFile);
  // Copied out of the file's buffer so each array is aligned and owns its memory.
  const aligned = new Float32Array(expected / 4);
  new Uint8Array(aligned.buffer).set(bin);
  let offset = 0;
  const arrays = specs.map((a) => {
    const data = aligned.subarray(offset, offset + a.length);
    offset += a.length;
    return { name: a.name, data };
  });
  const counters = Object.fromEntries(Object.entries(m.counters).filter((e): e is [string, number] => isCount(e[1])));
  return { loop, model: { format: m.format, counters, rng: m.rng, arrays } };
}
