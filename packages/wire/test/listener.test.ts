import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  Client,
  Connection,
  ConnectionClosedError,
  Host,
  InvalidArgumentError,
  Listener,
  MultiprocError,
  removePrivateDir,
  TimeoutError,
} from '@multiproc/wire';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { assertServes, closeAll, connect, listen, socketPair, track } from './helpers.js';

// The private socket dir is removed at process exit, which a vitest worker may never reach.
afterAll(removePrivateDir);
afterEach(closeAll);

describe('Listener / Client', () => {
  it('refuses a TCP listener without an authkey', () => {
    const make = () => new Listener({ address: { host: '127.0.0.1', port: 0 } });
    expect(make).toThrow(InvalidArgumentError);
    expect(make).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
  });

  it('serves TCP on 127.0.0.1 port 0 with an authkey', async () => {
    const l = await listen({ address: { host: '127.0.0.1', port: 0 }, authkey: 'tcp-key' });
    expect(l.address).toEqual({ host: '127.0.0.1', port: expect.any(Number) });
    expect((l.address as { port: number }).port).toBeGreaterThan(0);
    await assertServes(l, { authkey: 'tcp-key' });
    // The string form that handles carry works too.
    const { port } = l.address as { port: number };
    const accepted = l.accept();
    const client = track(await Client(`tcp://127.0.0.1:${port}`, { authkey: 'tcp-key' }));
    const server = track(await accepted);
    client.send('over tcp');
    expect(await server.recv({ timeout: 5000 })).toBe('over tcp');
  });

  it('keeps its private Unix socket in a 0700 directory, the socket itself 0600', async () => {
    const l = await listen();
    const path = l.address as string;
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const host = Host.current();
    expect(statSync(dirname(host.address)).mode & 0o777).toBe(0o700);
    expect(statSync(host.address).mode & 0o777).toBe(0o600);
  });

  it('rejects a pending accept() with ConnectionClosedError when closed', async () => {
    const l = await listen();
    const pending = l.accept();
    l.close();
    await expect(pending).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(l.accept()).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('fails a Client to an address nobody listens on with ConnectionClosedError', async () => {
    const l = await listen();
    const address = l.address;
    l.close();
    await expect(Client(address, { authkey: 'secret' })).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('validates maxFrameSize', () => {
    for (const maxFrameSize of [0, -1, 1.5, 2 ** 30]) {
      expect(() => new Listener({ authkey: 'k', maxFrameSize })).toThrow(InvalidArgumentError);
    }
  });
});

describe('Connection', () => {
  it('poll(timeout) reports whether a message is ready', async () => {
    const [client, server] = await connect(await listen());
    expect(await server.poll()).toBe(false);
    expect(await server.poll(20)).toBe(false);
    const polled = server.poll(5000);
    client.send(undefined);
    expect(await polled).toBe(true);
    expect(await server.poll(0)).toBe(true); // still there: poll does not consume
    expect(await server.recv()).toBeUndefined();
    await expect(server.poll(-1)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('recv({ timeout }) rejects with TimeoutError, and a later message is not lost', async () => {
    const [client, server] = await connect(await listen());
    const error = await server.recv({ timeout: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'ERR_TIMEOUT' });
    client.send('late');
    expect(await server.recv({ timeout: 5000 })).toBe('late');
  });

  it('rejects a negative timeout with ERR_INVALID_ARG, even with a message queued', async () => {
    const [client, server] = await connect(await listen());
    await expect(server.recv({ timeout: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    client.send('queued');
    await server.poll(5000);
    await expect(server.recv({ timeout: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    expect(await server.recv()).toBe('queued');
  });

  it('an AbortSignal rejects recv with AbortError (ABORT_ERR), before or during the wait', async () => {
    const [client, server] = await connect(await listen());
    const controller = new AbortController();
    const waiting = server.recv({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    await expect(server.recv({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORT_ERR' });
    await expect(server.recvBytes({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ABORT_ERR',
    });
    client.send('after abort');
    expect(await server.recv({ timeout: 5000 })).toBe('after abort');
  });

  it('delivers buffered messages after the peer closes, then rejects with ConnectionClosedError', async () => {
    const [client, server] = await connect(await listen());
    client.send(1);
    client.sendBytes(Buffer.from('two'));
    client.send(3);
    client.close();
    expect(client.closed).toBe(true);
    expect(() => client.send(4)).toThrow(ConnectionClosedError);
    await expect(client.recv()).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await server.recv({ timeout: 5000 })).toBe(1);
    expect((await server.recvBytes({ timeout: 5000 })).toString()).toBe('two');
    expect(await server.recv({ timeout: 5000 })).toBe(3);
    const error = await server.recv({ timeout: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    expect(await server.poll(0)).toBe(true); // end of stream is "ready", as in Python
  });

  it('a recv pending when this end closes rejects with ConnectionClosedError', async () => {
    const [, server] = await connect(await listen());
    const pending = server.recv({ timeout: 5000 });
    server.close();
    await expect(pending).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('for await yields every message and ends when the peer closes', async () => {
    const [client, server] = await connect(await listen());
    for (let i = 0; i < 5; i++) client.send({ i });
    client.close();
    const got: unknown[] = [];
    for await (const message of server) got.push(message);
    expect(got).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
  });

  it('recvBytes refuses a value message and leaves it queued; Uint8Array values are accepted', async () => {
    const [client, server] = await connect(await listen());
    client.send({ not: 'bytes' });
    client.send(new Uint8Array([1, 2, 3]));
    await expect(server.recvBytes({ timeout: 5000 })).rejects.toMatchObject({ code: 'ERR_MESSAGE_TYPE' });
    expect(await server.recv()).toEqual({ not: 'bytes' });
    expect([...(await server.recvBytes({ timeout: 5000 }))]).toEqual([1, 2, 3]);
  });

  it('sendBytes validates offset and size with Python’s messages', async () => {
    const [client, server] = await connect(await listen());
    const buf = Buffer.from('0123456789');
    const cases: Array<[number, number | undefined, string]> = [
      [-1, undefined, 'offset is negative'],
      [11, undefined, 'buffer length < offset'],
      [0, -1, 'size is negative'],
      [2, 9, 'buffer length < offset + size'],
    ];
    for (const [offset, size, message] of cases) {
      expect(() => client.sendBytes(buf, offset, size)).toThrow(InvalidArgumentError);
      expect(() => client.sendBytes(buf, offset, size)).toThrow(message);
    }
    expect(() => client.sendBytes('text' as unknown as Buffer)).toThrow(InvalidArgumentError);
    client.sendBytes(buf, 10); // empty message at the very end is fine
    client.sendBytes(buf, 3, 4);
    expect((await server.recvBytes({ timeout: 5000 })).length).toBe(0);
    expect((await server.recvBytes({ timeout: 5000 })).toString()).toBe('3456');
  });

  it('a read-only end cannot send and a write-only end cannot receive', async () => {
    const [a, b] = await socketPair();
    const writeOnly = track(new Connection(a, { readable: false }));
    const readOnly = track(new Connection(b, { writable: false }));
    for (const misuse of [() => readOnly.send(1), () => readOnly.sendBytes(Buffer.from('x'))]) {
      expect(misuse).toThrow(MultiprocError);
      expect(misuse).toThrow('connection is read-only');
    }
    await expect(writeOnly.recv()).rejects.toMatchObject({ code: 'ERR_CONNECTION_MODE' });
    await expect(writeOnly.recvBytes()).rejects.toMatchObject({ code: 'ERR_CONNECTION_MODE' });
    await expect(writeOnly.poll()).rejects.toMatchObject({ code: 'ERR_CONNECTION_MODE' });
    expect(writeOnly.readable).toBe(false);
    expect(readOnly.writable).toBe(false);
    writeOnly.send('one way');
    expect(await readOnly.recv({ timeout: 5000 })).toBe('one way');
  });
});

it('a listener closed before it is bound still settles `ready`', async () => {
  const l = new Listener({ authkey: 'k' });
  l.close();
  await expect(l.ready).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
});
