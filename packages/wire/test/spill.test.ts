import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import {
  Decoder,
  Encoder,
  Host,
  type HostedObject,
  HostLink,
  InvalidArgumentError,
  materialize,
  removePrivateDir,
  SPILL_MIN,
  SpilledBytes,
} from '@multiproc/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter } from './fixtures/counter-kind.mjs';
import { closeAll, connect, FIXTURES, listen } from './helpers.js';

// Large Buffers between a HostLink and a Host of one process tree travel as payload files.
// A link to this process's own host is a real socket connection, so these run in one process.

const dir = process.env.MULTIPROC_SPILL_DIR as string;
const allFiles = (): string[] => (existsSync(dir) ? readdirSync(dir) : []);
/** Payload names (a writer's own names for the shared files it keeps, `<pid>-a<n>`, left out). */
const payloadFiles = (): string[] => allFiles().filter((name) => /^\d+-\d+$/.test(name));

afterAll(removePrivateDir);

/** Extension 0x04 data as a peer could send it: 6-byte length, 6-byte offset, then the path. */
function token(path: string, byteLength: number, offset = 0): Buffer {
  const data = Buffer.concat([Buffer.alloc(12), Buffer.from(path)]);
  data.writeUIntBE(byteLength, 0, 6);
  data.writeUIntBE(offset, 6, 6);
  return data;
}

/** Decodes `[ext 0x04 with data]` and returns what the decode threw. */
function decodeError(decoder: Decoder, data: Buffer): any {
  const message = Buffer.concat([Buffer.from([0x91, 0xc7, data.length, 0x04]), data]);
  try {
    decoder.decode(message);
  } catch (error) {
    return error;
  }
  return undefined;
}

/** A Buffer of `size` bytes whose content depends on `seed` (checked whole on arrival). */
function pattern(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

const kept: unknown[] = [];
const keeper: HostedObject = {
  handle(op, args) {
    if (op === 'keep') kept.push(args[0]);
    if (op === 'give') return kept.shift();
    if (op === 'sum') return (args[0] as { data: Buffer }).data.reduce((a, b) => a + b, 0);
    return undefined;
  },
  keepsSpilled: (op) => op === 'keep',
};
let id = 0;
let link: HostLink;

beforeAll(() => {
  id = Host.current().register(keeper);
  link = HostLink.to(Host.current().address);
});

describe.skipIf(dir === undefined)('spilled payloads (Linux, /dev/shm)', () => {
  it(
    'an operation that does not keep payloads gets Buffers; no file is left',
    { timeout: 10_000 },
    async () => {
      const data = pattern(SPILL_MIN * 3, 7);
      const expected = data.reduce((a, b) => a + b, 0);
      expect(await link.request(id, 'sum', [{ data }])).toBe(expected);
      expect(payloadFiles()).toEqual([]);
    },
  );

  it(
    'a keeper holds a SpilledBytes; sent on, it arrives as the same bytes and its file goes',
    { timeout: 10_000 },
    async () => {
      const data = pattern(SPILL_MIN + 5, 3);
      await link.request(id, 'keep', [data]);
      expect(kept[0]).toBeInstanceOf(SpilledBytes);
      expect((kept[0] as SpilledBytes).byteLength).toBe(data.length);
      expect(payloadFiles()).toHaveLength(1);
      const back = await link.request(id, 'give', []);
      expect(Buffer.isBuffer(back)).toBe(true);
      expect((back as Buffer).equals(data)).toBe(true);
      expect(payloadFiles()).toEqual([]);
    },
  );

  it('materialize() reads a kept payload in place, inside containers too', { timeout: 10_000 }, async () => {
    const a = pattern(SPILL_MIN, 1);
    const b = pattern(SPILL_MIN * 2, 2);
    await link.request(id, 'keep', [{ list: [a], map: new Map([['b', b]]) }]);
    const value = kept.shift() as { list: unknown[]; map: Map<string, unknown> };
    expect(value.list[0]).toBeInstanceOf(SpilledBytes);
    const same = materialize(value);
    expect(same).toBe(value);
    expect((value.list[0] as Buffer).equals(a)).toBe(true);
    expect((value.map.get('b') as Buffer).equals(b)).toBe(true);
    expect(payloadFiles()).toEqual([]);
  });

  it(
    'payloads written in one tick share a file, each under its own name, read in any order',
    { timeout: 10_000 },
    async () => {
      const items = [0, 1, 2].map((seed) => pattern(SPILL_MIN + seed, seed));
      for (const item of items) link.cast(id, 'keep', [item]);
      await link.request(id, 'keep', [pattern(SPILL_MIN * 9, 9)]); // > 256 KiB: a file of its own
      const held = kept.splice(0) as SpilledBytes[];
      expect(held.map((s) => s.offset)).toEqual([0, SPILL_MIN, SPILL_MIN * 2 + 1, 0]);
      const inodes = held.map((s) => statSync(s.path));
      expect(new Set(inodes.slice(0, 3).map((st) => st.ino)).size).toBe(1);
      expect(inodes[0]!.nlink).toBe(4); // three names and the writer's own, kept to write over
      expect(inodes[3]!.nlink).toBe(1);
      expect(payloadFiles()).toHaveLength(4);
      // Read out of order, one at a time, as different consumers would.
      for (const i of [1, 3, 0, 2]) {
        kept.push(held[i]);
        const want = i === 3 ? pattern(SPILL_MIN * 9, 9) : items[i]!;
        expect(((await link.request(id, 'give', [])) as Buffer).equals(want)).toBe(true);
      }
      expect(payloadFiles()).toEqual([]);
    },
  );

  it('a process that exits in the tick it spilled leaves only the names it sent', () => {
    const out = spawnSync(process.execPath, [`${FIXTURES}spill-and-exit.mjs`], {
      env: { ...process.env, MULTIPROC_SPILL_DIR: dir },
      timeout: 10_000,
    });
    expect(out.status).toBe(0);
    const left = payloadFiles().filter((name) => name.startsWith(`${out.pid}-`));
    try {
      // Its encode named two payloads (nobody read them); the shared file's own name is gone.
      expect(left).toHaveLength(2);
      expect(left.filter((name) => !/^\d+-\d+$/.test(name))).toEqual([]);
    } finally {
      for (const name of left) unlinkSync(`${dir}/${name}`);
    }
  });

  it('a name without an offset (an older peer) reads from the start of its file', async () => {
    await link.request(id, 'keep', [pattern(SPILL_MIN * 9, 5)]); // a file of its own: offset 0
    const ours = kept.shift() as SpilledBytes;
    const legacy = Buffer.concat([Buffer.alloc(6), Buffer.from(ours.path)]);
    legacy.writeUIntBE(ours.byteLength, 0, 6);
    const decoder = new Decoder(false);
    decoder.acceptSpilled = true;
    const message = Buffer.concat([Buffer.from([0x91, 0xc7, legacy.length, 0x04]), legacy]);
    const [bytes] = decoder.decode(message) as [Buffer];
    expect(bytes.equals(pattern(SPILL_MIN * 9, 5))).toBe(true);
    expect(existsSync(ours.path)).toBe(false);
    ours.handedOn();
  });

  it('a kept payload at an offset goes inline to a peer outside the tree, read from its range', async () => {
    link.cast(id, 'keep', [pattern(SPILL_MIN, 11)]);
    await link.request(id, 'keep', [pattern(SPILL_MIN, 12)]);
    const [first, second] = kept.splice(0) as SpilledBytes[];
    expect(second!.offset).toBe(SPILL_MIN);
    const bytes = new Encoder(false).encode(second).bytes; // an encoder that does not spill
    expect((new Decoder(false).decode(bytes) as Buffer).equals(pattern(SPILL_MIN, 12))).toBe(true);
    expect(existsSync(second!.path)).toBe(false); // inlined: its name is removed
    expect(first!.take().equals(pattern(SPILL_MIN, 11))).toBe(true);
    expect(payloadFiles()).toEqual([]);
  });

  it('a peer naming a range beyond its file gets ERR_PAYLOAD_LOST', async () => {
    await link.request(id, 'keep', [pattern(SPILL_MIN, 6)]);
    const ours = kept.shift() as SpilledBytes;
    const decoder = new Decoder(false);
    decoder.acceptSpilled = true;
    const error = decodeError(decoder, token(ours.path, ours.byteLength, statSync(ours.path).size));
    expect(error?.code).toBe('ERR_PAYLOAD_LOST');
    expect(existsSync(ours.path)).toBe(true); // a failed read removes nothing
    expect(ours.take().equals(pattern(SPILL_MIN, 6))).toBe(true);
  });

  it('a message that names payload files and carries handle modules counts its files as unsent until read', async () => {
    const l = await listen();
    const [client, server] = await connect(l);
    client.setSpill(true, false);
    server.setSpill(true, false);
    const data = pattern(SPILL_MIN * 2, 13);
    // The counter's handle makes the message carry a 'modules' control frame.
    client.send({ counter: new Counter(1), data });
    expect(client.pendingBytes).toBeGreaterThanOrEqual(data.length);
    const got = (await server.recv({ timeout: 10_000 })) as { data: Buffer };
    expect(got.data.equals(data)).toBe(true);
    const deadline = Date.now() + 5000;
    while (client.pendingBytes > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(client.pendingBytes).toBe(0);
    closeAll();
  });

  it('small Buffers stay inline', { timeout: 10_000 }, async () => {
    await link.request(id, 'keep', [pattern(SPILL_MIN - 1, 9)]);
    expect(Buffer.isBuffer(kept.shift())).toBe(true);
    expect(payloadFiles()).toEqual([]);
  });

  it(
    'a payload file that is gone fails that request with ERR_PAYLOAD_LOST; the host serves on',
    { timeout: 10_000 },
    async () => {
      await link.request(id, 'keep', [pattern(SPILL_MIN, 4)]);
      const lost = kept.shift() as SpilledBytes;
      unlinkSync(lost.path);
      kept.push(lost);
      await expect(link.request(id, 'give', [])).rejects.toMatchObject({ code: 'ERR_PAYLOAD_LOST' });
      expect(await link.request(id, 'sum', [{ data: Buffer.from([1, 2, 3]) }])).toBe(6);
    },
  );

  it("a name outside this tree's directory is refused, kept or read, and that file is not touched", () => {
    const outside = `${dir}-not-ours`;
    writeFileSync(outside, pattern(SPILL_MIN, 5));
    try {
      for (const keep of [false, true]) {
        const decoder = new Decoder(false);
        decoder.acceptSpilled = true;
        decoder.keepSpilled = keep;
        const error = decodeError(decoder, token(outside, SPILL_MIN));
        expect(error?.code).toBe('ERR_PAYLOAD_LOST');
        expect(error?.partial).toEqual([undefined]);
      }
      expect(existsSync(outside)).toBe(true);
      // Nor can one be made by hand: a SpilledBytes is removed by whoever drops it.
      expect(() => new SpilledBytes(outside, SPILL_MIN)).toThrow(InvalidArgumentError);
    } finally {
      unlinkSync(outside);
    }
  });

  it('a malformed payload name fails that message only', () => {
    const decoder = new Decoder(false);
    decoder.acceptSpilled = true;
    const error = decodeError(decoder, Buffer.from([1, 2, 3]));
    expect(error?.code).toBe('ERR_PAYLOAD_LOST');
  });

  it('a connection whose peer is not in this tree refuses payload names, even of this tree', async () => {
    await link.request(id, 'keep', [pattern(SPILL_MIN, 8)]);
    const ours = kept.shift() as SpilledBytes;
    const error = decodeError(new Decoder(false), token(ours.path, ours.byteLength, ours.offset));
    expect(error?.code).toBe('ERR_PAYLOAD_LOST');
    expect(existsSync(ours.path)).toBe(true);
    expect(ours.take().equals(pattern(SPILL_MIN, 8))).toBe(true);
  });

  it('spilled bytes count toward maxSize; the files of a refused message are removed', () => {
    const encoder = new Encoder(false);
    encoder.spill = true;
    encoder.maxSize = SPILL_MIN * 2;
    expect(() => encoder.encode([pattern(SPILL_MIN, 1), pattern(SPILL_MIN, 2)])).toThrow(
      InvalidArgumentError,
    );
    expect(payloadFiles()).toEqual([]);
    // A function later in the message: the file already written for the Buffer goes too.
    expect(() => encoder.encode([pattern(SPILL_MIN, 1), () => 1])).toThrow(/function/);
    expect(payloadFiles()).toEqual([]);
  });

  it('an encoder without spill writes Buffers inline, as msgpack bin', () => {
    const data = pattern(SPILL_MIN * 2, 6);
    const bytes = new Encoder(false).encode(data).bytes;
    expect(bytes.length).toBe(data.length + 5);
    expect(bytes[0]).toBe(0xc6);
    expect((new Decoder(false).decode(bytes) as Buffer).equals(data)).toBe(true);
  });

  // Last: a failed write pauses spilling in this process for a second.
  it('a payload name another writer holds is never taken or removed: that Buffer goes inline', () => {
    const encoder = new Encoder(false);
    encoder.spill = true;
    const first = Buffer.from(encoder.encode([pattern(SPILL_MIN, 1)]).bytes); // the encoder reuses its buffer
    const mine = allFiles().filter((name) => name.startsWith(`${process.pid}-`));
    const next = Math.max(...mine.map((name) => Number(name.split('-')[1]!.replace('a', '')))) + 1;
    const theirs = `${dir}/${process.pid}-${next}`;
    writeFileSync(theirs, 'not yours');
    try {
      const second = encoder.encode([pattern(SPILL_MIN, 2)]).bytes;
      expect(second.length).toBeGreaterThan(SPILL_MIN); // inline, not a name
      const decoder = new Decoder(false);
      decoder.acceptSpilled = true;
      expect((decoder.decode(second) as Buffer[])[0]!.equals(pattern(SPILL_MIN, 2))).toBe(true);
      expect(readFileSync(theirs, 'utf8')).toBe('not yours');
      expect((decoder.decode(first) as Buffer[])[0]!.equals(pattern(SPILL_MIN, 1))).toBe(true);
    } finally {
      unlinkSync(theirs);
    }
    expect(payloadFiles()).toEqual([]);
  });
});
