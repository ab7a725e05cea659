/**
 * Is the trainer of a "running" run still there? Any process can ask (the CLI's `runs`, a VS Code
 * window, a sweep following its trainers, a reloaded window re-attaching), so it is decided from
 * run.json alone, with two kinds of evidence:
 *
 * - Identity (same host, where /proc exists): the pid must name a live process, not a zombie, that
 *   started when the trainer did (`pidStart`, recorded at creation). A reused pid or a killed
 *   trainer nobody reaped is dead at once.
 * - Heartbeat (another host, no /proc, or a record without `pidStart`): a running trainer rewrites
 *   run.json at least every HEARTBEAT_MS; a record older than STALE_AFTER_MS is read as interrupted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { RunRecord } from './runSchema';

/** How often a running trainer refreshes run.json's `updatedAt`. */
export const HEARTBEAT_MS = 30_000;
/** Six missed heartbeats: far beyond a slow disk or a long synchronous pass. */
export const STALE_AFTER_MS = 6 * HEARTBEAT_MS;

export type ProcessState = 'alive' | 'zombie' | 'gone';

/** What the local machine says about a pid; replaceable in tests. */
export interface ProcessProbe {
  hostname(): string;
  state(pid: number): ProcessState;
  /** An opaque token that differs between two processes that had the same pid; undefined where unknown. */
  startToken(pid: number): string | undefined;
}

/** The fields of /proc/PID/stat after the command name (which may itself contain spaces and parentheses). */
function procStat(pid: number): string[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

let bootId: string | undefined;
function currentBootId(): string {
  if (bootId === undefined) {
    try {
      bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = '';
    }
  }
  return bootId;
}

export const localProbe: ProcessProbe = {
  hostname: () => os.hostname(),
  state(pid) {
    const stat = procStat(pid);
    // fields[0] is the state: Z (zombie) and X (dead) are gone, whatever kill(pid, 0) says.
    if (stat) return stat[0] === 'Z' || stat[0] === 'X' ? 'zombie' : 'alive';
    try {
      process.kill(pid, 0);
      return 'alive';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'gone';
    }
  },
  startToken(pid) {
    // Field 22 of /proc/PID/stat (index 19 after the name): start time in clock ticks since boot.
    const start = procStat(pid)?.[19];
    return start === undefined ? undefined : `${currentBootId()}:${start}`;
  },
};

export type Liveness = { alive: true } | { alive: false; reason: string };

const GONE = 'the trainer process is gone (killed or crashed); metrics up to its last epoch are kept';

export function trainerLiveness(record: RunRecord, now: number = Date.now(), probe: ProcessProbe = localProbe): Liveness {
  const sameHost = record.host === undefined || record.host === probe.hostname();
  if (sameHost) {
    if (record.pid === undefined) return { alive: false, reason: GONE };
    const state = probe.state(record.pid);
    if (state !== 'alive') return { alive: false, reason: GONE };
    const token = record.pidStart === undefined ? undefined : probe.startToken(record.pid);
    if (token !== undefined) return token === record.pidStart ? { alive: true } : { alive: false, reason: GONE };
  }
  const age = now - Date.parse(record.updatedAt);
  if (age < STALE_AFTER_MS) return { alive: true };
  const where = sameHost ? '' : ` on ${record.host}`;
  const minutes = Number.isFinite(age) ? `${Math.round(age / 60_000)} minutes` : 'an unknown time';
  return { alive: false, reason: `the trainer${where} stopped reporting ${minutes} ago; metrics up to its last epoch are kept` };
}

/** Whether a pid on this machine names a live process, not a zombie: for a pid kept without its start time (a sweep's coordinator). */
export function isProcessAlive(pid: number, probe: ProcessProbe = localProbe): boolean {
  return probe.state(pid) === 'alive';
}
