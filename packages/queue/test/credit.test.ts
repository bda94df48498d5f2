import { Queue } from '@multiproc/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { reapChildren, spawnFixture, within } from './helpers.js';

afterEach(reapChildren);

describe('consumer credit', () => {
  it('two slow consumers share the items: each is given one at a time, in turn', async () => {
    const q = new Queue<number | null>();
    const consumers = [
      spawnFixture('scenario', ['slowConsumer', q, 5]),
      spawnFixture('scenario', ['slowConsumer', q, 5]),
    ];
    for (const c of consumers) await c.next();
    for (let i = 0; i < 40; i++) await q.put(i);
    await q.put(null);
    await q.put(null);
    const [a, b] = await Promise.all(consumers.map((c) => c.next<{ items: number[] }>(30_000)));
    expect([...a!.items, ...b!.items].sort((x, y) => x - y)).toEqual([...Array(40).keys()]);
    // A slow consumer's credit stays at 1, so neither can hoard: both get a fair share.
    expect(a!.items.length).toBeGreaterThanOrEqual(10);
    expect(b!.items.length).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('two fast consumers both get batches; every item exactly once, in order per consumer', async () => {
    const q = new Queue<number | null>();
    const consumers = [
      spawnFixture('consume', [q, { name: 'a' }]),
      spawnFixture('consume', [q, { name: 'b' }]),
    ];
    // Both are waiting before the first item arrives.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const n = 50_000;
    for (let i = 0; i < n; i++) await q.put(i);
    await q.put(null);
    await q.put(null);
    const results = await Promise.all(consumers.map((c) => c.next<{ items: number[] }>(60_000)));
    for (const { items } of results) {
      expect(items.length).toBeGreaterThan(0);
      for (let i = 1; i < items.length; i++) expect(items[i]!).toBeGreaterThan(items[i - 1]!);
    }
    const all = results.flatMap((r) => r.items).sort((x, y) => x - y);
    expect(all).toEqual([...Array(n).keys()]);
  }, 90_000);

  it('a hot consumer SIGKILLed with prefetched items: the others go on, nothing duplicated, loss bounded by its credit', async () => {
    const q = new Queue<number | null>();
    const n = 20_000;
    for (let i = 0; i < n; i++) await q.put(i);
    const hot = spawnFixture('scenario', ['takeThenHang', q, 5000]);
    const { items: taken } = await hot.next<{ items: number[] }>(30_000);
    expect(taken).toEqual([...Array(5000).keys()]);
    hot.process.kill('SIGKILL');
    await within(hot.exited, 10_000, 'killed consumer exit');
    await q.put(null);
    const rest = spawnFixture('consume', [q, { name: 'rest' }]);
    const { items } = await rest.next<{ items: number[] }>(30_000);
    // FIFO: what is left is a gap (the items the killed consumer held), then everything after it.
    for (let i = 1; i < items.length; i++) expect(items[i]).toBe(items[i - 1]! + 1);
    expect(items.at(-1)).toBe(n - 1);
    const lost = n - taken.length - items.length;
    expect(lost).toBeGreaterThanOrEqual(0);
    // At most its buffer (half a credit) plus one reply in flight (a credit): 1.5 x MAX_CREDIT.
    expect(lost).toBeLessThanOrEqual(3072);
  }, 60_000);
});
