import { getContext, getStartMethod, Process, setStartMethod, stopSpares } from '@multiproc/process';
import { afterAll, describe, expect, it } from 'vitest';
import { exitWith } from './fixtures/tasks.mjs';
import { cleanup, track } from './helpers.js';

describe('start method contexts', () => {
  afterAll(async () => {
    stopSpares();
    await cleanup();
  });

  it('getContext() gives a Process class bound to that method, named Process-N', async () => {
    const ctx = getContext('spawn');
    expect(ctx.startMethod).toBe('spawn');
    const p = track(new ctx.Process({ target: exitWith, args: [4] }));
    expect(p).toBeInstanceOf(Process);
    expect(p.name).toMatch(/^Process-\d+$/);
    await p.start();
    await p.join();
    expect(p.exitCode).toBe(4);
    expect(getContext('spawn')).toBe(ctx);
  });

  it('rejects an unknown start method with ERR_INVALID_ARG', () => {
    expect(() => getContext('fork' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => new Process({ target: exitWith, startMethod: 'fork' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
  });

  it('setStartMethod() a second time with another method needs force, as in Python', () => {
    setStartMethod('spawn', { force: true });
    expect(() => setStartMethod('warm')).toThrow(/context has already been set/);
    expect(getStartMethod()).toBe('spawn');
  });
});
