import { randomBytes } from 'node:crypto';
import net from 'node:net';
import {
  AuthenticationError,
  Client,
  type Connection,
  ConnectionClosedError,
  encodeValue,
  InvalidArgumentError,
  type Listener,
  PROTOCOL_MAGIC,
  ProtocolError,
  removePrivateDir,
} from '@multiproc/wire';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { assertServes, Child, closeAll, connect, frame, listen, reapChildren, within } from './helpers.js';

// The private socket dir is removed at process exit, which a vitest worker may never reach.
afterAll(removePrivateDir);
afterEach(async () => {
  closeAll();
  await reapChildren();
});

const KEY = randomBytes(32);
const GOOD = { authkey: KEY };

/** A listener with one good connection already open, to show it is not disturbed by a bad peer. */
async function serving(options: Parameters<typeof listen>[0] = {}) {
  const l = await listen({ authkey: KEY, ...options });
  const [goodClient, goodServer] = await connect(l, GOOD);
  return { l, goodClient, goodServer };
}

/** The good connection still works both ways, and the listener accepts and serves a new good client. */
async function stillServing(l: Listener, goodClient: Connection, goodServer: Connection): Promise<void> {
  goodClient.send('ping');
  expect(await goodServer.recv({ timeout: 5000 })).toBe('ping');
  goodServer.send('pong');
  expect(await goodClient.recv({ timeout: 5000 })).toBe('pong');
  await assertServes(l, GOOD);
}

/** Rejects with the error that ends the connection, after draining any messages the peer got through. */
async function endError(conn: Connection): Promise<unknown> {
  for (let i = 0; i < 1000; i++) {
    try {
      await conn.recv({ timeout: 5000 });
    } catch (error) {
      return error;
    }
  }
  throw new Error('connection never ended');
}

function rawConnect(l: Listener): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path: l.address as string });
    socket.on('error', () => {});
    socket.resume(); // read (and drop) the server's hello, so the close is seen
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

function closedPromise(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}

describe('a misbehaving peer gets the documented error, and everyone else is served', () => {
  it('garbage bytes instead of a handshake: accept() rejects with ProtocolError', async () => {
    const { l, goodClient, goodServer } = await serving();
    const accepted = l.accept();
    const socket = await rawConnect(l);
    socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
    await expect(within(accepted, 5000, 'accept')).rejects.toMatchObject({
      name: 'ProtocolError',
      code: 'ERR_PROTOCOL',
    });
    await within(closedPromise(socket), 5000, 'server closes the garbage socket');
    await stillServing(l, goodClient, goodServer);
  });

  it('a hello with the wrong magic or version is a ProtocolError', async () => {
    const { l, goodClient, goodServer } = await serving();
    for (const hello of [
      { t: 'hello', magic: 'not-multiproc', version: 1, nonce: null },
      { t: 'hello', magic: PROTOCOL_MAGIC, version: 99, nonce: null },
    ]) {
      const accepted = l.accept();
      const socket = await rawConnect(l);
      socket.write(frame(encodeValue(hello)));
      const error = await within(accepted, 5000, 'accept').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtocolError);
      socket.destroy();
    }
    await stillServing(l, goodClient, goodServer);
  });

  it('garbage after the handshake: the server end fails with ProtocolError, the client end sees the close', async () => {
    const { l, goodClient, goodServer } = await serving();
    const [client, server] = await connect(l, GOOD);
    client.send('before the garbage');
    expect(await server.recv({ timeout: 5000 })).toBe('before the garbage');
    // A well-formed frame whose payload is a truncated msgpack array.
    client.socket.write(frame(Buffer.from([0x92, 0x01])));
    await expect(server.recv({ timeout: 5000 })).rejects.toMatchObject({
      name: 'ProtocolError',
      code: 'ERR_PROTOCOL',
    });
    await expect(client.recv({ timeout: 5000 })).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(() => client.send('after')).toThrow(ConnectionClosedError);
    await stillServing(l, goodClient, goodServer);
  });

  it('any garbage after the handshake ends in ProtocolError or ConnectionClosedError, never a hang', async () => {
    const { l, goodClient, goodServer } = await serving();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (garbage) => {
        const [client, server] = await connect(l, GOOD);
        client.socket.end(garbage);
        const error = await endError(server);
        expect([ProtocolError, ConnectionClosedError].some((E) => error instanceof E)).toBe(true);
        server.close();
      }),
      { numRuns: 25 },
    );
    await stillServing(l, goodClient, goodServer);
  });

  it('a truncated frame: the peer ends mid-frame and recv rejects with ConnectionClosedError', async () => {
    const { l, goodClient, goodServer } = await serving();
    const [client, server] = await connect(l, GOOD);
    client.send({ whole: true });
    expect(await server.recv({ timeout: 5000 })).toEqual({ whole: true });
    client.socket.end(frame(Buffer.alloc(100)).subarray(0, 30));
    const error = await server.recv({ timeout: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({ code: 'ERR_CONNECTION_CLOSED', message: 'got end of file during message' });
    await stillServing(l, goodClient, goodServer);
  });

  it('an oversized frame closes that connection with ProtocolError, judged on the header alone', async () => {
    const { l, goodClient, goodServer } = await serving({ maxFrameSize: 1024 });
    // A sender with a larger limit sends a real message over the listener's limit.
    const [big, bigServer] = await connect(l, GOOD);
    big.send('x'.repeat(2000));
    await expect(bigServer.recv({ timeout: 5000 })).rejects.toMatchObject({ code: 'ERR_PROTOCOL' });
    await expect(big.recv({ timeout: 5000 })).rejects.toBeInstanceOf(ConnectionClosedError);
    // A header announcing ~1 GiB is refused at once, without waiting for (or buffering) the body.
    const [liar, liarServer] = await connect(l, GOOD);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0x3fff_ffff);
    liar.socket.write(header);
    await expect(liarServer.recv({ timeout: 5000 })).rejects.toBeInstanceOf(ProtocolError);
    await stillServing(l, goodClient, goodServer);
  });

  it('a message over the sender’s own maxFrameSize throws at send time', async () => {
    const l = await listen({ authkey: KEY });
    const [client] = await connect(l, { authkey: KEY, maxFrameSize: 100 });
    expect(() => client.send('y'.repeat(200))).toThrow(InvalidArgumentError);
    expect(() => client.sendBytes(Buffer.alloc(101))).toThrow(InvalidArgumentError);
    client.send('small is fine');
  });

  it('a wrong authkey is an AuthenticationError on both sides', async () => {
    const { l, goodClient, goodServer } = await serving();
    const serverSide = l.accept().catch((e: unknown) => e);
    await expect(Client(l.address, { authkey: 'wrong' })).rejects.toMatchObject({
      name: 'AuthenticationError',
      code: 'ERR_AUTHENTICATION',
    });
    expect(await serverSide).toBeInstanceOf(AuthenticationError);
    await stillServing(l, goodClient, goodServer);
  });

  it('a client without an authkey is refused by a listener that has one, and vice versa', async () => {
    const { l, goodClient, goodServer } = await serving();
    const serverSide = l.accept().catch((e: unknown) => e);
    await expect(Client(l.address)).rejects.toBeInstanceOf(AuthenticationError);
    expect(await serverSide).toBeInstanceOf(AuthenticationError);
    await stillServing(l, goodClient, goodServer);

    const open = await listen({ authkey: undefined });
    const openSide = open.accept().catch((e: unknown) => e);
    await expect(Client(open.address, GOOD)).rejects.toBeInstanceOf(AuthenticationError);
    expect(await openSide).toBeInstanceOf(AuthenticationError);
    await assertServes(open, {});
  });

  it('no handshake at all: accept() rejects with ProtocolError after handshakeTimeout', async () => {
    const { l, goodClient, goodServer } = await serving({ handshakeTimeout: 200 });
    const accepted = l.accept();
    const silent = await rawConnect(l);
    await expect(within(accepted, 5000, 'accept')).rejects.toMatchObject({
      code: 'ERR_PROTOCOL',
      message: expect.stringContaining('handshake not completed'),
    });
    await within(closedPromise(silent), 5000, 'server drops the silent socket');
    await stillServing(l, goodClient, goodServer);
  });

  it('a peer SIGKILLed in the middle of a handshake frame: accept() rejects with ConnectionClosedError', async () => {
    const { l, goodClient, goodServer } = await serving();
    const accepted = l.accept().catch((e: unknown) => e);
    const child = new Child('half-frame.mjs', ['raw', l.address as string, '']);
    expect(await child.line()).toBe('ready');
    await child.kill('SIGKILL');
    const error = await within(accepted, 5000, 'accept');
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    await stillServing(l, goodClient, goodServer);
  });

  it('a peer SIGKILLed in the middle of a message frame: recv rejects with ConnectionClosedError', async () => {
    const { l, goodClient, goodServer } = await serving();
    const accepted = l.accept();
    const child = new Child('half-frame.mjs', ['auth', l.address as string, KEY.toString('hex')]);
    const server = await within(accepted, 10_000, 'accept');
    expect(await child.line()).toBe('ready');
    const pending = server.recv({ timeout: 10_000 }).catch((e: unknown) => e);
    await child.kill('SIGKILL');
    const error = await pending;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    await stillServing(l, goodClient, goodServer);
  });
});
