import { Event } from '@multiproc/event';
import { Process } from '@multiproc/process';
import { Queue } from '@multiproc/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { consume, produce } from './fixtures/load-tasks.mjs';
import { LOAD_TIMEOUT, load, reap, record, scaleNote, track, within } from './helpers.js';

afterEach(reap);

const PRODUCERS = 4;
const CONSUMERS = 4;
const BUFFER_SIZE = 64 * 1024;

interface Summary {
  c: number;
  bad: number;
  bytes: number;
  seen: Uint32Array[];
}

/**
 * 4 producer processes x 4 consumer processes through one Queue owned by this process.
 * Returns what every consumer saw, and the items/s from the moment all of them were told to go.
 */
async function run(perProducer: number, kind: 'small' | 'buffer', maxsize: number) {
  const q = new Queue<unknown>({ maxsize });
  const results = new Queue<Summary>();
  const go = new Event();
  const producers = Array.from({ length: PRODUCERS }, (_, p) =>
    track(new Process({ target: produce, args: [q, go, p, perProducer, kind, BUFFER_SIZE] })),
  );
  const consumers = Array.from({ length: CONSUMERS }, (_, c) =>
    track(new Process({ target: consume, args: [q, go, results, c, PRODUCERS] })),
  );
  for (const p of [...producers, ...consumers]) await p.start();
  const started = performance.now();
  await go.set();
  // Each producer confirms its puts reached the owner before it exits, so these nulls come last.
  for (const p of producers) await p.join();
  for (const p of producers) expect(p.exitCode).toBe(0);
  for (let c = 0; c < CONSUMERS; c++) await q.put(null);
  const summaries: Summary[] = [];
  for (let c = 0; c < CONSUMERS; c++) summaries.push(await results.get());
  const seconds = (performance.now() - started) / 1000;
  for (const p of consumers) await p.join();
  for (const p of consumers) expect(p.exitCode).toBe(0);
  expect(await q.qsize()).toBe(0);
  return { summaries, seconds };
}

/** Every item exactly once, per-producer order kept in every consumer, no checksum failure. */
function check(summaries: Summary[], perProducer: number) {
  let duplicated = 0;
  let lost = 0;
  let outOfOrder = 0;
  let bad = 0;
  for (let p = 0; p < PRODUCERS; p++) {
    const count = new Uint8Array(perProducer);
    for (const s of summaries) {
      const seen = s.seen[p]!;
      for (let i = 0; i < seen.length; i++) {
        const seq = seen[i]!;
        if (i > 0 && seen[i - 1]! >= seq) outOfOrder++;
        if (seq >= perProducer) bad++;
        else if (count[seq]++ > 0) duplicated++;
      }
    }
    for (let i = 0; i < perProducer; i++) if (count[i] === 0) lost++;
  }
  for (const s of summaries) bad += s.bad;
  return { duplicated, lost, outOfOrder, bad };
}

describe('Queue under load: 4 producer processes x 4 consumer processes', () => {
  it(
    'small items with ids and checksums: every item exactly once, per-producer order kept',
    async () => {
      const total = load(1_000_000, 200_000);
      const perProducer = Math.ceil(total / PRODUCERS);
      const { summaries, seconds } = await within(run(perProducer, 'small', 0), 200_000, 'queue load');
      const outcome = check(summaries, perProducer);
      expect(outcome).toEqual({ duplicated: 0, lost: 0, outOfOrder: 0, bad: 0 });
      const items = perProducer * PRODUCERS;
      const rate = Math.round(items / seconds);
      console.log(
        `Queue 4x4, ${items} small items (${scaleNote()}): ${seconds.toFixed(2)} s, ${rate} items/s; ` +
          `per consumer ${summaries.map((s) => s.seen.reduce((n, l) => n + l.length, 0)).join('/')}`,
      );
      record({
        section: 'load',
        file: 'load-queue',
        name: 'Queue, 4 producer x 4 consumer processes, small items with ids + checksums',
        result: `${items.toLocaleString('en-US')} items in ${seconds.toFixed(1)} s (${rate.toLocaleString('en-US')} items/s); exactly once, per-producer order kept`,
        items,
        lost: outcome.lost,
        duplicated: outcome.duplicated,
        itemsPerSecond: rate,
      });
    },
    LOAD_TIMEOUT,
  );

  it(
    '64 KiB Buffer items: every byte arrives intact, exactly once, in per-producer order',
    async () => {
      const totalBytes = load(1024 ** 3, 128 * 1024 ** 2);
      const perProducer = Math.ceil(totalBytes / BUFFER_SIZE / PRODUCERS);
      // Bounded, so the owner holds at most 256 x 64 KiB whatever the consumers' pace.
      const { summaries, seconds } = await within(run(perProducer, 'buffer', 256), 200_000, 'buffer load');
      const outcome = check(summaries, perProducer);
      expect(outcome).toEqual({ duplicated: 0, lost: 0, outOfOrder: 0, bad: 0 });
      const items = perProducer * PRODUCERS;
      const bytes = summaries.reduce((n, s) => n + s.bytes, 0);
      expect(bytes).toBe(items * BUFFER_SIZE);
      const rate = Math.round(items / seconds);
      const mibps = Math.round(bytes / 1024 ** 2 / seconds);
      console.log(
        `Queue 4x4, ${items} x 64 KiB = ${(bytes / 1024 ** 3).toFixed(2)} GiB (${scaleNote()}): ` +
          `${seconds.toFixed(2)} s, ${rate} items/s, ${mibps} MiB/s`,
      );
      record({
        section: 'load',
        file: 'load-queue',
        name: 'Queue, 4 x 4 processes, 64 KiB Buffer items (md5-checked)',
        result: `${items.toLocaleString('en-US')} buffers = ${(bytes / 1024 ** 2).toLocaleString('en-US')} MiB in ${seconds.toFixed(1)} s (${rate.toLocaleString('en-US')} items/s, ${mibps} MiB/s); exactly once, intact, in order`,
        items,
        lost: outcome.lost,
        duplicated: outcome.duplicated,
        itemsPerSecond: rate,
      });
    },
    LOAD_TIMEOUT,
  );
});
