import { JoinableQueue, MultiprocError } from '@multiproc/joinable-queue';
import { Queue } from '@multiproc/queue';
import { decodeValue, encodeValue } from '@multiproc/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { reapChildren, spawnFixture, within } from './helpers.js';

afterEach(reapChildren);

describe('JoinableQueue in its owner process', () => {
  it('join() resolves when every item put has been marked done', async () => {
    const q = new JoinableQueue<number>();
    expect(await q.join()).toBe(true); // nothing pending
    await q.put(1);
    await q.put(2);
    expect(await q.join({ timeout: 20 })).toBe(false);
    let joined = false;
    const join = q.join().then((v) => (joined = v));
    await q.get();
    q.taskDone();
    await q.get();
    expect(joined).toBe(false);
    q.taskDone();
    expect(await join).toBe(true);
  });

  it('taskDone() more times than items put throws ERR_TASK_DONE', async () => {
    const q = new JoinableQueue<number>();
    expect(() => q.taskDone()).toThrow(MultiprocError);
    await q.put(1);
    q.taskDone();
    expect(() => q.taskDone()).toThrow(
      expect.objectContaining({ code: 'ERR_TASK_DONE', message: 'task_done() called too many times' }),
    );
  });

  it("a batch of taskDone casts (one tick of a proxy's) is taken in one call, in order", async () => {
    const { JoinableState } = await import('@multiproc/joinable-queue');
    const state = new JoinableState<number>(0);
    for (let i = 0; i < 3; i++) await state.put(i);
    const ctx = { peer: {} as never };
    const taskDones = state.castsHandler('taskDone')!;
    expect(state.castsHandler('join')).toBeUndefined();
    taskDones([1, 1], ctx);
    expect(state.unfinished).toBe(1);
    expect(await state.join({ timeout: 20 })).toBe(false);
    taskDones([1], ctx);
    expect(state.unfinished).toBe(0);
    expect(await state.join({ timeout: 1000 })).toBe(true);
    expect(() => taskDones([1], ctx)).toThrow(expect.objectContaining({ code: 'ERR_TASK_DONE' }));
  });

  it('is a Queue, revives as itself, and stops a join on abort', async () => {
    const q = new JoinableQueue<number>({ maxsize: 1 });
    expect(q).toBeInstanceOf(Queue);
    expect(decodeValue(encodeValue(q))).toBe(q);
    await q.put(1);
    await expect(q.putNowait(2)).rejects.toMatchObject({ code: 'ERR_QUEUE_FULL' });
    await expect(q.join({ signal: AbortSignal.timeout(20) })).rejects.toMatchObject({ code: 'ABORT_ERR' });
  });
});

describe('JoinableQueue across processes', () => {
  it('seed 004: daemon-like consumers and q.join() eat all nine, every time', async () => {
    const q = new JoinableQueue<string>();
    const eaten = new Queue<string>();
    const consumers = ['Consumer_01', 'Consumer_02'].map((name) =>
      spawnFixture('scenario', ['consumer', q, eaten, name]),
    );
    const producers = [
      ['包子', 'worker_01'],
      ['水饺', 'worker_02'],
      ['馒头', 'worker_03'],
    ].map(([food, name]) => spawnFixture('scenario', ['producer', q, food, name]));
    // p1.join(); p2.join(); p3.join(): the producers have exited...
    const codes = await within(Promise.all(producers.map((p) => p.exited)), 20_000, 'producers exit');
    expect(codes.map((c) => c.code)).toEqual([0, 0, 0]);
    // ...then q.join() returns once each of their items has been marked done.
    expect(await q.join({ timeout: 20_000 })).toBe(true);
    console.log('主...');
    // Each consumer recorded its item before calling taskDone(), so all nine are here.
    expect(await eaten.qsize()).toBe(9);
    // The consumers are still blocked in get(): daemons, ended by the test (afterEach).
    for (const c of consumers) expect(c.process.exitCode).toBe(null);
  }, 40_000);

  it('join() counts every put that resolved in a producer, even one that exited just after', async () => {
    const q = new JoinableQueue<number>();
    const producer = spawnFixture('scenario', ['burst', q, 2000]);
    await producer.next();
    expect(await q.get()).toBe(-1);
    q.taskDone();
    producer.send('go');
    // Blocked while the producer puts, says "done" over IPC (which overtakes its
    // puts) and exits: here its data, its message and its exit are all pending.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    expect(await producer.next()).toEqual({ done: true });
    // Its puts may be unread yet; join() must not take "no count yet" for "done".
    expect(await q.join({ timeout: 200 })).toBe(false);
    expect(await q.qsize()).toBe(2000);
    await within(producer.exited, 10_000, 'producer exit');
  });

  it('join() waits across processes, from the owner and from a proxy', async () => {
    const q = new JoinableQueue<string>();
    await q.put('a');
    await q.put('b');
    const joiner = spawnFixture('scenario', ['joiner', q]);
    expect(await joiner.next()).toEqual({ joining: true });
    expect(await q.get()).toBe('a');
    q.taskDone();
    expect(await q.get()).toBe('b');
    q.taskDone();
    expect(await joiner.next()).toEqual({ joined: true });
    expect(await q.join()).toBe(true);
  });

  it('taskDone() through a proxy counts only the items it took', async () => {
    const q = new JoinableQueue<string>();
    await q.put('x');
    const child = spawnFixture('scenario', ['tooMany', q]);
    const out = await child.next<any>();
    expect(out.before).toMatchObject({ code: 'ERR_TASK_DONE', message: 'task_done() called too many times' });
    expect(out.item).toBe('x');
    expect(out.after.code).toBe('ERR_TASK_DONE');
    expect(out.timedOut).toBe(true); // its one item was done
    expect(await q.join({ timeout: 10_000 })).toBe(true);
  });
});
