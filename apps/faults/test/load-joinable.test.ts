import { Event } from '@multiproc/event';
import { JoinableQueue } from '@multiproc/joinable-queue';
import { Process } from '@multiproc/process';
import { Queue } from '@multiproc/queue';
import { afterEach, expect, it } from 'vitest';
import { jqConsume } from './fixtures/load-tasks.mjs';
import { BOUND_MS, LOAD_TIMEOUT, load, reap, record, scaleNote, track, within } from './helpers.js';

afterEach(reap);

const CONSUMERS = 4;

it(
  'JoinableQueue: items marked done by 4 consumer processes; join() resolves exactly when the last is done',
  async () => {
    const n = load(200_000, 200_000);
    const q = new JoinableQueue<number>();
    const results = new Queue<{ c: number; seen: Uint32Array; lastDone: bigint }>();
    const holding = new Event();
    const release = new Event();
    // The held item is put only in phase 2, after the first join.
    const hold = n;
    const consumers = Array.from({ length: CONSUMERS }, (_, c) =>
      track(new Process({ target: jqConsume, args: [q, results, c, hold, holding, release] })),
    );
    for (const p of consumers) await p.start();

    // Phase 1: n items; join() must not resolve before the last taskDone() call anywhere.
    const started = performance.now();
    for (let i = 0; i < n; i++) await q.put(i);
    expect(await within(q.join(), 120_000, 'join')).toBe(true);
    const joinedAt = process.hrtime.bigint();
    const seconds = (performance.now() - started) / 1000;

    // Phase 2: one more item, held by its consumer: join() stays pending while it is unfinished.
    await q.put(hold);
    expect(await holding.wait({ timeout: BOUND_MS })).toBe(true);
    expect(await q.join({ timeout: 300 })).toBe(false);
    const joined = q.join();
    await release.set();
    expect(await within(joined, BOUND_MS, 'join after release')).toBe(true);

    q.close(); // consumers' loops end once drained, and they report
    const summaries = [];
    for (let c = 0; c < CONSUMERS; c++) summaries.push(await within(results.get(), BOUND_MS, 'summary'));
    for (const p of consumers) await p.join({ timeout: BOUND_MS });
    for (const p of consumers) expect(p.exitCode).toBe(0);

    const count = new Uint8Array(n + 1);
    let duplicated = 0;
    for (const s of summaries) for (const i of s.seen) if (count[i]!++ > 0) duplicated++;
    const lost = count.reduce((k, c) => k + (c === 0 ? 1 : 0), 0);
    expect({ duplicated, lost }).toEqual({ duplicated: 0, lost: 0 });
    // Every taskDone() of phase 1 was called before join() resolved (process.hrtime is one
    // monotonic clock for every process on the machine): join() did not resolve early.
    for (const s of summaries) expect(s.lastDone < joinedAt).toBe(true);

    const rate = Math.round(n / seconds);
    console.log(
      `JoinableQueue ${n} items, 4 consumers (${scaleNote()}): ${seconds.toFixed(2)} s, ${rate} items/s`,
    );
    record({
      section: 'load',
      file: 'load-joinable',
      name: 'JoinableQueue, taskDone from 4 consumer processes',
      result: `${n.toLocaleString('en-US')} items done in ${seconds.toFixed(1)} s (${rate.toLocaleString('en-US')} items/s); join() resolved after the last taskDone, and stayed pending while one item was held`,
      items: n + 1,
      lost,
      duplicated,
      itemsPerSecond: rate,
    });
  },
  LOAD_TIMEOUT,
);
