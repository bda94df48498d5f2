import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  activeChildren,
  cpuCount,
  currentProcess,
  MultiprocError,
  Process,
  ProcessStateError,
  parentProcess,
  setStartMethod,
  stopSpares,
  TaskReferenceError,
} from '@multiproc/process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  exitListenerSetsCode,
  exitWith,
  getHidden,
  n,
  noop,
  notATask,
  rejects,
  setExitCode,
  sleepFor,
  slowExitListener,
  throws,
  workAtBeforeExit,
  writeEnv,
  writeInfo,
  zeroN,
} from './fixtures/tasks.mjs';
import { cleanup, collect, isGone, procState, tempDir, track, waitFor } from './helpers.js';

afterEach(cleanup);

const TASKS = new URL('./fixtures/tasks.mjs', import.meta.url).href;

async function runToEnd(options: ConstructorParameters<typeof Process>[0]) {
  const p = track(new Process({ stdio: 'pipe', ...options }));
  await p.start();
  const [stdout, stderr] = await Promise.all([collect(p.stdout), collect(p.stderr), p.join()]);
  return { p, stdout, stderr };
}

describe('exit codes', () => {
  it('is 0 when the target returns, and null before start', async () => {
    const p = track(new Process({ target: noop }));
    expect(p.exitCode).toBeNull();
    await p.start();
    await p.join();
    expect(p.exitCode).toBe(0);
  });

  it('is 1 with `Process <name>:` and the stack on stderr for an uncaught exception', async () => {
    const { p, stderr } = await runToEnd({ target: throws, name: 'boom' });
    expect(p.exitCode).toBe(1);
    expect(stderr).toMatch(/^Process boom:\nRuntimeError: Error raised!\n\s+at /);
    expect(stderr).toContain('tasks.mjs');
  });

  it('is 1 for an unhandled rejection of an async target', async () => {
    const { p, stderr } = await runToEnd({ target: rejects });
    expect(p.exitCode).toBe(1);
    expect(stderr).toContain(`Process ${p.name}:\nError: async boom`);
  });

  it('is process.exitCode when the target sets it and returns', async () => {
    const { p, stderr } = await runToEnd({ target: setExitCode, args: [7] });
    expect(p.exitCode).toBe(7);
    expect(stderr).toBe('');
  });

  it("runs work a target's own 'beforeExit' listener schedules, then exits 0", async () => {
    const file = join(tempDir(), 'rounds');
    const { p } = await runToEnd({ target: workAtBeforeExit, args: [file] });
    expect(p.exitCode).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('2');
  });

  it("is what an 'exit' listener sets after the target finished", async () => {
    const { p, stderr } = await runToEnd({ target: exitListenerSetsCode, args: [5] });
    expect(p.exitCode).toBe(5);
    expect(stderr).toBe('');
  });

  it('is 0 for a finished warm child too (it ends itself once its parent has its code)', async () => {
    try {
      const p = track(new Process({ target: noop, startMethod: 'warm' }));
      await p.start();
      await p.join();
      expect(p.exitCode).toBe(0);
    } finally {
      stopSpares();
    }
  });

  it("is -9 after kill() while the finished child's 'exit' listeners run", async () => {
    const file = join(tempDir(), 'exiting');
    const p = track(new Process({ target: slowExitListener, args: [file, 20_000] }));
    await p.start();
    expect(await waitFor(() => existsSync(file), 10_000)).toBe(true);
    p.kill();
    await p.join({ timeout: 10_000 });
    expect(p.exitCode).toBe(-9);
  });

  it('is n for process.exit(n)', async () => {
    for (const code of [0, 3, 42]) {
      const { p, stderr } = await runToEnd({ target: exitWith, args: [code] });
      expect(p.exitCode).toBe(code);
      expect(stderr).toBe('');
    }
  });

  it('is -15 after terminate() and -9 after kill()', async () => {
    const t = track(new Process({ target: sleepFor, args: [60_000] }));
    const k = track(new Process({ target: sleepFor, args: [60_000] }));
    await t.start();
    await k.start();
    t.terminate();
    k.kill();
    expect(t.exitCode).toBeNull(); // not reaped yet, as in Python (seed 000-C)
    await t.join();
    await k.join();
    expect(t.exitCode).toBe(-15);
    expect(k.exitCode).toBe(-9);
    // Once ended they are no-ops.
    t.terminate();
    k.kill();
    expect(t.exitCode).toBe(-15);
  });
});

describe('join, isAlive, reaping', () => {
  it('join({ timeout }) on a live process resolves with it still alive', async () => {
    const p = track(new Process({ target: sleepFor, args: [60_000] }));
    await p.start();
    await expect(p.join({ timeout: 50 })).resolves.toBeUndefined();
    expect(p.isAlive()).toBe(true);
    expect(p.exitCode).toBeNull();
    await p.join({ timeout: 0 });
    expect(p.isAlive()).toBe(true);
  });

  it('isAlive() is false before start, true while running, false after join', async () => {
    const p = track(new Process({ target: sleepFor, args: [200] }));
    expect(p.isAlive()).toBe(false);
    await p.start();
    expect(p.isAlive()).toBe(true);
    await p.join();
    expect(p.isAlive()).toBe(false);
    expect(p.exitCode).toBe(0);
    await p.join(); // may be called again
  });

  it('terminate() then join() leaves no zombie', async () => {
    const p = track(new Process({ target: sleepFor, args: [60_000] }));
    await p.start();
    const pid = p.pid!;
    expect(procState(pid)).not.toBeNull();
    p.terminate();
    await p.join();
    expect(p.exitCode).toBe(-15);
    const state = procState(pid);
    expect(state === null || state !== 'Z').toBe(true);
    expect(isGone(pid)).toBe(true);
  });

  it('join({ signal }) rejects with AbortError when aborted', async () => {
    const p = track(new Process({ target: sleepFor, args: [60_000] }));
    await p.start();
    const ac = new AbortController();
    const joined = p.join({ signal: ac.signal });
    ac.abort();
    await expect(joined).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect(p.isAlive()).toBe(true);
  });
});

describe('lifecycle errors', () => {
  const stateError = (message: string | RegExp) =>
    expect.objectContaining({ code: 'ERR_PROCESS_STATE', message: expect.stringMatching(message) });

  it('start twice', async () => {
    const p = track(new Process({ target: noop }));
    await p.start();
    await expect(p.start()).rejects.toThrow(ProcessStateError);
    await expect(p.start()).rejects.toEqual(stateError('cannot start a process twice'));
    await p.join();
  });

  it('join, terminate, kill, close before start', async () => {
    const p = new Process({ target: noop });
    await expect(p.join()).rejects.toEqual(stateError('can only join a started process'));
    expect(() => p.terminate()).toThrow(ProcessStateError);
    expect(() => p.kill()).toThrow(/not started/);
    expect(() => p.close()).toThrow(/not started/);
  });

  it('close while alive, then close after join', async () => {
    const p = track(new Process({ target: sleepFor, args: [60_000] }));
    await p.start();
    expect(() => p.close()).toThrow(
      'Cannot close a process while it is still running. You should first call join() or terminate().',
    );
    p.terminate();
    await p.join();
    p.close();
    p.close(); // a second close is a no-op
  });

  it('daemon set after start', async () => {
    const p = track(new Process({ target: noop }));
    p.daemon = true;
    p.daemon = false;
    await p.start();
    expect(() => {
      p.daemon = true;
    }).toThrow(stateError('process has already started'));
    await p.join();
  });

  it('any use after close', async () => {
    const p = new Process({ target: noop });
    await p.start();
    await p.join();
    p.close();
    const closed = stateError('process object is closed');
    expect(() => p.pid).toThrow(closed);
    expect(() => p.exitCode).toThrow(closed);
    expect(() => p.isAlive()).toThrow(closed);
    expect(() => p.terminate()).toThrow(closed);
    expect(() => p.kill()).toThrow(closed);
    await expect(p.start()).rejects.toEqual(closed);
    await expect(p.join()).rejects.toEqual(closed);
    expect(String(p)).toContain('closed');
  });
});

describe('invalid arguments', () => {
  const invalid = expect.objectContaining({ code: 'ERR_INVALID_ARG' });
  it('throw ERR_INVALID_ARG', async () => {
    expect(() => new Process({ target: 5 as never })).toThrow(invalid);
    expect(() => new Process({ target: noop, name: 5 as never })).toThrow(invalid);
    expect(() => new Process({ target: noop, args: 'x' as never })).toThrow(invalid);
    expect(() => new Process({ target: noop, stdio: 'bogus' as never })).toThrow(invalid);
    expect(() => new Process({ target: noop, startMethod: 'fork' as never })).toThrow(invalid);
    expect(() => setStartMethod('forkserver' as never)).toThrow(invalid);
    expect(() => setStartMethod('warm', { force: true, spares: 0 })).toThrow(invalid);
    const p = track(new Process({ target: sleepFor, args: [60_000] }));
    expect(() => {
      p.name = 7 as never;
    }).toThrow(invalid);
    await p.start();
    await expect(p.join({ timeout: -1 })).rejects.toEqual(invalid);
    await expect(p.join({ timeout: -1 })).rejects.toBeInstanceOf(MultiprocError);
  });
});

describe('TaskReferenceError at start(), in the parent', () => {
  const refError = (message: RegExp) =>
    expect.objectContaining({ code: 'ERR_TASK_REFERENCE', message: expect.stringMatching(message) });

  it('for a task that is not exported', async () => {
    const p = new Process({ target: getHidden() });
    await expect(p.start()).rejects.toBeInstanceOf(TaskReferenceError);
    await expect(p.start()).rejects.toEqual(refError(/is not exported from .*tasks\.mjs: add `export`/));
    expect(p.pid).toBeUndefined();
    expect(p.isAlive()).toBe(false);
  });

  it('for a function that is not a task', async () => {
    await expect(new Process({ target: notATask }).start()).rejects.toEqual(
      refError(/notATask is not a task: .*task\(import\.meta\.url, notATask\)/),
    );
  });

  it('for a module that cannot be imported, or a missing export', async () => {
    await expect(
      new Process({ target: { module: new URL('./fixtures/nope.mjs', import.meta.url), name: 'x' } }).start(),
    ).rejects.toEqual(refError(/cannot import .*nope\.mjs/));
    await expect(new Process({ target: { module: TASKS, name: 'missing' } }).start()).rejects.toEqual(
      refError(/has no exported function named 'missing'/),
    );
  });

  it('for a Process with neither target nor run(), or a subclass without static module', async () => {
    await expect(new Process().start()).rejects.toEqual(refError(/needs a target/));
    class Local extends Process {
      override run() {}
    }
    await expect(new Local().start()).rejects.toEqual(refError(/static module = import\.meta\.url/));
  });

  it('accepts { module, name } of an exported function', async () => {
    const p = track(new Process({ target: { module: TASKS, name: 'exitWith' }, args: [5] }));
    await p.start();
    await p.join();
    expect(p.exitCode).toBe(5);
  });
});

describe('identity', () => {
  it('names are Process-N, counting objects created; name can be set', () => {
    const a = new Process({ target: noop });
    const b = new Process({ target: noop });
    const na = Number(/^Process-(\d+)$/.exec(a.name)?.[1]);
    expect(b.name).toBe(`Process-${na + 1}`);
    expect(new Process({ target: noop, name: 'p1' }).name).toBe('p1');
    b.name = 'renamed';
    expect(b.name).toBe('renamed');
  });

  it('currentProcess() and parentProcess() in the main process', () => {
    const me = currentProcess();
    expect(me).toMatchObject({ name: 'MainProcess', pid: process.pid, daemon: false });
    expect(me.authkey).toBeInstanceOf(Buffer);
    expect(me.authkey.length).toBe(32);
    expect(parentProcess()).toBeNull();
  });

  it('currentProcess() and parentProcess() in a child; authkey inherited', async () => {
    const file = join(tempDir(), 'info.json');
    const p = track(new Process({ target: writeInfo, args: [file], name: 'p1' }));
    expect(p.daemon).toBe(false);
    expect(p.authkey.equals(currentProcess().authkey)).toBe(true);
    await p.start();
    await p.join();
    const info = JSON.parse(readFileSync(file, 'utf8'));
    expect(info).toEqual({ name: 'p1', pid: p.pid, daemon: false, parent: 'MainProcess', ppid: process.pid });
  });

  it('a daemon child knows it is a daemon', async () => {
    const file = join(tempDir(), 'info.json');
    const p = track(new Process({ target: writeInfo, args: [file], daemon: true }));
    await p.start();
    await p.join();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ name: p.name, daemon: true });
  });

  it('activeChildren() lists live children only', async () => {
    const p = track(new Process({ target: sleepFor, args: [60_000] }));
    expect(activeChildren()).not.toContain(p);
    await p.start();
    expect(activeChildren()).toContain(p);
    p.terminate();
    await p.join();
    expect(activeChildren()).not.toContain(p);
  });

  it('cpuCount() is the number of usable CPUs, at least 1', () => {
    expect(Number.isInteger(cpuCount())).toBe(true);
    expect(cpuCount()).toBeGreaterThanOrEqual(1);
    expect(cpuCount()).toBe(availableParallelism());
  });

  it('toString() shows the state as Python repr does', async () => {
    const p = track(new Process({ target: noop, name: 'r' }));
    expect(String(p)).toBe(`<Process name='r' parent=${process.pid} initial>`);
    await p.start();
    await p.join();
    expect(String(p)).toBe(`<Process name='r' pid=${p.pid} parent=${process.pid} stopped exitcode=0>`);
  });
});

describe('env, execArgv, stdio options', () => {
  it('env and execArgv are passed to the child; stdio ignore discards its output', async () => {
    const file = join(tempDir(), 'env.json');
    const p = track(
      new Process({
        target: writeEnv,
        args: [file],
        env: { ...process.env, MP_FOO: 'bar' },
        execArgv: ['--max-old-space-size=64'],
        stdio: 'ignore',
      }),
    );
    await p.start();
    await p.join();
    expect(p.stdout).toBeNull();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      foo: 'bar',
      execArgv: ['--max-old-space-size=64'],
    });
  });
});

describe('memory isolation (seed 001)', () => {
  it("a child's change to a module variable does not reach the parent", async () => {
    const file = join(tempDir(), 'n.txt');
    const p = track(new Process({ target: zeroN, args: [file] }));
    await p.start();
    await p.join();
    expect(readFileSync(file, 'utf8')).toBe('0');
    expect(n).toBe(100);
  });
});
