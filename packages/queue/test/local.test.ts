import {
  EncodeError,
  MultiprocError,
  Queue,
  QueueClosedError,
  QueueEmptyError,
  QueueFullError,
  SimpleQueue,
} from '@multiproc/queue';
import { decodeValue, encodeValue } from '@multiproc/wire';
import { describe, expect, it } from 'vitest';

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );

describe('Queue in its owner process', () => {
  it('is FIFO and counts exactly', async () => {
    const q = new Queue<number>();
    for (let i = 0; i < 5; i++) await q.put(i);
    expect(await q.qsize()).toBe(5);
    expect(await q.empty()).toBe(false);
    expect(await q.full()).toBe(false);
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await q.get());
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(await q.empty()).toBe(true);
  });

  it('hands an item to a waiting get', async () => {
    const q = new Queue<string>();
    const pending = q.get();
    await q.put('x');
    expect(await pending).toBe('x');
  });

  it('rejects nowait calls and timeouts with the queue errors', async () => {
    const q = new Queue<number>({ maxsize: 1 });
    expect(await code(q.getNowait())).toBe('ERR_QUEUE_EMPTY');
    await expect(q.get({ timeout: 20 })).rejects.toBeInstanceOf(QueueEmptyError);
    await q.putNowait(1);
    expect(await q.full()).toBe(true);
    await expect(q.putNowait(2)).rejects.toBeInstanceOf(QueueFullError);
    await expect(q.put(2, { timeout: 20 })).rejects.toBeInstanceOf(QueueFullError);
    expect(await q.getNowait()).toBe(1);
  });

  it('lets a waiting put in when room is made', async () => {
    const q = new Queue<number>({ maxsize: 2 });
    await q.put(1);
    await q.put(2);
    let done = false;
    const third = q.put(3).then(() => (done = true));
    expect(await q.qsize()).toBe(2);
    expect(done).toBe(false);
    expect(await q.get()).toBe(1);
    await third;
    expect([await q.get(), await q.get()]).toEqual([2, 3]);
  });

  it('validates arguments', async () => {
    expect(() => new Queue({ maxsize: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(new Queue({ maxsize: -3 }).maxsize).toBe(0);
    const q = new Queue();
    expect(await code(q.get({ timeout: -1 }))).toBe('ERR_INVALID_ARG');
    expect(await code(q.put(1, { timeout: Number.NaN }))).toBe('ERR_INVALID_ARG');
  });

  it('cancels a waiting get with an AbortSignal, losing nothing', async () => {
    const q = new Queue<string>();
    const ac = new AbortController();
    const pending = q.get({ signal: ac.signal });
    ac.abort();
    expect(await code(pending)).toBe('ABORT_ERR');
    await q.put('kept');
    expect(await q.get()).toBe('kept');
    // Aborted in the same tick the item was handed over: it goes to the next get.
    const ac2 = new AbortController();
    const raced = q.get({ signal: ac2.signal });
    const put = q.put('raced');
    ac2.abort();
    await put;
    expect(await code(raced)).toBe('ABORT_ERR');
    expect(await q.getNowait()).toBe('raced');
    expect(await code(q.get({ signal: AbortSignal.abort() }))).toBe('ABORT_ERR');
  });

  it('fails a value that cannot be encoded in the put itself', async () => {
    const q = new Queue<unknown>();
    await expect(q.put(() => 1)).rejects.toBeInstanceOf(EncodeError);
    await expect(q.put({ nested: [{ f: Symbol('x') }] })).rejects.toBeInstanceOf(EncodeError);
    await expect(q.putNowait({ f() {} })).rejects.toMatchObject({ code: 'ERR_UNSERIALIZABLE' });
    await q.put({ fine: [1, 'two', new Map([[3, 4]])] });
    expect(await q.qsize()).toBe(1);
  });

  it('close() drains, then ends gets and iteration for everyone', async () => {
    const q = new Queue<number>();
    const waiting = q.get();
    q.close();
    expect(await code(waiting)).toBe('ERR_QUEUE_CLOSED');
    const r = new Queue<number>();
    await r.put(1);
    await r.put(2);
    r.close();
    r.close();
    await expect(r.put(3)).rejects.toBeInstanceOf(QueueClosedError);
    const seen = [];
    for await (const item of r) seen.push(item);
    expect(seen).toEqual([1, 2]);
    await expect(r.get()).rejects.toBeInstanceOf(QueueClosedError);
    expect(await code(r.getNowait())).toBe('ERR_QUEUE_CLOSED');
  });

  it('closes on asyncDispose', async () => {
    const q = new Queue<number>();
    await q[Symbol.asyncDispose]();
    await expect(q.put(1)).rejects.toBeInstanceOf(MultiprocError);
  });

  it('revives its own handle as the same object', () => {
    const q = new Queue<number>({ maxsize: 3 });
    expect(decodeValue(encodeValue(q))).toBe(q);
    const s = new SimpleQueue();
    expect(decodeValue(encodeValue({ s }))).toEqual({ s });
    expect((decodeValue(encodeValue(s)) as SimpleQueue) === s).toBe(true);
  });
});

describe('SimpleQueue', () => {
  it('has put, get, empty and close', async () => {
    const q = new SimpleQueue<string>();
    expect(await q.empty()).toBe(true);
    await q.put('a');
    expect(await q.empty()).toBe(false);
    expect(await q.get()).toBe('a');
    await expect(q.put(Symbol('x') as unknown as string)).rejects.toBeInstanceOf(EncodeError);
    q.close();
    await expect(q.put('b')).rejects.toBeInstanceOf(QueueClosedError);
    expect(Object.keys(Object.getOwnPropertyDescriptors(SimpleQueue.prototype)).sort()).toEqual(
      ['close', 'constructor', 'empty', 'get', 'put'].sort(),
    );
  });
});
