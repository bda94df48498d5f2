import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Connection,
  ConnectionClosedError,
  EncodeError,
  encodeValue,
  FrameDecoder,
  type MultiprocError,
  ProtocolError,
  TimeoutError,
} from '@multiproc/wire';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { frame, load, record } from './helpers.js';

/** Frame kinds as PROTOCOL.md §1 defines them by the header's top two bits (FrameKind in wire). */
const VALUE = 0;
const BYTES = 1;
const CONTROL = 2;
const BATCH = 3;
const kindOf = (header: number) => [VALUE, CONTROL, BYTES, BATCH][header >>> 30]!;

type Frame = [kind: number, payload: string];

/** The reference reading of a byte stream: every whole frame, and whether a header was oversized. */
function reference(stream: Buffer, max: number): { frames: Frame[]; oversized: boolean } {
  const frames: Frame[] = [];
  let offset = 0;
  while (stream.length - offset >= 4) {
    const header = stream.readUInt32BE(offset);
    const length = header & 0x3fff_ffff;
    if (length > max) return { frames, oversized: true };
    if (offset + 4 + length > stream.length) break;
    frames.push([kindOf(header), stream.subarray(offset + 4, offset + 4 + length).toString('hex')]);
    offset += 4 + length;
  }
  return { frames, oversized: false };
}

/** Feed `stream` to a FrameDecoder in the chunks `cuts` makes; what it yields, and what it threw. */
function decode(stream: Buffer, cuts: number[], max: number): { frames: Frame[]; error: unknown } {
  const frames: Frame[] = [];
  const decoder = new FrameDecoder(max, (kind, payload) => frames.push([kind, payload.toString('hex')]));
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  let last = 0;
  try {
    for (const point of [...points, stream.length]) {
      // A copy per chunk: the decoder may keep views of earlier chunks.
      decoder.push(Buffer.from(stream.subarray(last, point)));
      last = point;
    }
  } catch (error) {
    return { frames, error };
  }
  return { frames, error: null };
}

const MAX = 256;
const flags = fc.constantFrom(0, 0x8000_0000, 0x4000_0000, 0xc000_0000);
const frames = fc.array(fc.tuple(flags, fc.uint8Array({ maxLength: 300 })), { maxLength: 12 });
const cuts = fc.array(fc.nat(), { maxLength: 20 });
const runs = load(10_000, 3_000);
let cases = 0;

/** The decoder agrees with the reference on any stream: same frames, ProtocolError exactly when oversized. */
function agrees(stream: Buffer, splits: number[]): void {
  cases++;
  const want = reference(stream, MAX);
  const got = decode(stream, splits, MAX);
  expect(got.frames).toEqual(want.frames);
  if (want.oversized) {
    expect(got.error).toBeInstanceOf(ProtocolError);
    expect((got.error as ProtocolError).code).toBe('ERR_PROTOCOL');
  } else expect(got.error).toBeNull();
}

describe('fuzzing the frame decoder (FrameDecoder, in process)', () => {
  it('valid frame streams, split anywhere: the same frames, in order', () => {
    fc.assert(
      fc.property(frames, cuts, (list, splits) => {
        const stream = Buffer.concat(list.map(([f, p]) => frame(p, f)));
        // (A header with both bits set is a batch of value messages, PROTOCOL.md §1: see kindOf.)
        agrees(stream, splits);
      }),
      { numRuns: runs },
    );
  });

  it('random bytes, split anywhere: whole frames or ProtocolError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cuts, (bytes, splits) =>
        agrees(Buffer.from(bytes), splits),
      ),
      { numRuns: runs },
    );
  });

  it('mutated valid streams (flipped, inserted, deleted bytes): the same as the reference reading', () => {
    const mutation = fc.tuple(
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom('set', 'insert', 'delete'),
    );
    fc.assert(
      fc.property(
        frames,
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        cuts,
        (list, mutations, splits) => {
          const bytes = [...Buffer.concat(list.map(([f, p]) => frame(p, f)))];
          for (const [at, value, how] of mutations) {
            const i = bytes.length === 0 ? 0 : at % bytes.length;
            if (how === 'set') bytes[i] = value;
            else if (how === 'insert') bytes.splice(i, 0, value);
            else bytes.splice(i, 1);
          }
          agrees(Buffer.from(bytes), splits);
        },
      ),
      { numRuns: runs },
    );
  });
});

describe('fuzzing a Connection with random and mutated frames (over a real Unix socket)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faults-frames-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A Connection (the side under test) and the raw socket that feeds it. */
  async function pair(): Promise<[Connection, net.Socket, () => void]> {
    const path = join(dir, `s${cases}.sock`);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const raw = net.connect(path);
    raw.on('error', () => {});
    await new Promise<void>((resolve) => raw.once('connect', resolve));
    const conn = new Connection(await accepted, { maxFrameSize: 4096 });
    server.close();
    const close = () => {
      conn.destroy();
      raw.destroy();
    };
    return [conn, raw, close];
  }

  it('every message is a value, bytes, or the documented error; the Connection never hangs or throws anything else', async () => {
    const value = fc.anything({
      maxDepth: 2,
      withBigInt: true,
      withMap: true,
      withSet: true,
      withDate: true,
    });
    const goodFrame = value.map((v) => frame(encodeValue(v)));
    const randomFrame = fc.tuple(flags, fc.uint8Array({ maxLength: 64 })).map(([f, p]) => frame(p, f));
    const mutatedFrame = fc.tuple(value, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([v, at, b]) => {
      const payload = Buffer.from(encodeValue(v));
      payload[at % payload.length] = b;
      return frame(payload);
    });
    const oversized = fc.integer({ min: 4097, max: 0x3fff_ffff }).map((n) => {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(n);
      return header;
    });
    const stream = fc.array(fc.oneof(goodFrame, randomFrame, mutatedFrame, oversized), {
      minLength: 1,
      maxLength: 6,
    });
    await fc.assert(
      fc.asyncProperty(stream, async (list) => {
        cases++;
        const [conn, raw, close] = await pair();
        try {
          raw.end(Buffer.concat(list));
          // Read until the end: each recv yields a message or rejects with a documented error.
          for (let i = 0; i < 20; i++) {
            try {
              await conn.recv({ timeout: 5000 });
            } catch (error) {
              expect(error).not.toBeInstanceOf(TimeoutError);
              // That message only; the next is fine. (A mutated frame can hold a payload-file name,
              // which a Listener/Client connection never accepts.)
              if (error instanceof EncodeError || (error as MultiprocError).code === 'ERR_PAYLOAD_LOST')
                continue;
              expect([ProtocolError, ConnectionClosedError].some((E) => error instanceof E)).toBe(true);
              break;
            }
          }
        } finally {
          close();
        }
      }),
      { numRuns: load(3_000, 1_000) },
    );
  });
});

afterAll(() => {
  record({
    section: 'bad-input',
    file: 'bad-frames',
    name: 'Fuzzed byte streams (valid, random, mutated, split anywhere) into FrameDecoder, and random/mutated/oversized frames into a Connection over a Unix socket',
    result:
      'the decoder yielded exactly the reference frames and failed only with ProtocolError on an oversized header; the Connection yielded messages or EncodeError/ERR_PAYLOAD_LOST (that message only)/ProtocolError/ConnectionClosedError, never a hang',
    cases,
  });
});
