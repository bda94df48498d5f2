import { AuthenticationError, Client, Listener, NO_MESSAGE, removePrivateDir } from '@multiproc/wire';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const open: Array<{ close(): void }> = [];
// The private socket dir is removed at process exit, which a vitest worker may never reach.
afterAll(removePrivateDir);
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

async function pair(authkey = 'secret') {
  const l = new Listener({ authkey });
  open.push(l);
  await l.ready;
  const accepted = l.accept();
  const client = await Client(l.address, { authkey });
  const server = await accepted;
  open.push(client, server);
  return { l, client, server };
}

describe('Connection over a Listener', () => {
  it('round-trips values and bytes in order', async () => {
    const { client, server } = await pair();
    const value = { n: 1, big: 2n ** 70n, m: new Map([[1, 'a']]), s: new Set([1]), d: new Date(3) };
    client.send(value);
    client.sendBytes(Buffer.from('abcdef'), 2, 3);
    client.send('last');
    expect(await server.recv()).toEqual(value);
    expect((await server.recvBytes()).toString()).toBe('cde');
    expect(await server.recv()).toBe('last');
  });

  it('recvReady takes queued values without waiting; breaking a for await loses nothing', async () => {
    const { client, server } = await pair();
    expect(server.recvReady()).toBe(NO_MESSAGE);
    for (let i = 0; i < 10; i++) client.send(i);
    expect(await server.recv()).toBe(0);
    expect(server.recvReady()).toBe(1);
    const seen: unknown[] = [];
    for await (const v of server) {
      seen.push(v);
      if (v === 5) break;
    }
    expect(seen).toEqual([2, 3, 4, 5]);
    expect(await server.recv()).toBe(6);
  });

  it('rejects a wrong authkey on both sides and keeps serving', async () => {
    const { l } = await pair('right');
    const serverSide = l.accept().catch((e: unknown) => e);
    await expect(Client(l.address, { authkey: 'wrong' })).rejects.toBeInstanceOf(AuthenticationError);
    expect(await serverSide).toBeInstanceOf(AuthenticationError);
    const next = l.accept();
    const good = await Client(l.address, { authkey: 'right' });
    open.push(good);
    const conn = await next;
    open.push(conn);
    good.send('still serving');
    expect(await conn.recv()).toBe('still serving');
  });

  it('fails a function at send time with a MultiprocError code', async () => {
    const { client } = await pair();
    expect(() => client.send({ f: () => 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_UNSERIALIZABLE' }),
    );
  });
});
