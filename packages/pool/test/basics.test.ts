import {
  AsyncResult,
  InvalidArgumentError,
  MultiprocError,
  Pool,
  ProcessStateError,
  TimeoutError,
} from '@multiproc/pool';
import { afterEach, describe, expect, it } from 'vitest';
import { add, asyncSquare, double, pid, sleepy, whoAmI } from './fixtures/tasks.mjs';
import { cleanup, collect, pool, range, slowly } from './helpers.js';

afterEach(cleanup);

describe('seed 003: apply, applyAsync + get, map', () => {
  it('apply blocks and returns the result', async () => {
    const p = pool({ processes: 2 });
    expect(await p.apply(double, [21])).toBe(42);
    expect(await p.apply(add, [1, 2])).toBe(3);
    expect(await p.apply(asyncSquare, [5])).toBe(25);
  });

  it('applyAsync returns an AsyncResult; get() gives the value', async () => {
    const p = pool({ processes: 2 });
    const results = range(10).map((i) => p.applyAsync(double, [i]));
    expect(results[0]).toBeInstanceOf(AsyncResult);
    expect(await Promise.all(results.map((r) => r.get()))).toEqual(range(10).map((i) => i * 2));
    expect(results.every((r) => r.ready() && r.successful())).toBe(true);
  });

  it('map returns ordered results', async () => {
    const p = pool({ processes: 3 });
    expect(await p.map(double, range(20))).toEqual(range(20).map((i) => i * 2));
  });
});

describe('map, starmap and imap', () => {
  it.each([1, 2, 3, 7, 50, undefined])('map keeps input order with chunksize %s', async (chunksize) => {
    const p = pool({ processes: 3 });
    expect(await p.map(asyncSquare, range(37), { chunksize })).toEqual(range(37).map((i) => i * i));
  });

  it('map accepts any iterable, async ones too, and [] for empty input', async () => {
    const p = pool({ processes: 2 });
    expect(await p.map(double, new Set([1, 2, 3]))).toEqual([2, 4, 6]);
    expect(await p.map(double, slowly([4, 5]))).toEqual([8, 10]);
    expect(await p.map(double, [])).toEqual([]);
  });

  it('starmap spreads each args array', async () => {
    const p = pool({ processes: 2 });
    expect(
      await p.starmap(add, [
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    ).toEqual([3, 7, 11]);
    expect(
      await p.starmap(
        add,
        [
          [1, 2],
          [3, 4],
        ],
        { chunksize: 1 },
      ),
    ).toEqual([3, 7]);
  });

  it.each([1, 2, 5, 40])('imap yields in order with chunksize %i', async (chunksize) => {
    const p = pool({ processes: 3 });
    expect(await collect(p.imap(asyncSquare, range(30), { chunksize }))).toEqual(range(30).map((i) => i * i));
  });

  it('imapUnordered yields every result exactly once', async () => {
    const p = pool({ processes: 3 });
    const out = await collect(
      p.imapUnordered(
        sleepy,
        range(24).map((i) => (i % 5) * 3),
        { chunksize: 1 },
      ),
    );
    expect(out).toHaveLength(24);
    const unordered = await collect(p.imapUnordered(double, range(50), { chunksize: 4 }));
    expect([...unordered].sort((a, b) => a - b)).toEqual(range(50).map((i) => i * 2));
  });

  it('imap reads its input lazily with a bounded window', async () => {
    const p = pool({ processes: 2 });
    let read = 0;
    const input = (function* () {
      for (let i = 0; i < 1000; i++) {
        read = i + 1;
        yield i;
      }
    })();
    const it = p.imap(double, input, { buffersize: 4 });
    expect(read).toBe(0); // nothing is read before iteration starts
    const first = await it.next();
    expect(first.value).toBe(0);
    expect(read).toBeLessThanOrEqual(5);
    let n = 1;
    for await (const v of it) {
      expect(v).toBe(n * 2);
      if (++n === 10) break;
    }
    expect(read).toBeLessThan(20);
  });

  it('breaking out of imap cancels the rest; aborting its signal throws AbortError', async () => {
    const p = pool({ processes: 2 });
    let n = 0;
    for await (const v of p.imap(
      sleepy,
      range(1000).map(() => 20),
      { chunksize: 1 },
    )) {
      expect(typeof v).toBe('number');
      if (++n === 3) break;
    }
    p.close();
    await p.join(); // only what was in flight finishes
    expect(p.stats().completed).toBeLessThan(100);

    const q = pool({ processes: 2 });
    const controller = new AbortController();
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const v of q.imap(
        sleepy,
        range(1000).map(() => 20),
        { signal: controller.signal },
      )) {
        seen.push(v);
        if (seen.length === 2) controller.abort();
      }
    })().catch((e) => e);
    expect(error.name).toBe('AbortError');
    expect(seen).toHaveLength(2);
  });

  it('imap over an async iterable', async () => {
    const p = pool({ processes: 2 });
    expect(await collect(p.imap(double, slowly(range(10)), { chunksize: 3 }))).toEqual(
      range(10).map((i) => i * 2),
    );
  });

  it('imap yields the items before an input error, then throws it', async () => {
    const p = pool({ processes: 2 });
    const input = (function* () {
      yield 1;
      yield 2;
      throw new Error('input broke');
    })();
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of p.imap(double, input)) seen.push(v);
      })(),
    ).rejects.toThrow('input broke');
    expect(seen).toEqual([2, 4]);
  });
});

describe('AsyncResult', () => {
  it('get({ timeout }) rejects with TimeoutError while the task goes on', async () => {
    const p = pool({ processes: 1 });
    const r = p.applyAsync(sleepy, [400, 'late']);
    expect(r.ready()).toBe(false);
    expect(() => r.successful()).toThrow(MultiprocError);
    const error = await r.get({ timeout: 10 }).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.code).toBe('ERR_TIMEOUT');
    expect(await r.wait({ timeout: 5 })).toBe(false);
    expect(await r.wait()).toBe(true);
    expect(await r.get()).toBe('late');
    expect(r.successful()).toBe(true);
  });

  it('callback runs before get() resolves; errorCallback gets the error', async () => {
    const p = pool({ processes: 1 });
    const seen: unknown[] = [];
    const r = p.applyAsync(double, [4], { callback: (v) => seen.push(v) });
    expect(await r.get()).toBe(8);
    expect(seen).toEqual([8]);
    const m = p.mapAsync(double, [1, 2], { callback: (v) => seen.push(v) });
    expect(await m.get()).toEqual([2, 4]);
    expect(seen).toEqual([8, [2, 4]]);
  });

  it("a callback that throws surfaces as the pool's 'error' event and the pool goes on", async () => {
    const p = pool({ processes: 1 });
    const errors: unknown[] = [];
    p.on('error', (e) => errors.push(e));
    const r = p.applyAsync(double, [1], {
      callback: () => {
        throw new Error('callback broke');
      },
    });
    expect(await r.get()).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('callback broke');
    expect(await p.apply(double, [5])).toBe(10);
  });
});

describe('options and lifecycle errors', () => {
  it('rejects bad options with ERR_INVALID_ARG', async () => {
    expect(() => new Pool({ processes: 0 })).toThrow('Number of processes must be at least 1');
    expect(() => new Pool({ processes: -1 })).toThrow(InvalidArgumentError);
    expect(() => new Pool({ maxTasksPerChild: 0 })).toThrow(InvalidArgumentError);
    expect(() => new Pool({ maxTasksPerChild: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => new Pool({ initializer: 1 as never })).toThrow(InvalidArgumentError);
    const p = pool({ processes: 1 });
    const error = await p.map(double, [1], { chunksize: 0 }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.code).toBe('ERR_INVALID_ARG');
    expect(error.message).toBe('Chunksize must be 1+, not 0');
    expect(() => p.imap(double, [1], { chunksize: -1 })).toThrow('Chunksize must be 1+, not -1');
    expect(() => p.applyAsync(double, [1], { timeout: -1 })).toThrow(InvalidArgumentError);
  });

  it('defaults processes to cpuCount() and names workers PoolWorker-N', async () => {
    const p = pool();
    expect(p.processes).toBeGreaterThanOrEqual(1);
    const me = await p.apply(whoAmI);
    expect(me.name).toMatch(/^PoolWorker-\d+$/);
    expect(String(p)).toBe(`<Pool state=RUN pool_size=${p.processes}>`);
  });

  it('join() while running is a ProcessStateError; submitting after close() is too', async () => {
    const p = pool({ processes: 1 });
    await expect(p.join()).rejects.toThrow(ProcessStateError);
    await expect(p.join()).rejects.toThrow('Pool is still running');
    const r = p.applyAsync(double, [2]);
    p.close();
    p.close(); // idempotent
    expect(() => p.applyAsync(double, [1])).toThrow('Pool not running');
    await expect(p.map(double, [1])).rejects.toThrow(ProcessStateError);
    await p.join();
    expect(await r.get()).toBe(4);
  });

  it('a function that is not a task is a TaskReferenceError', async () => {
    const p = pool({ processes: 1 });
    const error = await p.apply((() => 1) as never).catch((e) => e);
    expect(error.code).toBe('ERR_TASK_REFERENCE');
    expect(error.message).toMatch(/task\(import\.meta\.url/);
  });

  it('{ module, name } references work as targets', async () => {
    const p = pool({ processes: 1 });
    const module = new URL('./fixtures/tasks.mjs', import.meta.url);
    expect(await p.apply({ module, name: 'double' }, [4])).toBe(8);
  });

  it('stats() counts tasks and reports latency percentiles', async () => {
    const p = pool({ processes: 2 });
    await p.map(double, range(10), { chunksize: 1 });
    await p.apply(pid);
    const s = p.stats();
    expect(s.workers).toBe(2);
    expect(s.completed).toBe(11);
    expect(s.failed).toBe(0);
    expect(s.queued).toBe(0);
    expect(s.running).toBe(0);
    expect(s.runTime.p50).toBeGreaterThanOrEqual(0);
    expect(s.runTime.p99).toBeGreaterThanOrEqual(s.runTime.p50);
    expect(s.waitTime.p90).toBeGreaterThanOrEqual(s.waitTime.p50);
  });
});
