import { afterEach, describe, expect, it } from 'vitest';
import { double } from './fixtures/tasks.mjs';
import { cleanup, pool, range } from './helpers.js';

afterEach(cleanup);

/** An endless input that counts what was read and runs its `finally` when closed. */
function counted() {
  const state = { read: 0, closed: false };
  const input = (function* () {
    try {
      for (;;) yield state.read++;
    } finally {
      state.closed = true;
    }
  })();
  return { state, input };
}

describe('imap window and iterator', () => {
  it.each([
    ['imap', true],
    ['imapUnordered', false],
  ] as const)('%s: the default window is counted in tasks, about 512 per worker', async (method) => {
    const p = pool({ processes: 2 });
    const { state, input } = counted();
    let yielded = 0;
    let most = 0;
    for await (const _ of p[method](double, input, { chunksize: 64 })) {
      most = Math.max(most, state.read - yielded);
      if (++yielded === 5000) break;
    }
    // 16 chunks of 64 (it was 256 chunks, 16k tasks); the input is read ahead, not item by item.
    expect(most).toBeLessThanOrEqual(2 * 512);
    expect(most).toBeGreaterThan(64);
    expect(state.closed).toBe(true);
  });

  it('an explicit buffersize still bounds the chunks out', async () => {
    const p = pool({ processes: 2 });
    const { state, input } = counted();
    let yielded = 0;
    let most = 0;
    for await (const v of p.imap(double, input, { chunksize: 3, buffersize: 5 })) {
      expect(v).toBe(yielded * 2);
      most = Math.max(most, state.read - yielded);
      if (++yielded === 200) break;
    }
    expect(most).toBeLessThanOrEqual(5 * 3);
  });

  it('next() calls made together settle in order; return() mid-chunk closes the input', async () => {
    const p = pool({ processes: 2 });
    const { state, input } = counted();
    const it = p.imap(double, input, { chunksize: 5 });
    const first = await Promise.all(range(10).map(() => it.next()));
    expect(first).toEqual(range(10).map((i) => ({ value: i * 2, done: false })));
    // Two chunks used up: next() waits for the third, and return() waits behind it, as with an async generator.
    const [next, ended] = await Promise.all([it.next(), it.return(undefined)]);
    expect(next).toEqual({ value: 20, done: false });
    expect(ended).toEqual({ value: undefined, done: true });
    expect(state.closed).toBe(true);
    expect(await it.next()).toEqual({ value: undefined, done: true });
    p.close();
    await p.join(); // the cancelled chunks left the pool
  });

  it('throw() ends the iteration with that error; asyncDispose ends it too', async () => {
    const p = pool({ processes: 2 });
    const a = counted();
    const it = p.imap(double, a.input, { chunksize: 4 });
    expect((await it.next()).value).toBe(0);
    await expect(it.throw(new Error('stop'))).rejects.toThrow('stop');
    expect(a.state.closed).toBe(true);
    expect(await it.next()).toEqual({ value: undefined, done: true });

    const b = counted();
    const it2 = p.imapUnordered(double, b.input, { chunksize: 4 });
    await it2.next();
    await it2[Symbol.asyncDispose]();
    expect(b.state.closed).toBe(true);
  });
});

describe("imap's default window", () => {
  it('holds about 512 tasks per worker, within its bounds', async () => {
    const { defaultBuffersize } = await import('../src/options.js');
    // 2 workers, the adaptive prefetch's largest window (64): the old cap, 2 * 2 * 64 chunks.
    expect(defaultBuffersize(2, 1, 64)).toBe(256); // chunks of 1: the cap (128 tasks per worker)
    expect(defaultBuffersize(2, 4, 64)).toBe(256); // 1024 tasks
    expect(defaultBuffersize(2, 64, 64)).toBe(16); // 1024 tasks
    expect(defaultBuffersize(2, 1000, 64)).toBe(8); // at least 4 chunks per worker
    expect(defaultBuffersize(2, 64, 1)).toBe(4); // a fixed prefetch of 1 caps it at 2 per worker
  });
});
