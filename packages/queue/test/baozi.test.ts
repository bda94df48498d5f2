import { Queue } from '@multiproc/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { reapChildren, spawnFixture, within } from './helpers.js';

afterEach(reapChildren);

const FOODS = [
  ['包子', 'worker_01'],
  ['水饺', 'worker_02'],
  ['馒头', 'worker_03'],
] as const;
const SENTINELS = FOODS.map(([, name]) => name);

describe("seed 004's baozi with name sentinels (the pitfall)", () => {
  it('one consumer stops at the first sentinel: fewer than nine eaten, the rest left in the queue', async () => {
    const q = new Queue<string>();
    const consumer = spawnFixture('scenario', ['baoziConsumer', q, 'Consumer_01', SENTINELS]);
    // As in the article's runs, a producer's name lands right after its own third
    // item, ahead of other producers' items. Made certain here: worker_01 finishes
    // before the others start, so its sentinel precedes all their items.
    const [first, ...rest] = FOODS.map(
      ([food, name]) =>
        () =>
          spawnFixture('scenario', ['baoziProducer', q, food, name]),
    );
    await first!().next();
    const others = rest.map((start) => start());
    for (const p of others) await p.next();
    const { eaten } = await consumer.next<{ eaten: string[] }>();
    await within(consumer.exited, 10_000, 'consumer exit');
    expect(eaten.length).toBeLessThan(9);
    expect(eaten.length).toBeGreaterThanOrEqual(1);
    // Unlike Python's pipe at exit, nothing was lost: the uneaten items are still queued.
    const left: string[] = [];
    while ((await q.qsize()) > 0) left.push(await q.getNowait());
    const food = left.filter((s) => !SENTINELS.includes(s as (typeof SENTINELS)[number]));
    expect(eaten.length + food.length).toBe(9);
  });
});
