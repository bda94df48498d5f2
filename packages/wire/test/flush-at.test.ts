import { Connection } from '@multiproc/wire';
import { afterEach, expect, it } from 'vitest';
import { closeAll, socketPair, track } from './helpers.js';

afterEach(closeAll);

/** Runs `observe` after `hops` turns of the microtask queue. */
function afterMicrotasks(hops: number, observe: () => void): Promise<void> {
  return new Promise((resolve) => {
    const step = (left: number) => {
      if (left === 0) {
        observe();
        resolve();
      } else queueMicrotask(() => step(left - 1));
    };
    step(hops);
  });
}

it("'microtask' writes before the tick ends; 'tick' waits for the tick", async () => {
  const [a, b] = await socketPair();
  const soon = track(new Connection(a, { flushAt: 'microtask' }));
  const late = track(new Connection(b));
  expect(soon.flushAt).toBe('microtask');
  expect(late.flushAt).toBe('tick');
  let pendingSoon = -1;
  let pendingLate = -1;
  soon.send('ping');
  late.send('pong');
  await afterMicrotasks(4, () => {
    pendingSoon = soon.pendingBytes;
    pendingLate = late.pendingBytes;
  });
  expect(pendingSoon).toBe(0);
  expect(pendingLate).toBeGreaterThan(0);
  expect(await late.recv({ timeout: 5000 })).toBe('ping');
  expect(await soon.recv({ timeout: 5000 })).toBe('pong');
});

it("'microtask' keeps one write for a chain of awaits that sends on every step, in order", async () => {
  const [a, b] = await socketPair();
  const sender = track(new Connection(a));
  const receiver = track(new Connection(b));
  sender.flushAt = 'microtask';
  const pending: number[] = [];
  for (let i = 0; i < 50; i++) {
    sender.send(i);
    await null;
    pending.push(sender.pendingBytes);
  }
  // Nothing was written while the chain kept sending; it goes once the chain stops.
  expect(pending.every((n) => n > 0)).toBe(true);
  await afterMicrotasks(4, () => {});
  expect(sender.pendingBytes).toBe(0);
  for (let i = 0; i < 50; i++) expect(await receiver.recv({ timeout: 5000 })).toBe(i);
});

it('rejects a flushAt that is neither', async () => {
  const [a] = await socketPair();
  expect(() => new Connection(a, { flushAt: 'never' as 'tick' })).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_ARG' }),
  );
});
