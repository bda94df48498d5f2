import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Event } from '@multiproc/event';
import { Process } from '@multiproc/process';
import { QUEUE_KIND, Queue } from '@multiproc/queue';
import {
  AuthenticationError,
  Client,
  type Connection,
  ConnectionClosedError,
  encodeValue,
  getAuthkey,
  Host,
  HostLink,
  handshake,
  InvalidArgumentError,
  Listener,
  MultiprocError,
  PROTOCOL_MAGIC,
  PROTOCOL_VERSION,
  ProtocolError,
  privateDir,
  TimeoutError,
} from '@multiproc/wire';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostServer } from './fixtures/host-tasks.mjs';
import {
  BOUND_MS,
  frame,
  isGone,
  LOAD_TIMEOUT,
  load,
  memoryOf,
  reap,
  record,
  rejection,
  track,
  within,
} from './helpers.js';

/** Host message codes (PROTOCOL.md §4). */
const REQ = 0;
const RES = 1;
const ERR = 2;
const CAST = 3;
const CANCEL = 5;
const LINK = 7;

interface HostInfo {
  pid: number;
  address: string;
  dir: string;
  echoId: number;
  closedId: number;
  queueId: number;
  eventId: number;
  queue: Queue<unknown>;
  event: Event;
}

let info: HostInfo;
let server: Process;
const sockets = new Set<net.Socket | Connection>();
const closeLater = <T extends net.Socket | Connection>(s: T): T => {
  sockets.add(s);
  return s;
};

beforeAll(async () => {
  const out = new Queue<HostInfo>();
  server = track(new Process({ target: hostServer, args: [out] }));
  await server.start();
  info = await within(out.get(), BOUND_MS * 2, 'host info');
});
afterEach(() => {
  for (const s of sockets) s.destroy();
  sockets.clear();
});
afterAll(reap);

/** A secret only the well-behaved client ever sends: it must never reach anyone else. */
const SECRET = `GOOD-${randomBytes(8).toString('hex')}`;
let goodRounds = 0;

/** The well-behaved client: an echo through its link and a put/get through the queue, each its own data back. */
async function goodRoundTrip(): Promise<void> {
  const i = goodRounds++;
  const token = `${SECRET}-${i}`;
  const link = HostLink.to(info.address);
  expect(await within(link.request(info.echoId, 'echo', [token, i]), BOUND_MS, 'echo')).toEqual([token, i]);
  await info.queue.put({ token, i });
  expect(await info.queue.get({ timeout: BOUND_MS })).toEqual({ token, i });
}

/** The host process is alive and serves the well-behaved client. */
async function stillServing(): Promise<void> {
  expect(isGone(info.pid)).toBe(false);
  await goodRoundTrip();
}

/** An authenticated raw link to the host: after this, anything may be written on `conn.socket`. */
async function rawLink(): Promise<Connection> {
  const conn = closeLater(await Client(info.address, { authkey: getAuthkey() }));
  // Written at once, as the raw frames that follow will be (conn.send would wait for the end of the tick).
  conn.socket.write(frame(encodeValue([LINK])));
  // Everything the host sends this client is checked for the good client's secret.
  const secret = Buffer.from(SECRET);
  let tail = Buffer.alloc(0);
  conn.socket.on('data', (chunk: Buffer) => {
    const seen = Buffer.concat([tail, chunk]);
    if (seen.includes(secret)) leaks++;
    tail = seen.subarray(Math.max(0, seen.length - secret.length));
  });
  return conn;
}
let leaks = 0;

describe("fuzzing the host's request handling (a host in another process)", () => {
  it(
    'random, structured and mutated frames from an authenticated peer: the host never crashes, never leaks another client’s data, and keeps serving',
    async () => {
      const excluded = new Set([info.queueId]); // the good client's queue: a legitimate get would take its items
      const id = fc
        .oneof(
          fc.constantFrom(info.echoId, info.eventId, info.closedId, 0, -1, 2 ** 31, 2 ** 53, 1.5, Number.NaN),
          fc.integer({ min: 1000 }),
          fc.string({ maxLength: 4 }),
          fc.constant(null),
        )
        .filter((x) => !excluded.has(x as number));
      const op = fc.oneof(
        fc.constantFrom(
          'echo',
          'big',
          'peer',
          'memory',
          'set',
          'clear',
          'isSet',
          'wait',
          'get',
          'put',
          'take',
          'size',
          'taskDone',
          'join',
          '__proto__',
          'constructor',
          'toString',
          'then',
        ),
        fc.string({ maxLength: 8 }),
        fc.anything({ maxDepth: 0 }),
      );
      const anything = fc.anything({
        maxDepth: 2,
        withBigInt: true,
        withMap: true,
        withSet: true,
        withDate: true,
      });
      const args = fc.oneof(fc.array(anything, { maxLength: 3 }), anything);
      const message = fc.oneof(
        fc.tuple(fc.constant(REQ), fc.oneof(fc.integer({ min: 1, max: 1e6 }), anything), id, op, args),
        fc.tuple(fc.constant(CAST), id, op, args),
        fc.tuple(fc.constant(CANCEL), anything),
        fc.tuple(fc.constantFrom(RES, ERR, 4, 6, 7, 8, -1, 255), anything, anything),
        anything,
      );
      const encode = (m: unknown): Buffer => {
        try {
          return frame(encodeValue(m));
        } catch {
          return frame(Buffer.from([0xc1])); // msgpack's "never used" byte
        }
      };
      const flags = fc.constantFrom(0, 0x8000_0000, 0x4000_0000, 0xc000_0000);
      const randomFrame = fc.tuple(flags, fc.uint8Array({ maxLength: 48 })).map(([f, p]) => frame(p, f));
      const controlFrame = fc
        .oneof(
          fc.constant({ type: 'reset' }),
          fc.record({
            type: fc.constant('modules'),
            urls: fc.array(fc.string({ maxLength: 12 }), { maxLength: 2 }),
          }),
          fc.record({ type: fc.string({ maxLength: 8 }) }),
          anything,
        )
        .map((m) => frame(encodeValue(m), 0x4000_0000));
      const structuredFrame = message.map(encode);
      const mutatedFrame = fc
        .tuple(
          fc.integer({ min: 1, max: 1e6 }),
          fc.string({ maxLength: 16 }),
          fc.array(
            fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')),
            {
              minLength: 1,
              maxLength: 4,
            },
          ),
        )
        .map(([reqId, s, mutations]) => {
          const bytes = [...encodeValue([REQ, reqId, info.echoId, 'echo', [s, { s }]])];
          for (const [at, value, how] of mutations) {
            const i = at % bytes.length;
            if (how === 'set') bytes[i] = value;
            else if (how === 'insert') bytes.splice(i, 0, value);
            else bytes.splice(i, 1);
          }
          return frame(Buffer.from(bytes));
        });

      let conn: Connection | null = null;
      let reconnects = 0;
      let answered = 0;
      let probes = 0;
      let cases = 0;
      /** After each case: the link answers a probe, or the host closed it. Never silence. */
      const probe = async (): Promise<void> => {
        const reqId = 2 ** 40 + probes++;
        const token = `probe-${reqId}`;
        try {
          conn!.send([REQ, reqId, info.echoId, 'echo', [token]]);
          for (;;) {
            const m = (await conn!.recv({ timeout: BOUND_MS })) as unknown[];
            if (Array.isArray(m) && m[1] === reqId) {
              expect(m).toEqual([RES, reqId, [token]]);
              answered++;
              return;
            }
          }
        } catch (error) {
          expect(error).not.toBeInstanceOf(TimeoutError);
          expect(error).toBeInstanceOf(MultiprocError);
          conn!.destroy();
          conn = null;
        }
      };
      const run = async (frames: Buffer[]) => {
        cases++;
        if (conn === null) {
          conn = await rawLink();
          reconnects++;
        }
        for (const f of frames) conn.socket.write(f);
        await probe();
        if (cases % 100 === 0) await stillServing();
      };

      // The well-behaved client works all the time the fuzzing goes on.
      let stop = false;
      const good = (async () => {
        while (!stop) {
          await goodRoundTrip();
          await sleep(2);
        }
      })();
      const rssBefore = memoryOf(info.pid).rss;
      const n = load(5_000, 1_000);
      const oneCase = (arb: fc.Arbitrary<Buffer>) => fc.array(arb, { minLength: 1, maxLength: 3 });
      await fc.assert(fc.asyncProperty(oneCase(randomFrame), run), { numRuns: n });
      await fc.assert(fc.asyncProperty(oneCase(fc.oneof(structuredFrame, controlFrame)), run), {
        numRuns: n,
      });
      await fc.assert(fc.asyncProperty(oneCase(mutatedFrame), run), { numRuns: n });
      stop = true;
      await within(good, BOUND_MS, 'good client');
      await stillServing();
      expect(leaks).toBe(0);
      const rssAfter = memoryOf(info.pid).rss;
      console.log(
        `host fuzz: ${cases} cases, ${reconnects} connections (the rest survived their case), ${answered} probes answered, ` +
          `${goodRounds} good round trips; host RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(rssAfter / 2 ** 20).toFixed(0)} MiB`,
      );
      record({
        section: 'bad-input',
        file: 'bad-host',
        name: 'Fuzzed frames to a host in another process, from an authenticated peer: random frames, structured host messages (any type, id, op, args) and control frames, mutated requests',
        result: `the host process never crashed; every link answered its probe or was closed (${cases - answered} closed, none went silent); 0 bytes of the good client's data reached the fuzzer; the good client made ${goodRounds} correct round trips meanwhile`,
        cases,
      });
    },
    LOAD_TIMEOUT,
  );
});

describe('a misbehaving peer gets its documented MultiprocError; nothing else is affected', () => {
  it('a wrong authkey, or none, is refused with AuthenticationError', async () => {
    for (const options of [{ authkey: randomBytes(32) }, { authkey: 'guess' }, {}]) {
      const error = await rejection(Client(info.address, options));
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.code).toBe('ERR_AUTHENTICATION');
    }
    // A Listener reports the refused client as a rejected accept(), and serves the next one.
    const listener = new Listener({ authkey: 'right key' });
    await listener.ready;
    const refused = rejection(listener.accept());
    expect(await rejection(Client(listener.address, { authkey: 'wrong key' }))).toBeInstanceOf(
      AuthenticationError,
    );
    expect(await refused).toBeInstanceOf(AuthenticationError);
    const accepted = listener.accept();
    const client = closeLater(await Client(listener.address, { authkey: 'right key' }));
    const serverSide = closeLater(await accepted);
    client.send('hello');
    expect(await serverSide.recv({ timeout: BOUND_MS })).toBe('hello');
    listener.close();
    await stillServing();
    record({
      section: 'bad-input',
      file: 'bad-host',
      name: 'Wrong authkey (random, a guess, none) against a host; wrong key against a Listener',
      result:
        'AuthenticationError (ERR_AUTHENTICATION) on the client, and on the Listener a rejected accept(); the next good client was accepted; the host kept serving',
      cases: 4,
    });
  });

  it('no handshake, and a slowloris peer (one byte a second): dropped at the handshake timeout; meanwhile everyone is served', async () => {
    const hello = frame(
      encodeValue({ t: 'hello', magic: PROTOCOL_MAGIC, version: PROTOCOL_VERSION, nonce: randomBytes(32) }),
    );
    /** A raw socket to `path` that sends nothing, or one byte of a valid hello each second. */
    const attacker = (path: string, slow: boolean) => {
      const socket = closeLater(net.connect(path));
      socket.on('error', () => {});
      socket.resume();
      let sent = 0;
      const timer = slow
        ? setInterval(() => sent < hello.length && socket.write(hello.subarray(sent, ++sent)), 1000)
        : null;
      const closed = new Promise<number>((resolve) =>
        socket.once('close', () => {
          if (timer) clearInterval(timer);
          resolve(sent);
        }),
      );
      return closed;
    };
    // A Listener with a short handshakeTimeout: accept() rejects with ProtocolError for each.
    const listener = new Listener({ authkey: 'k', handshakeTimeout: 1500 });
    await listener.ready;
    const accepts = [rejection(listener.accept()), rejection(listener.accept())];
    const listenerDrops = [
      attacker(listener.address as string, false),
      attacker(listener.address as string, true),
    ];
    // The host, with its fixed 10 s handshake timeout.
    const hostDrops = [attacker(info.address, false), attacker(info.address, true)];
    let served = 0;
    let stop = false;
    const serving = (async () => {
      while (!stop) {
        await goodRoundTrip();
        served++;
        await sleep(250);
      }
    })();
    for (const error of await within(Promise.all(accepts), BOUND_MS, 'listener accepts')) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error.message).toBe('handshake not completed within 1500 ms');
    }
    await within(Promise.all(listenerDrops), BOUND_MS, 'listener drops');
    const bytes = await within(Promise.all(hostDrops), BOUND_MS + 5000, 'host drops');
    stop = true;
    await serving;
    listener.close();
    expect(served).toBeGreaterThan(0);
    expect(bytes[1]).toBeLessThan(hello.length); // the slowloris never finished its hello
    await stillServing();
    record({
      section: 'bad-input',
      file: 'bad-host',
      name: 'No handshake at all, and a slowloris peer sending one byte of a valid hello a second (host and Listener)',
      result: `Listener (handshakeTimeout 1500): accept() rejected with ProtocolError "handshake not completed within 1500 ms" and both sockets closed; host: both dropped at its 10 s timeout (the slowloris had sent ${bytes[1]} of ${hello.length} bytes); ${served} good round trips meanwhile`,
      cases: 4,
    });
  });

  it('a peer that sends requests and never reads: the host drops it and its memory stays bounded', async () => {
    const socket = closeLater(net.connect(info.address));
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await handshake(socket, 'client', getAuthkey()); // leaves the socket paused: it never reads again
    const before = memoryOf(info.pid).rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, memoryOf(info.pid).rss);
    }, 20);
    let closed = false;
    socket.once('close', () => {
      closed = true;
    });
    // 1 GiB of replies asked for, 1 MiB each; the host drops a peer with 256 MiB unread.
    socket.write(frame(encodeValue([LINK])));
    const requests = 1024;
    for (let i = 1; i <= requests && !closed; i++) {
      socket.write(frame(encodeValue([REQ, i, info.echoId, 'big', [1024 * 1024]])));
      if (i % 64 === 0) await sleep(10);
    }
    // Keep writing a little so the drop shows as a closed socket here.
    const start = Date.now();
    while (!closed && Date.now() - start < BOUND_MS) {
      socket.write(frame(encodeValue([CANCEL, 0])));
      await sleep(50);
    }
    clearInterval(sampler);
    expect(closed).toBe(true);
    const growth = peak - before;
    // Documented cap: 256 MiB unread per peer. Bound: that plus 256 MiB of working memory.
    expect(growth).toBeLessThan(512 * 1024 ** 2);
    await stillServing();
    record({
      section: 'bad-input',
      file: 'bad-host',
      name: 'A peer that asks for 1 GiB of replies and never reads',
      result: `the host dropped it (socket closed); host RSS grew at most ${(growth / 2 ** 20).toFixed(0)} MiB (bound 512 MiB: the 256 MiB unread cap plus working memory) instead of 1 GiB; it kept serving`,
    });
  });

  it('a frame over the maximum size: that connection is closed, judged on the header alone', async () => {
    for (const length of [64 * 1024 * 1024 + 1, 0x3fff_ffff]) {
      const conn = await rawLink();
      const header = Buffer.alloc(4);
      header.writeUInt32BE(length);
      conn.socket.write(header); // no body follows: the header is enough
      const error = await within(rejection(conn.recv()), BOUND_MS, 'oversized frame');
      expect(error).toBeInstanceOf(ConnectionClosedError);
    }
    // A sender refuses to produce one: InvalidArgumentError, nothing written.
    const conn = await rawLink();
    const big = Buffer.alloc(64 * 1024 * 1024 + 1);
    expect(() => conn.send(big)).toThrow(InvalidArgumentError);
    conn.send([REQ, 1, info.echoId, 'echo', ['after']]);
    expect(await conn.recv({ timeout: BOUND_MS })).toEqual([RES, 1, ['after']]);
    await stillServing();
    record({
      section: 'bad-input',
      file: 'bad-host',
      name: 'A frame header announcing more than the 64 MiB maximum (64 MiB + 1, 1 GiB - 1), with no body',
      result:
        'the host closed that connection at once (ProtocolError there; ConnectionClosedError for the peer), without waiting for a body; send() of an oversized message throws InvalidArgumentError and the connection goes on',
      cases: 3,
    });
  });

  it('a handle id that does not exist, or belongs to a closed object: ERR_NO_SUCH_OBJECT', async () => {
    const link = HostLink.to(info.address);
    for (const id of [999_999, info.closedId]) {
      const error = await within(rejection(link.request(id, 'size', [])), BOUND_MS, 'request');
      expect(error).toBeInstanceOf(MultiprocError);
      expect(error.code).toBe('ERR_NO_SUCH_OBJECT');
    }
    // Through the public API: a queue handle naming an id its host does not serve.
    const ghost = Queue.fromHandle({
      kind: QUEUE_KIND,
      address: info.address,
      id: info.closedId,
    }) as Queue<number>;
    const errors = [
      await within(rejection(ghost.put(1)), BOUND_MS, 'put'),
      await within(rejection(ghost.get({ timeout: BOUND_MS })), BOUND_MS * 2, 'get'),
      await within(rejection(ghost.qsize()), BOUND_MS, 'qsize'),
    ];
    for (const error of errors) expect(error).toMatchObject({ code: 'ERR_NO_SUCH_OBJECT' });
    await stillServing();
    record({
      section: 'bad-input',
      file: 'bad-host',
      name: 'A request naming an object id that never existed, or that was unregistered (closed); a Queue handle with such an id',
      result:
        'MultiprocError ERR_NO_SUCH_OBJECT for each request, and for put/get/qsize on the Queue handle; the link and the host went on',
      cases: 5,
    });
  });

  it('socket directories are 0700 and socket files 0600; a TCP host or listener requires an authkey', async () => {
    const listener = new Listener();
    await listener.ready;
    for (const [dir, socket] of [
      [info.dir, info.address],
      [privateDir(), Host.current().address],
      [privateDir(), listener.address as string],
    ]) {
      const d = statSync(dir!);
      expect(d.isDirectory()).toBe(true);
      expect((d.mode & 0o777).toString(8)).toBe('700');
      expect(d.uid).toBe(process.getuid!());
      expect(dirname(socket!)).toBe(dir);
      const s = statSync(socket!);
      expect(s.isSocket()).toBe(true);
      expect((s.mode & 0o777).toString(8)).toBe('600');
    }
    listener.close();
    const tcp = { host: '127.0.0.1', port: 0 };
    expect(() => new Host({ address: tcp })).toThrow(InvalidArgumentError);
    expect(() => new Listener({ address: tcp })).toThrow(InvalidArgumentError);
    // With a key it serves, and still refuses a client without one.
    const key = randomBytes(32);
    const host = new Host({ address: tcp, authkey: key });
    try {
      await host.ready;
      const id = host.register({ handle: (op, args) => [op, args] });
      expect(await rejection(Client(host.address, {}))).toBeInstanceOf(AuthenticationError);
      expect(await rejection(Client(host.address, { authkey: randomBytes(32) }))).toBeInstanceOf(
        AuthenticationError,
      );
      const conn = closeLater(await Client(host.address, { authkey: key }));
      conn.send([LINK]);
      conn.send([REQ, 1, id, 'ping', [1]]);
      expect(await conn.recv({ timeout: BOUND_MS })).toEqual([RES, 1, ['ping', [1]]]);
    } finally {
      host.close();
    }
    record({
      section: 'bad-input',
      file: 'bad-host',
      name: 'Socket permissions; TCP without an authkey',
      result:
        'the host directories (another process’s and this one’s) are 0700 and owned by the user, host and listener sockets 0600; new Host / new Listener on TCP without an authkey throw InvalidArgumentError; with one, clients without it or with another are refused',
      cases: 4,
    });
  });
});
