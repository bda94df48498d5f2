import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { activeChildren, Process, stopSpares } from '@multiproc/process';
import { Queue } from '@multiproc/queue';
import { Host } from '@multiproc/wire';
import { afterEach, expect, it } from 'vitest';
import { churn } from './fixtures/load-tasks.mjs';
import {
  childPids,
  fdCount,
  isGone,
  LOAD_TIMEOUT,
  load,
  reap,
  record,
  socketDirsOf,
  track,
  waitFor,
  within,
  zombieChildren,
} from './helpers.js';

afterEach(reap);

it(
  'processes started and joined back to back: no zombie, no fd leak, no leftover socket file',
  async () => {
    const n = load(200, 200);
    const parentQ = new Queue<{ pid: number; mine: Queue<string> }>();
    const hostDir = dirname(Host.current().address);
    // Both ways a child starts: a fresh spawn, and a warm spare handed its target.
    const runOne = async (i: number) => {
      const startMethod = i % 2 === 0 ? 'spawn' : 'warm';
      const p = track(new Process({ target: churn, args: [parentQ], startMethod }));
      await p.start();
      // The child linked to this host; now link to the child's host, and let it go.
      const { pid, mine } = await within(parentQ.get(), 10_000, 'child report');
      expect(pid).toBe(p.pid);
      expect(await mine.qsize()).toBe(0);
      await mine.put('bye');
      await within(p.join(), 10_000, 'join');
      expect(p.exitCode).toBe(0);
      p.close();
      return pid;
    };
    // Warm up, so the host, its socket and the first link are there before counting.
    await runOne(0);
    await runOne(1);
    await waitFor(() => false, 200);
    const fdsBefore = fdCount();
    const filesBefore = readdirSync(hostDir).sort();

    const started = performance.now();
    const pids: number[] = [];
    for (let i = 0; i < n; i++) pids.push(await runOne(i));
    const seconds = (performance.now() - started) / 1000;

    expect(new Set(pids).size).toBe(n);
    expect(activeChildren()).toEqual([]);
    expect(zombieChildren()).toEqual([]);
    // The only children left are the idle warm spares; once stopped, none at all.
    stopSpares();
    expect(await waitFor(() => childPids().length === 0)).toBe(true);
    expect(pids.filter((pid) => !isGone(pid))).toEqual([]);
    // Links to the children's hosts close as the children go; nothing else stays open.
    expect(await waitFor(() => fdCount() <= fdsBefore)).toBe(true);
    expect(readdirSync(hostDir).sort()).toEqual(filesBefore);
    expect(existsSync(hostDir)).toBe(true);
    // Each child removed its own socket directory when it exited.
    expect(pids.flatMap((pid) => socketDirsOf(pid))).toEqual([]);

    const ms = Math.round((seconds * 1000) / n);
    console.log(
      `${n} processes back to back: ${seconds.toFixed(1)} s (${ms} ms each); fds ${fdsBefore} -> ${fdCount()}`,
    );
    record({
      section: 'load',
      file: 'load-processes',
      name: 'Processes started and joined back to back, half spawned, half warm (each links to the parent and serves a queue of its own)',
      result: `${n} processes in ${seconds.toFixed(1)} s (${ms} ms each); 0 zombies, fds ${fdsBefore} before and ${fdCount()} after, no socket file or directory left`,
    });
  },
  LOAD_TIMEOUT,
);
