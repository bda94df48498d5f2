import {
  ConnectionClosedError,
  type ConnectionLike,
  InvalidArgumentError,
  MultiprocError,
  Pipe,
  PipeConnection,
  TimeoutError,
} from '@multiproc/pipe';
import { Client, type Connection, decodeValue, encodeValue, Listener } from '@multiproc/wire';
import { afterEach, describe, expect, it } from 'vitest';

const open: Array<{ close(): void }> = [];
function track<T extends { close(): void }>(...things: T[]): T[] {
  open.push(...things);
  return things;
}
afterEach(() => {
  for (const thing of open.splice(0)) thing.close();
});

describe('Pipe in one process (loopback through its own host)', () => {
  it('round-trips values and bytes both ways, in order', async () => {
    const [a, b] = track(...Pipe());
    a.send({ n: 1, big: 2n ** 70n, m: new Map([[1, 'a']]) });
    a.sendBytes(Buffer.from('abcdef'), 2, 3);
    a.sendBytes(new Uint8Array(0));
    a.send('last');
    expect(await b.recv({ timeout: 5000 })).toEqual({ n: 1, big: 2n ** 70n, m: new Map([[1, 'a']]) });
    expect((await b.recvBytes()).toString()).toBe('cde');
    expect((await b.recvBytes()).length).toBe(0);
    expect(await b.recv()).toBe('last');
    b.send('back');
    expect(await a.recv({ timeout: 5000 })).toBe('back');
    expect(a.readable && a.writable && b.readable && b.writable).toBe(true);
    expect(a).toBeInstanceOf(PipeConnection);
  });

  it('takes a snapshot at send time, before the ends have met', async () => {
    const [a, b] = track(...Pipe());
    const message = { i: 0 };
    const buf = Buffer.from('one');
    for (let i = 0; i < 3; i++) {
      message.i = i;
      a.send(message);
    }
    a.sendBytes(buf);
    buf.write('two');
    expect([await b.recv(), await b.recv(), await b.recv()]).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect((await b.recvBytes()).toString()).toBe('one');
  });

  it('throws at send for a value that cannot travel, and keeps working', async () => {
    const [a, b] = track(...Pipe());
    expect(() => a.send({ f: () => 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_UNSERIALIZABLE' }),
    );
    a.send('fine');
    expect(await b.recv({ timeout: 5000 })).toBe('fine');
    expect(() => a.send({ f: () => 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_UNSERIALIZABLE' }),
    );
    a.send('still fine');
    expect(await b.recv({ timeout: 5000 })).toBe('still fine');
  });

  it('polls: false while nothing is there, true for a message and at end of stream', async () => {
    const [a, b] = track(...Pipe());
    expect(await b.poll()).toBe(false);
    expect(await b.poll(30)).toBe(false);
    a.send(1);
    expect(await b.poll(5000)).toBe(true);
    expect(await b.recv()).toBe(1);
    a.close();
    expect(await b.poll(5000)).toBe(true);
    await expect(b.recv()).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('recv times out with TimeoutError and aborts with AbortError, before and after the ends meet', async () => {
    const [a, b] = track(...Pipe());
    await expect(b.recv({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const pending = b.recv({ signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    a.send('met');
    expect(await b.recv({ timeout: 5000 })).toBe('met');
    await expect(b.recv({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    await expect(b.recv({ timeout: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
  });

  it('delivers what was sent before close, then ends iteration', async () => {
    const [a, b] = track(...Pipe());
    for (let i = 0; i < 5; i++) a.send(i);
    a.close();
    a.close(); // idempotent
    expect(a.closed).toBe(true);
    const got: unknown[] = [];
    for await (const v of b) got.push(v);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('breaking out of for await loses nothing: a second loop goes on where the first stopped', async () => {
    const [a, b] = track(...Pipe());
    for (let i = 0; i < 100; i++) a.send(i);
    a.close();
    const first: unknown[] = [];
    for await (const v of b) {
      first.push(v);
      if (first.length === 10) break;
    }
    const rest: unknown[] = [];
    for await (const v of b) rest.push(v);
    expect(first).toEqual([...Array(10).keys()]);
    expect(rest).toEqual([...Array(90).keys()].map((i) => i + 10));
  });

  it('a closed end rejects with ConnectionClosedError', async () => {
    const [a, b] = track(...Pipe());
    a.send('x');
    expect(await b.recv({ timeout: 5000 })).toBe('x');
    b.close();
    expect(() => b.send(1)).toThrow(ConnectionClosedError);
    expect(() => b.sendBytes(Buffer.from('x'))).toThrow(ConnectionClosedError);
    await expect(b.recv()).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(b.poll()).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(a.recv({ timeout: 5000 })).rejects.toBeInstanceOf(ConnectionClosedError);

    const [c, d] = track(...Pipe());
    c.close(); // never used
    expect(() => c.send(1)).toThrow(ConnectionClosedError);
    await expect(d.recv({ timeout: 5000 })).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(() => d.send(1)).toThrow(ConnectionClosedError);
  });

  it('one-way pipes: [readEnd, writeEnd], and misuse is ERR_CONNECTION_MODE with Python messages', async () => {
    const [r, w] = track(...Pipe({ duplex: false }));
    expect([r.readable, r.writable, w.readable, w.writable]).toEqual([true, false, false, true]);
    expect(() => r.send(1)).toThrow(
      expect.objectContaining({ code: 'ERR_CONNECTION_MODE', message: 'connection is read-only' }),
    );
    expect(() => r.sendBytes(Buffer.from('x'))).toThrow(MultiprocError);
    await expect(w.recv()).rejects.toMatchObject({
      code: 'ERR_CONNECTION_MODE',
      message: 'connection is write-only',
    });
    await expect(w.recvBytes()).rejects.toMatchObject({ code: 'ERR_CONNECTION_MODE' });
    await expect(w.poll()).rejects.toMatchObject({ code: 'ERR_CONNECTION_MODE' });
    w.send('one way');
    expect(await r.recv({ timeout: 5000 })).toBe('one way');
    // Still misuse once the ends have met.
    expect(() => r.send(1)).toThrow(expect.objectContaining({ code: 'ERR_CONNECTION_MODE' }));
    await expect(w.recv()).rejects.toMatchObject({ code: 'ERR_CONNECTION_MODE' });
  });

  it('validates options and sendBytes arguments as Python does', () => {
    expect(() => Pipe({ maxFrameSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => Pipe({ duplex: 'no' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
    const [a] = track(...Pipe());
    const buf = Buffer.from('abc');
    expect(() => a.sendBytes(buf, -1)).toThrow('offset is negative');
    expect(() => a.sendBytes(buf, 4)).toThrow('buffer length < offset');
    expect(() => a.sendBytes(buf, 0, -1)).toThrow('size is negative');
    expect(() => a.sendBytes(buf, 1, 3)).toThrow('buffer length < offset + size');
  });

  it('maxFrameSize: a larger message throws at send', async () => {
    const [a, b] = track(...Pipe({ maxFrameSize: 1024 }));
    expect(() => a.send('x'.repeat(2000))).toThrow(InvalidArgumentError);
    expect(() => a.sendBytes(Buffer.alloc(1025))).toThrow(InvalidArgumentError);
    a.sendBytes(Buffer.alloc(1024));
    expect((await b.recvBytes({ timeout: 5000 })).length).toBe(1024);
  });

  it('passing an end moves it; a used or closed end cannot be passed', async () => {
    const [a, b] = track(...Pipe());
    const moved = track(decodeValue(encodeValue(b)) as PipeConnection)[0]!;
    expect(b.closed).toBe(true);
    expect(() => b.send(1)).toThrow(/passed to another process/);
    a.send('to the new holder');
    expect(await moved.recv({ timeout: 5000 })).toBe('to the new holder');
    expect(() => encodeValue(a)).toThrow(/already been used.*pass ends on before/);
    const [c] = track(...Pipe());
    c.close();
    expect(() => encodeValue(c)).toThrow(/closed pipe end/);
  });

  it('an end handed out twice is used by the first holder only; the second gets ERR_PIPE_END_IN_USE', async () => {
    const [a, b] = track(...Pipe());
    const bytes = encodeValue(b);
    expect(encodeValue(b).equals(bytes)).toBe(true); // the same handle when encoded again
    const [first, second] = track(decodeValue(bytes) as PipeConnection, decodeValue(bytes) as PipeConnection);
    first!.send('mine');
    expect(await a.recv({ timeout: 5000 })).toBe('mine');
    await expect(second!.recv({ timeout: 5000 })).rejects.toMatchObject({ code: 'ERR_PIPE_END_IN_USE' });
  });

  it('an end travels inside a message on another pipe', async () => {
    const [a, b] = track(...Pipe());
    const [c, d] = track(...Pipe<string>());
    a.send({ end: d });
    const { end } = (await b.recv({ timeout: 5000 })) as { end: PipeConnection<string> };
    track(end);
    c.send('through the passed end');
    expect(await end.recv({ timeout: 5000 })).toBe('through the passed end');
  });

  it('has the shape of wire Connection', async () => {
    const l = new Listener({ authkey: 'k' });
    await l.ready;
    const accepted = l.accept();
    const client = await Client(l.address, { authkey: 'k' });
    const server = await accepted;
    track<{ close(): void }>(l, client, server);
    const [a, b] = track(...Pipe());
    const echo = async (from: ConnectionLike, to: ConnectionLike) => {
      from.send('hi');
      return to.recv({ timeout: 5000 });
    };
    expect(await echo(a, b)).toBe('hi');
    expect(await echo(client as Connection, server)).toBe('hi');
  });
});
