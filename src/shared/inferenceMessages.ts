/**
 * The protocol between the extension host and the inference process (dist/inference.js) over Node
 * IPC: numbered calls, one result per call, and log lines. Both ends are ours; the child still
 * checks what it reads, since a broken parent must not crash it.
 */
import type { ExportSummary, LatentSpace, RunInfo, UserSet, UserSummary, UserView } from './inferenceResults';
import { isRecord } from './runSchema';

export type InferenceCall =
  | { type: 'open'; runDir: string; cacheDir: string }
  | { type: 'users'; runDir: string }
  | { type: 'user'; runDir: string; user: string; k: number }
  | { type: 'latent'; runDir: string }
  | { type: 'export'; runDir: string; users: UserSet | string[]; k: number };

export interface InferenceResults {
  open: RunInfo;
  users: UserSummary[];
  user: UserView;
  latent: LatentSpace;
  export: ExportSummary;
}

export type InferenceRequest = InferenceCall & { id: number };

export type InferenceReply =
  | { type: 'result'; id: number; ok: true; value: InferenceResults[keyof InferenceResults] }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'log'; message: string };

const CALL_TYPES = new Set<string>(['open', 'users', 'user', 'latent', 'export']);

/** The child checks what the parent sends; the fields it then reads are checked where used. */
export function isInferenceRequest(v: unknown): v is InferenceRequest {
  return isRecord(v) && typeof v.id === 'number' && typeof v.type === 'string' && CALL_TYPES.has(v.type) && typeof v.runDir === 'string';
}

export function isInferenceReply(v: unknown): v is InferenceReply {
  if (!isRecord(v)) return false;
  if (v.type === 'log') return typeof v.message === 'string';
  return v.type === 'result' && typeof v.id === 'number' && typeof v.ok === 'boolean';
}
