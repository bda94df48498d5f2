import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Marks (in the environment) every process this run started, children included: see `leftovers`. */
  tag: string;
}

const started = new Set<ChildProcess>();
const TAG = 'MULTIPROC_DEMO_TEST_RUN';
const tags = new Set<string>();

/** Run the built program as a user would, killed after `timeout` ms. */
export function runCli(args: string[], opts: { input?: string; timeout?: number } = {}): Promise<Run> {
  const tag = randomUUID();
  tags.add(tag);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, [TAG]: tag },
    });
    started.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout ?? 25_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      started.delete(child);
      resolve({ code, signal, stdout, stderr, tag });
    });
  });
}

export function spawnCli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  started.add(child);
  child.on('close', () => started.delete(child));
  return child;
}

/** Pids of the live processes (not zombies) a run started, found by the tag in their environment (Linux /proc). */
export function tagged(tag: string): number[] {
  if (!existsSync('/proc/self/environ')) return [];
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').includes(`${TAG}=${tag}\0`)) pids.push(Number(d));
    } catch {
      // gone, or not ours
    }
  }
  return pids.filter((pid) => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
    } catch {
      return false;
    }
  });
}

/**
 * The processes a finished run left behind. Daemons are ended as their parent exits, so
 * this waits (up to `ms`) for them to go; whatever is still there is killed and returned.
 */
export async function leftovers(run: Run, ms = 10_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let pids = tagged(run.tag);
  while (pids.length > 0 && Date.now() < deadline) {
    await sleep(50);
    pids = tagged(run.tag);
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids;
}

/** Kill whatever a failed test left running, the runs' children included. */
export function reapAll(): void {
  for (const c of started) c.kill('SIGKILL');
  for (const tag of tags) {
    for (const pid of tagged(tag)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  tags.clear();
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
