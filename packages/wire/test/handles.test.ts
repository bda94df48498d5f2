import { randomBytes } from 'node:crypto';
import {
  type Connection,
  EncodeError,
  encodeValueWithModules,
  Host,
  HostLink,
  isShareable,
  registerHandleKind,
  removePrivateDir,
  SharedObject,
  setAuthkey,
  toHandle,
} from '@multiproc/wire';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Counter } from './fixtures/counter-kind.mjs';
import { Child, closeAll, connect, listen, reapChildren, track, within } from './helpers.js';

const KEY = randomBytes(32);

// The private socket dir is removed at process exit, which a vitest worker may never reach.
afterAll(removePrivateDir);
afterEach(async () => {
  closeAll();
  await reapChildren();
});

beforeAll(() => setAuthkey(KEY));

describe('handles', () => {
  it('revive in a child that never imported the kind’s module, and work there', async () => {
    const l = await listen({ authkey: KEY });
    const accepted = l.accept();
    const child = new Child('handle-receiver.mjs', [l.address as string, KEY.toString('hex')]);
    const conn: Connection = track(await within(accepted, 10_000, 'accept'));
    const counter = new Counter(5);
    conn.send({ counter, note: 'a counter for you' });

    const { report, counter: returned } = (await conn.recv({ timeout: 15_000 })) as {
      report: Record<string, unknown>;
      counter: unknown;
    };
    expect(report).toEqual({
      before: 0, // the child had not loaded the module when the message arrived...
      after: 1, // ...and the 'modules' control frame made it import it, once, before decoding
      note: 'a counter for you',
      ctor: 'CounterProxy',
      isSharedObject: true,
      incremented: 7,
      value: 7,
    });
    // The child's calls reached the owner, and the handle sent back home is the owner's own object.
    expect(counter.value).toBe(7);
    expect(returned).toBe(counter);
    conn.send('bye');
    expect(await within(child.exited, 10_000, 'child exit')).toEqual({ code: 0, signal: null });
  });

  it('names the module a handle needs, and carries { kind, module, address, id, data }', () => {
    const counter = new Counter(1);
    const { modules } = encodeValueWithModules([counter, counter]);
    expect([...(modules ?? [])]).toEqual([expect.stringMatching(/counter-kind\.mjs$/)]);
    expect(isShareable(counter)).toBe(true);
    expect(counter[toHandle]()).toMatchObject({ kind: 'test.counter', address: Host.current().address });
    expect(encodeValueWithModules({ plain: 1 }).modules).toBeNull();
  });

  it('refuses to register a kind twice, or an empty kind', () => {
    const revive = () => null;
    registerHandleKind('test.once', import.meta.url, revive);
    registerHandleKind('test.once', import.meta.url, revive); // same reviver: harmless
    expect(() => registerHandleKind('test.once', import.meta.url, () => 1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
    expect(() => registerHandleKind('', import.meta.url, revive)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
    );
  });

  it('a handle nobody here can revive rejects that recv with EncodeError; the stream stays in sync', async () => {
    const l = await listen();
    const [client, server] = await connect(l);
    // The unknown handle comes first; record shapes first defined after it must still be learnt.
    client.send([new Orphan(), { brandNew: 1, shape: [2] }]);
    client.send({ brandNew: 3, shape: [4] });
    client.send(new Map([['m', { brandNew: 5, shape: [] }]]));
    const error = await server.recv({ timeout: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncodeError);
    expect(error).toMatchObject({
      code: 'ERR_UNSERIALIZABLE',
      message: expect.stringContaining('test.orphan'),
    });
    expect(await server.recv({ timeout: 5000 })).toEqual({ brandNew: 3, shape: [4] });
    expect(await server.recv({ timeout: 5000 })).toEqual(new Map([['m', { brandNew: 5, shape: [] }]]));
  });

  it('an unrevivable handle in a request or a reply fails that request, not the link', async () => {
    const host = Host.current();
    const id = host.register({ handle: (op, args) => (op === 'orphan' ? new Orphan() : args) });
    const link = HostLink.to(host.address);
    // In the reply: decoded by the link.
    await expect(within(link.request(id, 'orphan', []), 5000, 'reply')).rejects.toBeInstanceOf(EncodeError);
    // In the arguments: decoded by the host, which answers with the error.
    await expect(within(link.request(id, 'echo', [new Orphan()]), 5000, 'request')).rejects.toMatchObject({
      name: 'EncodeError',
      code: 'ERR_UNSERIALIZABLE',
    });
    expect(await within(link.request(id, 'echo', [{ still: 'linked' }]), 5000, 'echo')).toEqual([
      { still: 'linked' },
    ]);
    expect(link.closed).toBe(false);
  });
});

/** A handle kind that no process registers. */
class Orphan extends SharedObject {
  [toHandle]() {
    return { kind: 'test.orphan', address: '/nowhere', id: 1 };
  }
}
