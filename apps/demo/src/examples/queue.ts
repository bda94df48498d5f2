import { setTimeout as sleep } from 'node:timers/promises';
import { Process } from '@multiproc/process';
import { Queue } from '@multiproc/queue';
import { check, defineTask, type Example, parse, positiveInt } from '../example.js';

/** The seed's `random.randrange(10)`, from a seed, so the reader can check what it got. */
export function* digits(seed: number): Generator<number> {
  let x = seed >>> 0 || 1;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    yield x % 10;
  }
}

// Seed 003-D: generate() puts random digits, reader() gets and prints them. The seed
// loops for ever; here the generator stops after `count` and the queue's owner (the
// parent) closes the queue, which ends the reader's `for await` once it is drained.
export const generate = defineTask(
  import.meta.url,
  async (q: Queue<number>, count: number, seed: number, delayMs: number) => {
    const values = digits(seed);
    for (let i = 0; i < count; i++) {
      const value = values.next().value as number;
      await q.put(value);
      console.log(`Value added to queue: ${value}`);
      if (delayMs > 0) await sleep(delayMs);
    }
  },
);

export const reader = defineTask(import.meta.url, async (q: Queue<number>, count: number, seed: number) => {
  const expected = digits(seed);
  let n = 0;
  let inOrder = true;
  for await (const value of q) {
    console.log(`Value from queue: ${value}`);
    if (value !== expected.next().value) inOrder = false;
    n++;
  }
  console.log(
    `reader: the queue is closed and drained after ${n} values${inOrder ? ', in the order they were put' : ', OUT OF ORDER'}`,
  );
  process.exitCode = n === count && inOrder ? 0 : 1;
});

const options = {
  count: { type: 'string', default: '20' },
  fast: { type: 'boolean', default: false },
} as const;

export const queue: Example = {
  name: 'queue',
  seed: '003-D',
  summary:
    'Queue generate/reader: one Process puts random digits, another gets them; close() ends the reader',
  usage: '[--count N] [--fast]',
  showed: 'Queue between two Processes: all values, in order',
  options,
  async run(args) {
    const v = parse(args, options);
    const count = positiveInt(v.count, 'count', 1_000_000);
    const seed = Date.now() % 1_000_000;
    const q = new Queue<number>();
    const p1 = new Process({ target: generate, args: [q, count, seed, v.fast ? 0 : 100], name: 'generate' });
    const p2 = new Process({ target: reader, args: [q, count, seed], name: 'reader' });
    await p1.start();
    await p2.start();
    await p1.join();
    console.log(`generate (pid ${p1.pid}) exited ${p1.exitCode}; the parent closes the queue`);
    q.close();
    await p2.join({ timeout: 30_000 });
    if (p2.isAlive()) {
      p2.terminate();
      await p2.join();
    }
    return check(
      p1.exitCode === 0 && p2.exitCode === 0,
      `reader (pid ${p2.pid}) got all ${count} values in order and exited 0 (exit codes ${p1.exitCode}, ${p2.exitCode})`,
    )
      ? 0
      : 1;
  },
};
