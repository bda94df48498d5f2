import { join } from 'node:path';
import { MultiprocError, RemoteError, TimeoutError, WorkerExitedError } from '@multiproc/pool';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, badInit, double, exitWith, pid, spin } from './fixtures/tasks.mjs';
import { cleanup, isGone, lines, own, pool, range, tempDir, waitFor } from './helpers.js';

afterEach(cleanup);

/** Wait until task `i` has started; returns the pid of the worker running it. */
async function startedOn(file: string, i: number): Promise<number> {
  expect(await waitFor(() => lines<{ i: number }>(file).some((l) => l.i === i))).toBe(true);
  return own(lines<{ i: number; pid: number }>(file).find((l) => l.i === i)!.pid);
}

describe('a worker that dies never hangs the pool (Python hangs here: gh-66587)', () => {
  it('SIGKILL mid-task fails that task only; the rest completes on a replacement', async () => {
    const file = join(tempDir(), 'starts');
    const p = pool({ processes: 2 });
    await p.whenReady();
    const victim = p.applyAsync(announce, [file, 0, 30_000]);
    const others = range(8).map((i) => p.applyAsync(announce, [file, i + 1, 50]));
    const killedPid = await startedOn(file, 0);
    process.kill(killedPid, 'SIGKILL');
    const error = await victim.get().catch((e) => e);
    expect(error).toBeInstanceOf(WorkerExitedError);
    expect(error.code).toBe('ERR_WORKER_EXITED');
    expect(error.signal).toBe('SIGKILL');
    expect(error.exitCode).toBe(-9);
    expect(await Promise.all(others.map((r) => r.get()))).toEqual(range(8).map((i) => i + 1));
    expect(await waitFor(() => p.stats().workers === 2 && !p.pids().includes(killedPid))).toBe(true);
    expect(await p.apply(double, [2])).toBe(4);
    p.close();
    await p.join(); // finite: Python's close(); join() blocks for ever after a worker death
  });

  it('tasks sent ahead to the dead worker but not started run elsewhere', async () => {
    const file = join(tempDir(), 'starts');
    const p = pool({ processes: 1, prefetch: 3 });
    await p.whenReady();
    const victim = p.applyAsync(announce, [file, 0, 30_000]);
    const queued = [1, 2].map((i) => p.applyAsync(announce, [file, i, 1]));
    const killedPid = await startedOn(file, 0);
    process.kill(killedPid, 'SIGKILL');
    await expect(victim.get()).rejects.toBeInstanceOf(WorkerExitedError);
    expect(await Promise.all(queued.map((r) => r.get()))).toEqual([1, 2]);
    const ran = lines<{ i: number; pid: number }>(file);
    expect(ran.filter((l) => l.i !== 0).every((l) => l.pid !== killedPid)).toBe(true);
  });

  it('process.exit(n) in a task is WorkerExitedError with exitCode n', async () => {
    const p = pool({ processes: 1 });
    const before = await p.apply(pid);
    const error = await p.apply(exitWith, [3]).catch((e) => e);
    expect(error).toBeInstanceOf(WorkerExitedError);
    expect(error.exitCode).toBe(3);
    expect(error.signal).toBeNull();
    const after = await p.apply(pid);
    expect(after).not.toBe(before);
    expect(p.stats().failed).toBe(1);
  });

  it('a map whose worker dies rejects with WorkerExitedError; the pool goes on', async () => {
    const p = pool({ processes: 2 });
    const error = await p.map(exitWith, [0, 0, 5, 0], { chunksize: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(WorkerExitedError);
    expect(await p.map(double, range(5))).toEqual(range(5).map((i) => i * 2));
  });

  it('a task over its timeout fails with TimeoutError and its worker is replaced', async () => {
    const p = pool({ processes: 1 });
    const before = await p.apply(pid);
    const error = await p.apply(spin, [], { timeout: 200 }).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.code).toBe('ERR_TIMEOUT');
    expect(await p.apply(pid)).not.toBe(before);
    expect(await waitFor(() => isGone(before))).toBe(true);
  });

  it('aborting a running task rejects with AbortError and replaces its worker', async () => {
    const p = pool({ processes: 1 });
    const before = await p.apply(pid);
    const controller = new AbortController();
    const running = p.apply(spin, [], { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await running.catch((e) => e);
    expect(error.name).toBe('AbortError');
    expect(error.code).toBe('ABORT_ERR');
    expect(await p.apply(pid)).not.toBe(before);
    await expect(p.apply(double, [1], { signal: AbortSignal.abort() })).rejects.toThrow('aborted');
  });

  it('aborting a map rejects it and cancels its tasks', async () => {
    const p = pool({ processes: 2 });
    const file = join(tempDir(), 'starts');
    const controller = new AbortController();
    const m = p.starmap(
      announce,
      range(20).map((i) => [file, i, 200]),
      { chunksize: 1, signal: controller.signal },
    );
    await startedOn(file, 0);
    controller.abort();
    await expect(m).rejects.toMatchObject({ name: 'AbortError' });
    expect(await p.apply(double, [4])).toBe(8);
    expect(lines(file).length).toBeLessThan(20);
  });

  it('an initializer that throws breaks the pool instead of respawning for ever', async () => {
    const p = pool({ processes: 2, initializer: badInit });
    const ready = await p.whenReady().catch((e) => e);
    expect(ready).toBeInstanceOf(MultiprocError);
    expect(ready.code).toBe('ERR_POOL_BROKEN');
    expect(ready.cause).toBeInstanceOf(RemoteError);
    await expect(p.apply(double, [1])).rejects.toMatchObject({ code: 'ERR_POOL_BROKEN' });
    p.close();
    await p.join();
  });
});
