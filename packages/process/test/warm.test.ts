import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  currentProcess,
  getStartMethod,
  Process,
  setStartMethod,
  sparesReady,
  stopSpares,
} from '@multiproc/process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exitWith, sleepFor, throws, writeArgv, writeInfo } from './fixtures/tasks.mjs';
import { childPids, cleanup, collect, isGone, own, runScript, tempDir, track, waitFor } from './helpers.js';

afterEach(cleanup);

describe("the 'warm' start method", () => {
  let before: number[] = [];

  beforeAll(async () => {
    before = childPids(process.pid);
    setStartMethod('warm', { force: true, spares: 2 });
    expect(getStartMethod()).toBe('warm');
    // Spares come up in the background.
    expect(await waitFor(() => childPids(process.pid).length >= before.length + 2)).toBe(true);
  });

  afterAll(async () => {
    setStartMethod('spawn', { force: true });
    const spares = childPids(process.pid).filter((pid) => !before.includes(pid));
    stopSpares();
    expect(await waitFor(() => spares.every(isGone))).toBe(true);
  });

  it('hands the target to a spare that was already running', async () => {
    const waiting = childPids(process.pid);
    const file = join(tempDir(), 'info.json');
    const p = track(new Process({ target: writeInfo, args: [file], name: 'w1' }));
    await p.start();
    expect(waiting).toContain(p.pid);
    await p.join();
    expect(p.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      name: 'w1',
      pid: p.pid,
      daemon: false,
      parent: 'MainProcess',
      ppid: process.pid,
    });
  });

  it('behaves like a spawned child: default name, exit codes, stderr on an exception', async () => {
    const a = track(new Process({ target: exitWith, args: [4] }));
    expect(a.name).toMatch(/^Process-\d+$/);
    await a.start();
    await a.join();
    expect(a.exitCode).toBe(4);

    const t = track(new Process({ target: sleepFor, args: [60_000] }));
    await t.start();
    expect(t.isAlive()).toBe(true);
    t.terminate();
    await t.join();
    expect(t.exitCode).toBe(-15);
    expect(isGone(t.pid!)).toBe(true);

    // stdio 'pipe' does not fit a spare: it is spawned, and still works.
    const e = track(new Process({ target: throws, stdio: 'pipe', startMethod: 'warm' }));
    await e.start();
    const [stderr] = await Promise.all([collect(e.stderr), e.join()]);
    expect(e.exitCode).toBe(1);
    expect(stderr).toContain(`Process ${e.name}:\nRuntimeError: Error raised!`);
  });

  it('a warm child sees the argv of a spawned one', async () => {
    const warmFile = join(tempDir(), 'warm.json');
    const coldFile = join(tempDir(), 'cold.json');
    const w = track(new Process({ target: writeArgv, args: [warmFile] }));
    const c = track(new Process({ target: writeArgv, args: [coldFile], startMethod: 'spawn' }));
    await Promise.all([w.start(), c.start()]);
    await Promise.all([w.join(), c.join()]);
    const argv = JSON.parse(readFileSync(coldFile, 'utf8'));
    expect(argv).toHaveLength(1);
    expect(JSON.parse(readFileSync(warmFile, 'utf8'))).toEqual(argv);
  });

  it('taken spares are replaced once starts pause', async () => {
    const taken = [
      track(new Process({ target: sleepFor, args: [60_000] })),
      track(new Process({ target: sleepFor, args: [60_000] })),
    ];
    for (const p of taken) await p.start();
    const pids = new Set(taken.map((p) => p.pid));
    const spares = () => childPids(process.pid).filter((pid) => !pids.has(pid) && !before.includes(pid));
    expect(await waitFor(() => spares().length >= 2)).toBe(true);
    for (const p of taken) p.kill();
    await Promise.all(taken.map((p) => p.join()));
  });

  it('sparesReady() resolves once the spares are booted; the next two starts each take one', async () => {
    await sparesReady({ timeout: 20_000 });
    const ready = childPids(process.pid).filter((pid) => !before.includes(pid));
    expect(ready.length).toBeGreaterThanOrEqual(2);
    const two = [
      track(new Process({ target: sleepFor, args: [10] })),
      track(new Process({ target: sleepFor, args: [10] })),
    ];
    for (const p of two) await p.start();
    for (const p of two) expect(ready).toContain(p.pid);
    await Promise.all(two.map((p) => p.join()));
  });

  it('sparesReady() with no spares coming times out with ERR_TIMEOUT', async () => {
    stopSpares();
    await expect(sparesReady({ timeout: 50 })).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    setStartMethod('warm', { force: true, spares: 2 }); // boots them again for the tests after
  });

  it('preload: spares import the modules while they wait, and a start from one does not import them again', async () => {
    const log = join(tempDir(), 'imports.txt');
    process.env.MP_PRELOAD_LOG = log;
    try {
      stopSpares();
      const module = new URL('./fixtures/preloaded.mjs', import.meta.url);
      setStartMethod('warm', { force: true, spares: 2, preload: [module] });
      await sparesReady({ timeout: 20_000 });
      const lines = () =>
        readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(' '));
      const importers = () => lines().map(([pid]) => Number(pid));
      const spares = importers();
      expect(spares.length).toBeGreaterThanOrEqual(2);
      // Top-level code in a spare sees its parent and the parent's authkey, and is not 'MainProcess'.
      const key = currentProcess().authkey.toString('hex');
      for (const [, name, ppid, authkey] of lines()) {
        expect([name, Number(ppid), authkey]).toEqual(['WarmSpare', process.pid, key]);
      }
      const { writePid } = await import('./fixtures/preloaded.mjs');
      const out = join(tempDir(), 'pid.txt');
      const p = track(new Process({ target: writePid, args: [out] }));
      await p.start();
      await p.join();
      expect(p.exitCode).toBe(0);
      expect(Number(readFileSync(out, 'utf8'))).toBe(p.pid);
      expect(spares).toContain(p.pid);
      expect(importers().filter((pid) => pid === p.pid)).toHaveLength(1);
    } finally {
      delete process.env.MP_PRELOAD_LOG;
      stopSpares();
      setStartMethod('warm', { force: true, spares: 2, preload: [] });
    }
  });

  it('preload takes file URLs and absolute paths only (ERR_INVALID_ARG, nothing changed)', () => {
    expect(() => setStartMethod('warm', { preload: ['./tasks.mjs'] })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
    expect(() => setStartMethod('warm', { preload: ['file://a:99999/x.mjs'] })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
    expect(() => setStartMethod('warm', { preload: 'file:///x.mjs' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
    expect(getStartMethod()).toBe('warm');
  });

  it('a warm daemon is a daemon, and cannot have children', async () => {
    const file = join(tempDir(), 'info.json');
    const d = track(new Process({ target: writeInfo, args: [file], daemon: true }));
    await d.start();
    await d.join();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ name: d.name, daemon: true });
  });
});

it("startMethod: 'warm' as an option, and a parent using warm ends by itself", async () => {
  const { code, stdout, stderr } = await runScript(['parent-warm.mjs']).done;
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const out = JSON.parse(stdout);
  expect(out).toMatchObject({ exitCode: 7, name: 'Process-1' });
  for (const pid of out.children) own(pid);
  expect(out.children).toContain(out.daemon);
  // The daemon was terminated at exit; the idle spares left when the channel closed.
  expect(await waitFor(() => out.children.every(isGone))).toBe(true);
});

it("sparesReady() without the 'warm' start method is a ProcessStateError", async () => {
  await expect(sparesReady()).rejects.toMatchObject({ code: 'ERR_PROCESS_STATE' });
});

it('an unknown start method is ERR_INVALID_ARG', () => {
  expect(() => setStartMethod('fork' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
});
