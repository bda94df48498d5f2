import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Process } from '@multiproc/process';
import { Child } from '@multiproc/test-kit';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** Where each test appends what it proved; global-setup.ts turns it into results/reliability.md. */
export const RECORDS = fileURLToPath(new URL('../results/records.jsonl', import.meta.url));

/**
 * Size of the load tests. Unset, each workload runs its CI figure (sized so the whole suite stays
 * within a few minutes on two cores); `FAULTS_SCALE=1` runs the figures (1,000,000 queue
 * items, 1 GiB of 64 KiB buffers, 200k JoinableQueue items, 1,000,000 pool tasks, 200 processes),
 * and any other value that fraction of them.
 */
export const SCALE: number | null = (() => {
  const raw = process.env.FAULTS_SCALE;
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`FAULTS_SCALE must be a positive number, not ${raw}`);
  return n;
})();

/** A load figure: the issue's `full` figure times FAULTS_SCALE when it is set, else `ci`. */
export function load(full: number, ci: number): number {
  return SCALE === null ? ci : Math.max(1, Math.round(full * SCALE));
}

/** How the load figures were chosen, for the output and the results file. */
export function scaleNote(): string {
  return SCALE === null ? 'CI figures (FAULTS_SCALE unset)' : `FAULTS_SCALE=${SCALE}`;
}

/** Time limit of a load test (the full figures take longer than vitest's default). */
export const LOAD_TIMEOUT = 300_000;

/** Every fault test ends the outcome it expects within this many ms, or fails. */
export const BOUND_MS = 10_000;

export type Section = 'load' | 'faults' | 'bad-input';
export interface RecordEntry {
  section: Section;
  file: string;
  name: string;
  /** Free-form figures shown in the results table. */
  result: string;
  items?: number;
  lost?: number;
  duplicated?: number;
  cases?: number;
  itemsPerSecond?: number;
}

/** Note what a test proved (called at the end of a test, after its assertions passed). */
export function record(entry: RecordEntry): void {
  appendFileSync(RECORDS, `${JSON.stringify({ ...entry, scale: scaleNote() })}\n`);
}

export function readRecords(): (RecordEntry & { scale: string })[] {
  if (!existsSync(RECORDS)) return [];
  return readFileSync(RECORDS, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

// ---------------------------------------------------------------------------------------------
// Children: every one a test starts is killed by pid and its leftovers removed in afterEach.

const pids = new Set<number>();
const procs = new Set<Process>();

/** Remember a pid so `reap()` kills it if it is still running. */
export function own(pid: number | undefined): number {
  if (pid === undefined) throw new Error('no pid');
  pids.add(pid);
  return pid;
}

/** Remember a Process so `reap()` kills and joins it. */
export function track<P extends Process>(p: P): P {
  procs.add(p);
  return p;
}

/** Kill (SIGKILL, by pid) every child a test left running and remove the socket dirs they left. */
export async function reap(): Promise<void> {
  for (const p of procs) {
    try {
      if (p.pid !== undefined) pids.add(p.pid);
      if (p.isAlive()) {
        p.kill();
        await p.join({ timeout: 5000 });
      }
    } catch {
      // never started, or closed
    }
  }
  procs.clear();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const pid of pids) await waitFor(() => isGone(pid), 5000);
  for (const pid of pids) for (const dir of socketDirsOf(pid)) rmSync(dir, { recursive: true, force: true });
  pids.clear();
}

const suiteStarted = Date.now();

/**
 * The private socket directories (`<tmpdir>/mp-<pid>-*`) of process `pid`, made since `since`
 * (ms since the epoch; default: when this test file started), so a stale directory of an older
 * process that had the same pid is not counted.
 */
export function socketDirsOf(pid: number, since = suiteStarted): string[] {
  const tmp = tmpdir();
  return readdirSync(tmp)
    .filter((name) => name.startsWith(`mp-${pid}-`))
    .map((name) => join(tmp, name))
    .filter((dir) => {
      try {
        return statSync(dir).mtimeMs >= since - 1000;
      } catch {
        return false;
      }
    });
}

/** `/proc/<pid>/status` fields, or null once the pid is gone. */
export function procStatus(pid: number): Record<string, string> | null {
  try {
    const out: Record<string, string> = {};
    for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return out;
  } catch {
    return null;
  }
}

/** True once `pid` no longer runs code: gone from the process table, or a zombie. */
export function isGone(pid: number): boolean {
  const status = procStatus(pid);
  return status === null || status.State?.startsWith('Z') === true;
}

/** Children of this process that are zombies (exited, never reaped). */
export function zombieChildren(): number[] {
  return childPids().filter((pid) => procStatus(pid)?.State?.startsWith('Z'));
}

/** Every live or zombie process whose parent is this one. */
export function childPids(parent = process.pid): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const status = procStatus(Number(name));
    if (status !== null && Number(status.PPid) === parent) out.push(Number(name));
  }
  return out;
}

/** Resident set size of `pid` in bytes (VmRSS), and its peak (VmHWM). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = procStatus(pid);
  const kb = (field: string) => Number.parseInt(status?.[field] ?? '0', 10) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Poll `pred` until it holds or `ms` have passed; returns its last value. */
export async function waitFor(pred: () => boolean, ms = BOUND_MS): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(20);
  }
  return pred();
}

export { within } from '@multiproc/test-kit';

/** Resolves with the error `promise` rejects with (fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** A standalone node script (a parent of its own children, no IPC channel), printing JSON lines on stdout. */
export function script(fixture: string, args: string[] = []): Child {
  const child = new Child(join(FIXTURES, fixture), args, { ipc: false });
  own(child.pid);
  return child;
}

/** One frame as PROTOCOL.md §1 lays it out: a 4-byte big-endian header (flags | length), then the payload. */
export function frame(payload: Uint8Array, flags = 0): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE((flags | payload.length) >>> 0);
  return Buffer.concat([header, payload]);
}
