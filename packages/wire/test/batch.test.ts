import type net from 'node:net';
import { Connection, Decoder, EncodeError, Encoder, removePrivateDir } from '@multiproc/wire';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAll, socketPair, track } from './helpers.js';

// The private socket dir is removed at process exit, which a vitest worker may never reach.
afterAll(removePrivateDir);
afterEach(closeAll);

/** Messages of several shapes: records defined and reused inside one batch, a cycle, bytes, big values. */
function messages(): unknown[] {
  const cyclic: Record<string, unknown> = { name: 'cycle' };
  cyclic.self = cyclic;
  const out: unknown[] = [];
  for (let i = 0; i < 30; i++) {
    out.push(i, { i, s: 'x' }, [i, `s${i}`], { other: i, list: [{ i }] });
  }
  out.push(cyclic, new Map([[1, { i: 1, s: 'y' }]]), Buffer.alloc(3000, 7), 2n ** 80n, 'x'.repeat(100));
  return out;
}

/** Every byte `sender` writes in one tick of sends, as it reaches the other end of the socket. */
async function wireBytes(send: (c: Connection) => void): Promise<Buffer> {
  const [a, b] = await socketPair();
  const sender = track(new Connection(a));
  const chunks: Buffer[] = [];
  b.on('data', (chunk: Buffer) => chunks.push(chunk));
  send(sender);
  sender.close();
  await new Promise((resolve) => b.once('end', resolve));
  return Buffer.concat(chunks);
}

/** Writes `bytes` to a fresh receiving Connection in the given pieces, one write per turn of the event loop. */
async function receiveSplit(bytes: Buffer, cuts: number[]): Promise<Connection> {
  const [a, b] = await socketPair();
  const receiver = track(new Connection(b));
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  let start = 0;
  for (const p of [...points, bytes.length]) {
    if (p > start) await write(a, bytes.subarray(start, p));
    start = p;
  }
  a.end();
  return receiver;
}

function write(socket: net.Socket, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => socket.write(chunk, () => setImmediate(resolve)));
}

async function drainAll(receiver: Connection): Promise<unknown[]> {
  const got: unknown[] = [];
  for await (const m of receiver) got.push(m);
  return got;
}

describe('batch frames', () => {
  it('the messages of one tick share batch frames and arrive intact and in order for any split', async () => {
    const sent = messages();
    const bytes = await wireBytes((c) => {
      for (const m of sent) c.send(m);
    });
    // The first frame is a batch (both header bits set), and far fewer frames than messages were written.
    expect(bytes[0]! >>> 6).toBe(3);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), async (cuts) => {
        const got = await drainAll(await receiveSplit(bytes, cuts));
        expect(got).toEqual(sent);
      }),
      { numRuns: 15 },
    );
  });

  it('a batch cut at every byte boundary still decodes', async () => {
    const sent = [1, { i: 1, s: 'x' }, { i: 2, s: 'y' }, 'three', [4]];
    const bytes = await wireBytes((c) => {
      for (const m of sent) c.send(m);
    });
    const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
    expect(await drainAll(await receiveSplit(bytes, everyByte))).toEqual(sent);
  });

  it('an unencodable value in the middle of a batch throws in send; the messages around it arrive', async () => {
    const [a, b] = await socketPair();
    const sender = track(new Connection(a));
    const receiver = track(new Connection(b));
    sender.send({ i: 0, s: 'before' });
    sender.send(1);
    expect(() => sender.send({ i: 1, s: () => 1 })).toThrow(EncodeError);
    expect(() => sender.send(Symbol('no'))).toThrow(EncodeError);
    sender.send({ i: 2, s: 'after' });
    sender.send({ fresh: 'shape' });
    sender.close();
    expect(await drainAll(receiver)).toEqual([
      { i: 0, s: 'before' },
      1,
      { i: 2, s: 'after' },
      { fresh: 'shape' },
    ]);
  });

  it('large messages (written without a copy) keep their place among small ones and their bytes', async () => {
    const [a, b] = await socketPair();
    const sender = track(new Connection(a));
    const receiver = track(new Connection(b));
    const big = Buffer.alloc(100_000, 1);
    const sent: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      big.fill(i); // the caller reuses its buffer at once: what was sent must not change
      const msgs = [i, { i, s: 'x' }, Buffer.from(big), { big: Buffer.from(big), i }, `after ${i}`];
      for (const m of msgs) sender.send(m === msgs[2] ? big : m);
      sent.push(...msgs);
    }
    sender.close();
    expect(await drainAll(receiver)).toEqual(sent);
  });

  it('a malformed message inside a batch fails the connection with ProtocolError after the good ones', async () => {
    const [a, b] = await socketPair();
    const receiver = track(new Connection(b));
    // Batch header (both bits) of 4 bytes: 0x01, 0x02, then a truncated msgpack array.
    a.write(Buffer.from([0xc0, 0, 0, 4, 0x01, 0x02, 0x92, 0x01]));
    expect(await receiver.recv({ timeout: 5000 })).toBe(1);
    expect(await receiver.recv({ timeout: 5000 })).toBe(2);
    await expect(receiver.recv({ timeout: 5000 })).rejects.toMatchObject({ code: 'ERR_PROTOCOL' });
  });

  it('integers at every msgpack width boundary round-trip (they skip msgpackr on the way out)', () => {
    const encoder = new Encoder();
    const decoder = new Decoder();
    const edges = [0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
    const values = [...edges, ...edges.map((v) => -v), -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001];
    values.push(-(2 ** 31), -(2 ** 31) - 1, 1.5, -0.5, Number.NaN, Number.POSITIVE_INFINITY);
    for (const v of fc.sample(fc.integer({ min: -(2 ** 33), max: 2 ** 33 }), 500)) values.push(v);
    for (const v of values) {
      const target = encoder.encodeShared(v);
      const got = decoder.decodeRange(target, encoder.lastStart, encoder.lastEnd);
      expect(Object.is(got, v) || (v === 0 && got === 0)).toBe(true);
    }
  });
});
