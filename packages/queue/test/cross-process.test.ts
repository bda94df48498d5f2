import { Queue, SimpleQueue } from '@multiproc/queue';
import { decodeValue } from '@multiproc/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { reapChildren, spawnFixture, within } from './helpers.js';

afterEach(reapChildren);

type Item = { p: string; i: number };

describe('Queue across processes', () => {
  it('large Buffer items arrive intact and in order (outgoing buffers are reused once written)', async () => {
    // ~50 MB through the owner: the producer's batches and the owner's replies are written from
    // buffers that go back for reuse after each write; any early reuse would corrupt items.
    const q = new Queue<Buffer | null>();
    const count = 800;
    const bytes = 64 * 1024;
    const consumer = spawnFixture('consume', [q, { name: 'c', bytes }]);
    const producer = spawnFixture('produce', [q, { name: 'p', count, bytes, sentinels: 1 }]);
    await producer.next(60_000);
    expect(await consumer.next(60_000)).toEqual({ name: 'c', n: count, bad: 0 });
  }, 90_000);

  it('3 producers x 2 consumers: every id exactly once, each producer in order', async () => {
    const q = new Queue<Item | null>();
    const perProducer = 33_334;
    const names = ['p0', 'p1', 'p2'];
    const consumers = ['c0', 'c1'].map((name) => spawnFixture('consume', [q, { name }]));
    const producers = names.map((name) => spawnFixture('produce', [q, { name, count: perProducer }]));
    for (const p of producers) await p.next(60_000);
    // Every item is in the queue before the sentinels (each producer flushed with a round trip).
    await q.put(null);
    await q.put(null);
    const results = await Promise.all(consumers.map((c) => c.next<{ items: Item[] }>(60_000)));
    const seen = new Map(names.map((n) => [n, new Set<number>()]));
    for (const { items } of results) {
      const last = new Map<string, number>();
      for (const { p, i } of items) {
        // Per producer, each consumer sees increasing ids.
        expect(i).toBeGreaterThan(last.get(p) ?? -1);
        last.set(p, i);
        expect(seen.get(p)!.has(i)).toBe(false);
        seen.get(p)!.add(i);
      }
    }
    for (const n of names) expect(seen.get(n)!.size).toBe(perProducer);
    expect(await q.qsize()).toBe(0);
  }, 90_000);

  it('a bounded put waits while full and resumes when an item is taken', async () => {
    const q = new Queue<number>({ maxsize: 2 });
    const child = spawnFixture('scenario', ['boundedProducer', q, 4]);
    const log: unknown[] = [];
    while (!log.some((m: any) => m.calling === 2)) log.push(await child.next());
    // The third put is waiting (or on its way): the queue stays full, with the first two items.
    expect(await q.full()).toBe(true);
    expect(await q.qsize()).toBe(2);
    expect(log).not.toContainEqual({ resolved: 2 });
    expect(await q.get()).toBe(0);
    while (!log.some((m: any) => m.resolved === 2)) log.push(await child.next());
    const got = [await q.get(), await q.get(), await q.get()];
    expect(got).toEqual([1, 2, 3]);
    await within(child.exited, 10_000, 'producer exit');
  });

  it('reports full and empty from a proxy as errors, timeouts included', async () => {
    const q = new Queue<string>({ maxsize: 1 });
    await q.put('only');
    const child = spawnFixture('scenario', ['boundedErrors', q]);
    const out = await child.next<any>();
    expect(out.putNowait.error.code).toBe('ERR_QUEUE_FULL');
    expect(out.putTimeout.error).toMatchObject({ name: 'QueueFullError', code: 'ERR_QUEUE_FULL' });
    expect(out.full).toBe(true);
    expect(out.first).toEqual({ ok: 'only' });
    expect(out.getNowait.error).toMatchObject({ name: 'QueueEmptyError', code: 'ERR_QUEUE_EMPTY' });
    expect(out.getTimeout.error.code).toBe('ERR_QUEUE_EMPTY');
    expect(out.badTimeout.error.code).toBe('ERR_INVALID_ARG');
    // The timed-out put never went in.
    expect(await q.qsize()).toBe(0);
  });

  it('an AbortSignal cancels a waiting get without losing an item', async () => {
    const q = new Queue<number>();
    const rounds = 300;
    const child = spawnFixture('scenario', ['abortGets', q, rounds]);
    const first = await child.next<any>();
    expect(first.aborted.error.code).toBe('ABORT_ERR');
    await q.put(-1);
    expect(await child.next()).toEqual({ phase: 'racing' });
    // Items arrive while the child starts and aborts gets.
    for (let i = 0; i < rounds; i++) {
      await q.put(i);
      if (i % 2 === 0) await new Promise((r) => setTimeout(r, i % 3));
    }
    child.send('all put');
    const { got, aborts } = await child.next<{ got: number[]; aborts: number }>();
    expect(aborts).toBeGreaterThan(0);
    expect(got).toEqual([-1, ...Array.from({ length: rounds }, (_, i) => i)]);
    expect(await q.qsize()).toBe(0);
  });

  it('an item already handed to an aborted get is kept for the next get', async () => {
    // This process is the consumer; the owner is a child. While this process
    // is blocked, the owner hands the item over, so the abort below always
    // comes after the hand-over, whichever order the two then meet in.
    const owner = spawnFixture('scenario', ['ownerOnCommand']);
    const { handle } = await owner.next<{ handle: string }>();
    const q = decodeValue(Buffer.from(handle, 'base64')) as Queue<number>;
    for (let round = 0; round < 5; round++) {
      const ac = new AbortController();
      const pending = q.get({ signal: ac.signal });
      await q.qsize(); // the get is waiting at the owner
      owner.send(round);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      ac.abort();
      await expect(pending).rejects.toMatchObject({ code: 'ABORT_ERR' });
      expect(await q.get({ timeout: 10_000 })).toBe(round);
      await owner.next();
    }
    expect(await q.qsize()).toBe(0);
    owner.send('exit');
  });

  it("the owner's close() ends a consumer's iteration after the last item; its puts then fail", async () => {
    const q = new Queue<string>();
    const child = spawnFixture('scenario', ['drainClosed', q]);
    for (const s of ['a', 'b', 'c']) await q.put(s);
    q.close();
    const out = await child.next<any>();
    expect(out.items).toEqual(['a', 'b', 'c']);
    expect(out.put.error).toMatchObject({ name: 'QueueClosedError', code: 'ERR_QUEUE_CLOSED' });
    expect(out.get.error.code).toBe('ERR_QUEUE_CLOSED');
  });

  it('close() on a proxy stops puts through that handle only', async () => {
    const q = new Queue<string>();
    const child = spawnFixture('scenario', ['closeProxy', q]);
    expect(await q.get({ timeout: 10_000 })).toBe('before');
    await q.put('owner still puts');
    const out = await child.next<any>();
    expect(out.put.error.code).toBe('ERR_QUEUE_CLOSED');
    expect(out.got).toBe('owner still puts');
  });

  it('a value that cannot be encoded fails in the put that was given it', async () => {
    const q = new Queue<unknown>();
    const child = spawnFixture('scenario', ['unencodable', q]);
    const out = await child.next<any>();
    expect(out.fn.error).toMatchObject({ name: 'EncodeError', code: 'ERR_UNSERIALIZABLE' });
    expect(out.sym.error.code).toBe('ERR_UNSERIALIZABLE');
    expect(await q.get({ timeout: 10_000 })).toEqual({ ok: 1 });
    expect(await q.qsize()).toBe(0);
  });

  it('queue handles travel inside items, both ways', async () => {
    const inbox = new Queue<unknown>();
    const reply = new Queue<any>();
    const child = spawnFixture('scenario', ['handleInItem', inbox]);
    await inbox.put({ reply, n: 3 });
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await reply.get({ timeout: 10_000 }));
    expect(got).toEqual([0, 10, 20]);
    // A queue the child owns, reached through the child's host.
    const { mine, simple } = await reply.get({ timeout: 10_000 });
    expect(mine).toBeInstanceOf(Queue);
    expect(simple).toBeInstanceOf(SimpleQueue);
    expect(await mine.get({ timeout: 10_000 })).toBe('from the child');
    expect(await simple.get({ timeout: 10_000 })).toBe('simple from the child');
    expect(await mine.qsize()).toBe(0);
    await inbox.put('bye');
    await within(child.exited, 10_000, 'child exit');
  });
});
