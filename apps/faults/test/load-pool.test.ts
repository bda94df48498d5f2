import { Pool } from '@multiproc/pool';
import { afterEach, expect, it } from 'vitest';
import { inc } from './fixtures/load-tasks.mjs';
import { fdCount, LOAD_TIMEOUT, load, own, reap, record, scaleNote, waitFor, within } from './helpers.js';

let pool: Pool | null = null;
afterEach(async () => {
  if (pool) {
    for (const pid of pool.pids()) own(pid);
    await pool.terminate();
    pool = null;
  }
  await reap();
});

/**
 * The documented bound: while imapUnordered streams any number of tasks, the parent's RSS stays
 * within this much of what it was before the run. It is a constant: it does not grow with the
 * task count (the input is read lazily, at most `buffersize` chunks are in flight).
 */
const RSS_BOUND = 128 * 1024 ** 2;
const MiB = 1024 ** 2;

function* numbers(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** Streams n tasks through imapUnordered; returns the peak RSS growth over the run. */
async function stream(p: Pool, n: number) {
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  let count = 0;
  let sum = 0;
  const seen = new Uint8Array(n);
  let duplicated = 0;
  const started = performance.now();
  for await (const v of p.imapUnordered(inc, numbers(n), { chunksize: 100 })) {
    const i = v - 1;
    if (seen[i]!++ > 0) duplicated++;
    sum += v;
    if (++count % 2000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  const seconds = (performance.now() - started) / 1000;
  const lost = seen.reduce((k, c) => k + (c === 0 ? 1 : 0), 0);
  return { count, sum, duplicated, lost, growth: peak - before, peak, seconds };
}

it(
  'Pool: imapUnordered over many tasks keeps the parent’s memory under a bound that does not grow with the task count',
  async () => {
    const large = load(1_000_000, 1_000_000);
    const small = Math.round(large / 4);
    pool = new Pool({ processes: 2 });
    await pool.whenReady();
    const fds = fdCount();

    const a = await within(stream(pool, small), 120_000, 'imapUnordered (small)');
    const b = await within(stream(pool, large), 240_000, 'imapUnordered (large)');
    for (const [run, n] of [
      [a, small],
      [b, large],
    ] as const) {
      expect(run.count).toBe(n);
      expect({ duplicated: run.duplicated, lost: run.lost }).toEqual({ duplicated: 0, lost: 0 });
      expect(run.sum).toBe((n * (n + 1)) / 2);
      expect(run.growth).toBeLessThan(RSS_BOUND);
    }
    // Four times the tasks, not four times the memory: the larger run stays within the same bound,
    // and within a small margin of the smaller run's peak.
    expect(b.peak - a.peak).toBeLessThan(RSS_BOUND / 2);
    expect(await waitFor(() => fdCount() <= fds)).toBe(true);

    const rate = Math.round(large / b.seconds);
    const mib = (x: number) => (x / MiB).toFixed(0);
    console.log(
      `Pool imapUnordered (${scaleNote()}): ${small} tasks peak RSS +${mib(a.growth)} MiB; ` +
        `${large} tasks in ${b.seconds.toFixed(2)} s (${rate} tasks/s) peak RSS +${mib(b.growth)} MiB ` +
        `(bound ${mib(RSS_BOUND)} MiB, peak ${mib(b.peak)} MiB)`,
    );
    pool.close();
    await within(pool.join(), 10_000, 'pool join');
    record({
      section: 'load',
      file: 'load-pool',
      name: 'Pool imapUnordered, 2 workers, chunksize 100, lazy input',
      result: `${large.toLocaleString('en-US')} tasks in ${b.seconds.toFixed(1)} s (${rate.toLocaleString('en-US')} tasks/s); parent peak RSS +${mib(b.growth)} MiB (${small.toLocaleString('en-US')} tasks: +${mib(a.growth)} MiB), bound ${mib(RSS_BOUND)} MiB whatever the count; each result exactly once`,
      items: small + large,
      lost: a.lost + b.lost,
      duplicated: a.duplicated + b.duplicated,
      itemsPerSecond: rate,
    });
  },
  LOAD_TIMEOUT,
);
