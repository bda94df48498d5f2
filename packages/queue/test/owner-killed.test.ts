// Importing the package registers the queue handle kind, so the owner's handle can be decoded here.
import type { Queue } from '@multiproc/queue';
import '@multiproc/queue';
import { decodeValue } from '@multiproc/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { reapChildren, spawnFixture, within } from './helpers.js';

afterEach(reapChildren);

describe('when the owner dies', () => {
  it('consumers and producers elsewhere get ConnectionClosedError promptly', async () => {
    const owner = spawnFixture('scenario', ['owner']);
    const { handle } = await owner.next<{ handle: string }>();
    const q = decodeValue(Buffer.from(handle, 'base64')) as Queue<number>;
    const consumer = spawnFixture('scenario', ['survivor', q, 'consumer']);
    const producer = spawnFixture('scenario', ['survivor', q, 'producer']);
    expect(await consumer.next()).toEqual({ running: 'consumer' });
    expect(await producer.next()).toEqual({ running: 'producer' });
    // This process holds a proxy too, with a get waiting.
    const waiting = (async () => {
      for (;;) await q.get();
    })().catch((e: unknown) => e);

    owner.process.kill('SIGKILL');
    const [c, p, local] = await within(
      Promise.all([consumer.next<any>(), producer.next<any>(), waiting]),
      5_000,
      'ConnectionClosedError everywhere',
    );
    expect(c.error).toMatchObject({ name: 'ConnectionClosedError', code: 'ERR_CONNECTION_CLOSED' });
    expect(p.error).toMatchObject({ name: 'ConnectionClosedError', code: 'ERR_CONNECTION_CLOSED' });
    expect(local).toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    // Later operations fail at once too.
    await expect(q.put(1)).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    await expect(q.qsize()).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    // Both survivors exit by themselves: nothing is left holding them.
    await within(Promise.all([consumer.exited, producer.exited]), 10_000, 'survivors exit');
  });
});
