import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, double, init, initCount, pid, recordAndSleep, sleepy } from './fixtures/tasks.mjs';
import { cleanup, isGone, lines, own, pool, range, runScript, tempDir, waitFor } from './helpers.js';

afterEach(cleanup);

describe('workers', () => {
  it('maxTasksPerChild replaces a worker after that many tasks (different pids)', async () => {
    const p = pool({ processes: 1, maxTasksPerChild: 2 });
    const pids = [];
    for (let i = 0; i < 6; i++) pids.push(own(await p.apply(pid)));
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).toBe(pids[3]);
    expect(pids[4]).toBe(pids[5]);
    expect(new Set(pids).size).toBe(3);
    // a map chunk counts as one task, as in Python
    const mapped = (await p.map(pid, range(8), { chunksize: 2 })) as number[];
    expect(new Set(mapped).size).toBeGreaterThanOrEqual(2);
    expect(await waitFor(() => isGone(pids[0]!) && isGone(pids[2]!))).toBe(true);
  });

  it('the initializer runs once in every worker, replacements included', async () => {
    const file = join(tempDir(), 'init');
    const p = pool({ processes: 2, initializer: init, initargs: [file, 'hello'], maxTasksPerChild: 3 });
    await p.whenReady();
    const states = (await p.map(initCount, range(12), { chunksize: 1 })) as {
      pid: number;
      initialized: number;
    }[];
    expect(states.every((s) => s.initialized === 1)).toBe(true);
    const initLines = (await import('node:fs')).readFileSync(file, 'utf8').trim().split('\n');
    const initPids = initLines.map((l) => Number(l.split(' ')[0]));
    expect(initLines.every((l) => l.endsWith(' hello'))).toBe(true);
    expect(new Set(initPids).size).toBe(initPids.length); // once per worker
    for (const s of states) expect(initPids).toContain(s.pid); // every worker that ran a task was initialized
    expect(new Set(states.map((s) => s.pid)).size).toBeGreaterThanOrEqual(4);
  });
});

describe('scheduling', () => {
  it('a task sent ahead to a busy worker is taken back by a worker that goes idle', async () => {
    const file = join(tempDir(), 'starts');
    const p = pool({ processes: 2 });
    await p.whenReady();
    const long = p.applyAsync(announce, [file, 0, 3000]);
    const short = p.applyAsync(announce, [file, 1, 1]);
    const behind = p.applyAsync(announce, [file, 2, 1]); // sent ahead to one of the two busy workers
    expect(await behind.get()).toBe(2);
    expect(long.ready()).toBe(false); // it did not wait for the long task
    await short.get();
    const ran = lines<{ i: number; pid: number }>(file);
    const pidOf = (i: number) => ran.find((l) => l.i === i)!.pid;
    expect(pidOf(2)).not.toBe(pidOf(0));
  });
});

describe('seed 004-E: Pool(5) runs 20 tasks in 4 waves on the same 5 pids', () => {
  it('applyAsync x 20, close, join', async () => {
    const file = join(tempDir(), 'starts');
    const p = pool({ processes: 5 });
    await p.whenReady();
    const results = range(20).map((i) => p.applyAsync(recordAndSleep, [file, i, 200]));
    p.close();
    await p.join();
    expect(await Promise.all(results.map((r) => r.get()))).toEqual(range(20).map((i) => i * i));
    assertWaves(lines<{ i: number; pid: number; t: number }>(file));
  });

  it('map(task, range(20)): default chunksize 1, the same waves', async () => {
    const file = join(tempDir(), 'starts');
    const p = pool({ processes: 5 });
    await p.whenReady();
    const out = await p.starmap(
      recordAndSleep,
      range(20).map((i) => [file, i, 200]),
    );
    expect(out).toEqual(range(20).map((i) => i * i));
    assertWaves(lines<{ i: number; pid: number; t: number }>(file));
  });

  function assertWaves(starts: { i: number; pid: number; t: number }[]): void {
    expect(starts).toHaveLength(20);
    const byPid = new Map<number, number[]>();
    for (const s of starts) byPid.set(own(s.pid), [...(byPid.get(s.pid) ?? []), s.i]);
    expect(byPid.size).toBe(5);
    for (const tasks of byPid.values()) expect(tasks).toHaveLength(4);
    // Each worker's k-th task belongs to wave k: the k-th tasks of all five pids form one wave of 5.
    const waves = range(4).map((k) => [...byPid.values()].map((tasks) => tasks[k]!).sort((a, b) => a - b));
    expect(waves.flat().sort((a, b) => a - b)).toEqual(range(20));
    for (const [k, wave] of waves.entries()) expect(wave.every((i) => Math.floor(i / 5) === k)).toBe(true);
  }
});

describe('close, join, terminate, dispose', () => {
  it('terminate() rejects pending tasks and leaves no process behind', async () => {
    const p = pool({ processes: 2 });
    await p.whenReady();
    const pids = p.pids().map(own);
    expect(pids).toHaveLength(2);
    const pending = range(10).map((i) => p.applyAsync(sleepy, [10_000, i]));
    const mapped = p.map(sleepy, [10_000, 10_000]).catch((e) => e);
    await p.terminate();
    for (const r of pending) await expect(r.get()).rejects.toMatchObject({ code: 'ERR_POOL_TERMINATED' });
    expect(await mapped).toMatchObject({ code: 'ERR_POOL_TERMINATED' });
    for (const workerPid of pids) expect(isGone(workerPid)).toBe(true);
    expect(p.pids()).toEqual([]);
    expect(p.state).toBe('TERMINATE');
    await p.join();
    expect(() => p.applyAsync(double, [1])).toThrow('Pool not running');
  });

  it('await using: close() + join(), so submitted work completes (Python terminates: gh-74140)', async () => {
    const file = join(tempDir(), 'starts');
    let results: Promise<unknown>[];
    let pids: number[];
    {
      await using p = pool({ processes: 2 });
      results = range(6).map((i) => p.applyAsync(announce, [file, i, 100]).get());
      await p.whenReady();
      pids = p.pids().map(own);
    }
    expect(await Promise.all(results)).toEqual(range(6));
    for (const workerPid of pids) expect(isGone(workerPid)).toBe(true);
  });

  it('maxQueue: submitting past it waits for room', async () => {
    const p = pool({ processes: 1, prefetch: 1, maxQueue: 2 });
    await p.whenReady();
    const results = range(6).map((i) => p.applyAsync(sleepy, [50, i]));
    await waitFor(() => p.stats().running === 1);
    expect(p.stats().queued).toBe(5); // two in the queue, three waiting to enter it
    let roomed = false;
    const room = p.waitForRoom().then(() => (roomed = true));
    expect(roomed).toBe(false);
    expect(await Promise.all(results.map((r) => r.get()))).toEqual(range(6));
    await room;
    expect(roomed).toBe(true);
  });

  it('an idle pool does not keep its program alive; workers die with it', async () => {
    const run = await runScript(['idle-pool.mjs']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { result, pids } = JSON.parse(run.stdout);
    expect(result).toEqual([2, 4, 6]);
    for (const workerPid of pids) expect(await waitFor(() => isGone(own(workerPid)))).toBe(true);
  });
});
