// Child-side tasks of the multiproc Pipe, Queue, JoinableQueue, Pool and memory cases.
import { task } from '@multiproc/process';

/** Pipe one-way: receive n values, then ack. */
export const pipeSink = task(import.meta.url, async (conn, n, passes = 1) => {
  conn.send('ready');
  for (let pass = 0; pass < passes; pass++) {
    let got = 0;
    for await (const _ of conn) if (++got === n) break;
    conn.send(got);
  }
  conn.close();
});

/** Pipe ping-pong: echo n values. */
export const pipeEcho = task(import.meta.url, async (conn, n) => {
  conn.send('ready');
  for (let i = 0; i < n; i++) conn.send(await conn.recv());
  conn.close();
});

/**
 * Queue producer, once per pass: wait for a go token, put count items (ints,
 * {i, s} or 64 KiB Buffers), then one null per consumer (FIFO per producer
 * puts them last).
 */
export const produce = task(
  import.meta.url,
  async (q, ready, go, start, count, kind, consumers, passes = 1) => {
    const item = kind === 'buf64k' ? Buffer.alloc(65536, 7) : null;
    await ready.put(1);
    for (let pass = 0; pass < passes; pass++) {
      await go.get();
      if (item) for (let i = 0; i < count; i++) await q.put(item);
      else if (kind === 'obj') for (let i = start; i < start + count; i++) await q.put({ i, s: 'x' });
      else for (let i = start; i < start + count; i++) await q.put(i);
      for (let k = 0; k < consumers; k++) await q.put(null);
    }
  },
);

/**
 * Queue consumer, once per pass (after a go token, if given): get until
 * `producers` nulls, report the count (and sum of ints: nothing lost or
 * duplicated). 1->N and N->1 only.
 */
export const consume = task(import.meta.url, async (q, ready, done, producers = 1, passes = 1, go = null) => {
  await ready.put(1);
  for (let pass = 0; pass < passes; pass++) {
    // Each pass waits for its go token: a consumer that went on at once could take another
    // consumer's end marker of the pass before.
    if (go !== null) await go.get();
    let got = 0;
    let sum = 0;
    let ends = 0;
    for (;;) {
      const v = await q.get();
      if (v === null) {
        if (++ends === producers) break;
        continue;
      }
      got++;
      if (typeof v === 'number') sum += v;
      else if (typeof v?.i === 'number') sum += v.i;
    }
    // Hand back prefetched items (another consumer's end marker may be among them), as
    // ending the process did when every pass had fresh processes; this handle never puts.
    await q[Symbol.asyncDispose]();
    await done.put([got, sum]);
  }
});

/** JoinableQueue consumer: get + taskDone forever (daemon). */
export const jconsume = task(import.meta.url, async (q, ready) => {
  await ready.put(1);
  for (;;) {
    await q.get();
    q.taskDone();
  }
});

/** Pool task: trivial. */
export const double = task(import.meta.url, (x) => x * 2);

/** Memory: write this child's peak RSS (VmHWM, kB) to a file (no IPC, no queue: a no-op child). */
export const vmhwm = task(import.meta.url, async (file) => {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  writeFileSync(file, String(Number(m?.[1] ?? 0)));
});
