import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool, type PoolOptions } from '@multiproc/pool';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

const pools = new Set<Pool>();
const pids = new Set<number>();
const dirs = new Set<string>();

/** A pool that cleanup() terminates (and whose worker pids it kills) if the test did not. */
export function pool(options: PoolOptions = {}): Pool {
  const p = new Pool(options);
  pools.add(p);
  return p;
}

export function own(pid: number): number {
  pids.add(pid);
  return pid;
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mp-pool-test-'));
  dirs.add(dir);
  return dir;
}

export async function cleanup(): Promise<void> {
  for (const p of pools) {
    for (const pid of p.pids()) pids.add(pid);
    await p.terminate();
  }
  pools.clear();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  pids.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** True once `pid` has left the process table (or is a zombie: its code no longer runs). */
export function isGone(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return !existsSync(`/proc/${pid}`);
  }
}

/** Poll `pred` until it holds or `ms` have passed; returns its last value. */
export async function waitFor(pred: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(20);
  }
  return pred();
}

/** JSON lines appended to `file` so far. */
export function lines<T = Record<string, unknown>>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export async function* slowly<T>(items: T[], onRead?: (i: number) => void): AsyncGenerator<T> {
  for (let i = 0; i < items.length; i++) {
    onRead?.(i);
    await sleep(1);
    yield items[i]!;
  }
}

/** Run a script in a real child, bounded by `timeout` (then SIGKILLed). */
export function runScript(
  args: string[],
  timeout = 30_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: FIXTURES,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) own(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}
