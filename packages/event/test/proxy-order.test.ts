import { ConnectionClosedError, Event } from '@multiproc/event';
import { decodeValue } from '@multiproc/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { arg, Child, keyArg, reapChildren, within } from './helpers.js';

afterEach(reapChildren);

/** A child that issues `ops` on proxies of `a` (and `b`) without awaiting between them. */
function burst(a: Event, b: Event | null, ops: string[], warm: boolean): Child {
  return new Child('burst.mjs', [
    keyArg(),
    arg(a),
    b === null ? '-' : arg(b),
    JSON.stringify(ops),
    warm ? 'warm' : 'cold',
  ]);
}

// A proxy's set()/clear() resolve once sent (casts, after the first operation), so these pin what
// that still guarantees: the owner applies one process's operations in the order it issued them,
// before anything that process asks the same owner later.
describe.each([
  ['first operations (requests)', false],
  ['later operations (casts)', true],
])('proxy operations issued without awaiting: %s', (_name, warm) => {
  it('clear, set, clear: the owner ends cleared, and the set in between woke its waiter', async () => {
    const e = new Event();
    const ownerWait = e.wait({ timeout: 10_000 });
    const child = burst(e, null, ['clear', 'set', 'clear', 'isSet'], warm);
    expect(await child.json()).toEqual([null, null, null, false]);
    expect(await ownerWait).toBe(true);
    expect(await e.isSet()).toBe(false);
    expect(await within(child.exited, 10_000, 'burst exit')).toEqual({ code: 0, signal: null });
  });

  it('set then isSet / wait(0) / wait: each sees the set', async () => {
    const e = new Event();
    const child = burst(e, null, ['set', 'isSet', 'wait0', 'clear', 'wait0', 'set', 'wait'], warm);
    expect(await child.json()).toEqual([null, true, true, null, false, null, true]);
    expect(await e.isSet()).toBe(true);
  });

  it('order holds across Events of one owner: a set on a is applied before a later set on b', async () => {
    const a = new Event();
    const b = new Event();
    const child = burst(a, b, ['clear', 'set', 'b:set'], warm);
    // Woken by the child's b.set(): its earlier a.set() must already be applied here.
    expect(await b.wait({ timeout: 10_000 })).toBe(true);
    expect(await a.isSet()).toBe(true);
    expect(await child.json()).toEqual([null, null, null]);
  });

  it('a bad timeout on a proxy still rejects InvalidArgumentError and does not disturb the rest', async () => {
    const e = new Event();
    const child = burst(e, null, ['set', 'badWait', 'isSet'], warm);
    const [set, bad, isSet] = await child.json();
    expect(set).toBe(null);
    expect(bad).toEqual({
      error: expect.objectContaining({ name: 'InvalidArgumentError', code: 'ERR_INVALID_ARG' }),
    });
    expect(isSet).toBe(true);
  });
});

describe('proxy of an owner that dies', () => {
  it('set() after the owner is SIGKILLed settles, and a later wait() rejects ConnectionClosedError', async () => {
    const owner = new Child('owner.mjs', [keyArg()]);
    const { handle } = await owner.json();
    const e = decodeValue(Buffer.from(handle, 'base64')) as Event;
    expect(await e.isSet()).toBe(false); // the link is confirmed: set() is a cast from now on
    await e.set();
    expect(await e.isSet()).toBe(true);
    await owner.kill('SIGKILL');
    // Sent before this process noticed, it resolves; after, it rejects. It never hangs.
    const set = await within(
      e.set().then(
        () => 'sent',
        (error: unknown) => error,
      ),
      10_000,
      'set after owner death',
    );
    if (set !== 'sent') expect(set).toBeInstanceOf(ConnectionClosedError);
    // A resolved set() must not make later calls look healthy.
    await expect(within(e.wait(), 10_000, 'wait after owner death')).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );
    await expect(within(e.clear(), 10_000, 'clear after owner death')).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );
    await expect(within(e.isSet(), 10_000, 'isSet after owner death')).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );
  });
});
