import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Process } from '@multiproc/process';
import { afterEach, describe, expect, it } from 'vitest';
import { startChild, startChildUncaught, writeInfo } from './fixtures/tasks.mjs';
import { cleanup, collect, isGone, own, runScript, tempDir, track, waitFor } from './helpers.js';

afterEach(cleanup);

describe('daemons and a SIGKILLed parent', () => {
  for (const mode of ['sleep', 'spin'] as const) {
    it(`a ${mode === 'spin' ? 'CPU-spinning' : 'sleeping'} daemon dies with its SIGKILLed parent; a non-daemon survives`, async () => {
      const parent = runScript(['parent-orphans.mjs', mode]);
      const pids = await parent.firstJson();
      const daemon = own(pids.daemon as number);
      const survivor = own(pids.survivor as number);
      expect(isGone(daemon)).toBe(false);
      parent.child.kill('SIGKILL');
      await parent.exited;
      expect(await waitFor(() => isGone(daemon), 10_000)).toBe(true);
      expect(isGone(survivor)).toBe(false); // an orphan, as in Python
      process.kill(survivor, 'SIGKILL');
      expect(await waitFor(() => isGone(survivor), 10_000)).toBe(true);
    });
  }
});

describe('daemons at a normal parent exit', () => {
  it('the main code ends: daemons are terminated, non-daemons waited for (seed 004-B)', async () => {
    const parent = runScript(['parent-exit.mjs', 'return']);
    const pids = await parent.firstJson();
    own(pids.daemon as number);
    own(pids.normal as number);
    const { code, stdout } = await parent.done;
    expect(code).toBe(0);
    // The parent waited for the non-daemon: its line came before the parent ended.
    expect(stdout.trim().split('\n').slice(1)).toEqual(['main code finished', 'normal child end']);
    expect(await waitFor(() => isGone(pids.daemon as number))).toBe(true);
    expect(isGone(pids.normal as number)).toBe(true);
  });

  for (const mode of ['throw', 'exit'] as const) {
    it(`the parent ${mode === 'throw' ? 'throws' : 'calls process.exit(3)'}: daemons are terminated`, async () => {
      const parent = runScript(['parent-exit.mjs', mode]);
      const pids = await parent.firstJson();
      own(pids.daemon as number);
      own(pids.normal as number);
      const { code, stderr } = await parent.done;
      expect(code).toBe(mode === 'throw' ? 1 : 3);
      if (mode === 'throw') expect(stderr).toContain('main failed');
      expect(await waitFor(() => isGone(pids.daemon as number))).toBe(true);
    });
  }

  it('joined daemons are waited for (seed 000-A): a pending join keeps the parent alive', async () => {
    const { code, stdout, stderr } = await runScript(['parent-join.mjs']).done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('p1 end');
    expect(lines.slice(1, 3).sort()).toEqual(['p2 end', 'p3 end']);
    expect(lines[3]).toBe('joined 0 0 0');
  });
});

describe('daemons cannot have children', () => {
  it('start() in a daemon is a ProcessStateError', async () => {
    const file = join(tempDir(), 'out.json');
    const p = track(new Process({ target: startChild, args: [file], daemon: true }));
    await p.start();
    await p.join();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      error: 'daemonic processes are not allowed to have children',
      code: 'ERR_PROCESS_STATE',
    });
  });

  it('uncaught, it gives exit code 1 and `Process <name>:` on stderr (seed 004-A)', async () => {
    const p = track(new Process({ target: startChildUncaught, daemon: true, stdio: 'pipe' }));
    await p.start();
    const [stderr] = await Promise.all([collect(p.stderr), p.join()]);
    expect(p.exitCode).toBe(1);
    expect(stderr).toContain(
      `Process ${p.name}:\nProcessStateError: daemonic processes are not allowed to have children`,
    );
  });
});

describe('nested processes', () => {
  it('a child of Process-N is Process-N:1, and knows its parent', async () => {
    const file = join(tempDir(), 'info.json');
    const p = track(new Process({ target: startChild, args: [file] }));
    await p.start();
    await p.join();
    expect(p.exitCode).toBe(0);
    const info = JSON.parse(readFileSync(file, 'utf8'));
    expect(info).toMatchObject({ name: `${p.name}:1`, daemon: false, parent: p.name, ppid: p.pid });
    expect(isGone(info.pid)).toBe(true);
  });

  it('names nest with explicit names too: the identity counts, not the name', async () => {
    const file = join(tempDir(), 'info.json');
    const p = track(new Process({ target: startChild, args: [file], name: 'outer' }));
    await p.start();
    await p.join();
    const info = JSON.parse(readFileSync(file, 'utf8'));
    expect(info.name).toMatch(/^Process-\d+:1$/);
    expect(info.parent).toBe('outer');
  });
});

it('writeInfo is importable (fixture sanity)', () => {
  expect(typeof writeInfo).toBe('function');
});
