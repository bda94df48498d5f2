import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Process } from '@multiproc/process';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));

/** Every pid a test started, killed by pid in afterEach if it is still there. */
const owned = new Set<number>();
const procs = new Set<Process>();
const dirs = new Set<string>();

export function own(pid: number | undefined): number {
  if (pid === undefined) throw new Error('no pid');
  owned.add(pid);
  return pid;
}

/** Remember a Process so cleanup() kills it if the test did not end it. */
export function track<P extends Process>(p: P): P {
  procs.add(p);
  return p;
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mp-proc-test-'));
  dirs.add(dir);
  return dir;
}

export async function cleanup(): Promise<void> {
  for (const p of procs) {
    try {
      if (p.pid !== undefined) owned.add(p.pid);
      if (p.isAlive()) {
        p.kill();
        await p.join({ timeout: 5000 });
      }
    } catch {
      // closed or never started
    }
  }
  procs.clear();
  for (const pid of owned) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  owned.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** True once `pid` has left the process table (or is a zombie nobody reaps: its code no longer runs). */
export function isGone(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return /^State:\s+Z/m.test(status);
  } catch {
    return !existsSync(`/proc/${pid}`);
  }
}

export function procState(pid: number): string | null {
  try {
    return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Poll `pred` until it holds or `ms` have passed; returns its last value. */
export async function waitFor(pred: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(25);
  }
  return pred();
}

export function collect(stream: Readable | null): Promise<string> {
  if (stream === null) return Promise.resolve('');
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => (text += d));
  return new Promise((resolve) => stream.on('close', () => resolve(text)));
}

export interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when the script exits (it is SIGKILLed after `timeout` ms). */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves when the script's process has exited (its orphans may still hold its stdio). */
  exited: Promise<void>;
  /** The first stdout line that parses as JSON. */
  firstJson: () => Promise<Record<string, unknown>>;
}

/** Run a script as a real child of the test, bounded by `timeout`. */
export function runScript(args: string[], { timeout = 20_000, cwd = FIXTURES, detached = false } = {}): Run {
  const child = spawn(process.execPath, args, { cwd, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  own(child.pid);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out, stderr: err });
    }),
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const firstJson = async () => {
    const ok = await waitFor(() => out.includes('}\n'), timeout);
    if (!ok) throw new Error(`no JSON line from ${args.join(' ')}; stderr: ${err}`);
    return JSON.parse(
      out
        .slice(0, out.indexOf('}\n') + 1)
        .split('\n')
        .pop()!,
    ) as Record<string, unknown>;
  };
  return { child, stdout: () => out, stderr: () => err, done, exited, firstJson };
}

/** Pids whose parent is `ppid`, read from /proc. */
export function childPids(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name: state, ppid, ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
