import { RemoteError } from '@multiproc/pool';
import { afterEach, describe, expect, it } from 'vitest';
import { double, failAt6, failIf, pid, returnsFunction, throws } from './fixtures/tasks.mjs';
import { cleanup, collect, pool, range } from './helpers.js';

afterEach(cleanup);

describe('task errors', () => {
  it('reach the caller as RemoteError with the remote name, message, stack and code; the worker survives', async () => {
    const p = pool({ processes: 1 });
    const before = await p.apply(pid);
    const error = await p.apply(throws, ['it broke']).catch((e) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.message).toBe('it broke');
    expect(error.code).toBe('E_VALUE');
    expect(error.remote.name).toBe('ValueError');
    expect(error.stack).toContain('ValueError: it broke');
    expect(error.stack).toContain('tasks.mjs');
    expect(await p.apply(pid)).toBe(before);
  });

  it('applyAsync: errorCallback gets the error, get() rejects with it', async () => {
    const p = pool({ processes: 1 });
    const seen: unknown[] = [];
    const r = p.applyAsync(throws, ['nope'], { errorCallback: (e) => seen.push(e) });
    await expect(r.get()).rejects.toThrow('nope');
    expect(r.successful()).toBe(false);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(RemoteError);
  });

  it('map fails fast with the first error and cancels the rest of that map', async () => {
    const p = pool({ processes: 2 });
    const error = await p
      .starmap(
        failIf,
        range(300).map((i) => [i, 3]),
        { chunksize: 1 },
      )
      .catch((e) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.message).toBe('bad item 3');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(p.stats().completed).toBeLessThan(100); // the rest was cancelled, not run
    expect(await p.map(double, [1, 2])).toEqual([2, 4]); // the pool goes on
  });

  it.each([
    1, 3, 4,
  ])('imap (chunksize %i) yields the results before a failing item, then throws', async (chunksize) => {
    const p = pool({ processes: 2 });
    const seen: number[] = [];
    const error = await (async () => {
      for await (const v of p.imap(failAt6, range(20), { chunksize })) seen.push(v);
    })().catch((e) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.message).toBe('bad item 6');
    expect(seen).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it('a result that cannot be sent fails that task; the worker survives', async () => {
    const p = pool({ processes: 1 });
    const before = await p.apply(pid);
    const error = await p.apply(returnsFunction).catch((e) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.code).toBe('ERR_UNSERIALIZABLE');
    expect(await p.apply(pid)).toBe(before);
  });

  it('arguments that cannot be sent reject that task only', async () => {
    const p = pool({ processes: 1 });
    const error = await p.apply(double, [() => 1] as never).catch((e) => e);
    expect(error.code).toBe('ERR_UNSERIALIZABLE');
    expect(await p.apply(double, [3])).toBe(6);
  });

  it('imapUnordered throws the failing item error after the results it yielded', async () => {
    const p = pool({ processes: 2 });
    const seen: number[] = [];
    const error = await (async () => {
      for await (const v of p.imapUnordered(failAt6, range(20))) seen.push(v);
    })().catch((e) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(12);
    expect(await collect(p.imapUnordered(double, [1]))).toEqual([2]);
  });
});
