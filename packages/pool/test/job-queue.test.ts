import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Job } from '../src/job.js';
import { JobQueue } from '../src/job-queue.js';

/** A JobQueue whose "workers" are this test: it counts the jobs holding a slot and frees them on demand. */
function harness(concurrency: number) {
  const started: number[] = [];
  const releases = new Map<number, () => void>();
  const state = { held: 0, most: 0 };
  const queue = new JobQueue(
    concurrency,
    Number.POSITIVE_INFINITY,
    (job, release) => {
      started.push(job.id);
      state.held++;
      state.most = Math.max(state.most, state.held);
      releases.set(job.id, () => {
        state.held--;
        release();
      });
    },
    () => {},
  );
  let nextId = 1;
  const add = (payload: unknown[] = []) => {
    const job = new Job(nextId++, { module: 'm', name: 'f' }, 1, payload, false, false, Infinity, () => {});
    queue.add(job);
    return job.id;
  };
  const release = (id: number) => releases.get(id)!();
  return { queue, started, state, add, release };
}

/** V8's gc(), without --expose-gc on the command line. */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Slots move on in promise reactions: let them run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('JobQueue slots', () => {
  it('a slot whose line ran empty waits for the next job: sequential jobs start at once, in order', async () => {
    const h = harness(2);
    for (let i = 0; i < 5; i++) {
      const id = h.add();
      expect(h.started.at(-1)).toBe(id); // started synchronously by a waiting slot
      h.release(id);
    }
    expect(h.state.most).toBe(1);
    expect(h.started).toEqual([1, 2, 3, 4, 5]);
  }, 10_000);

  it('waiting slots follow the concurrency as it grows and shrinks; jobs start in order', async () => {
    const h = harness(2);
    h.release(h.add());
    h.queue.concurrency = 8;
    const burst = Array.from({ length: 12 }, () => h.add());
    expect(h.state.held).toBe(8);
    h.queue.concurrency = 2;
    for (const id of burst.slice(0, 8)) h.release(id);
    await settle();
    // The busy slots beyond 2 ended as their jobs left: 2 of the 4 waiting jobs hold a slot.
    expect(h.state.held).toBe(2);
    expect(h.started).toEqual([1, ...burst.slice(0, 10)]);
    for (const id of burst.slice(8, 10)) h.release(id);
    await settle();
    expect(h.state.held).toBe(2);
    for (const id of burst.slice(10)) h.release(id);
    await settle();
    expect(h.started).toEqual([1, ...burst]);
    expect(h.state.held).toBe(0);
    // Shrinking to 1 ends the extra waiting slot at once: of 3 new jobs, one holds a slot.
    h.queue.concurrency = 1;
    const more = [h.add(), h.add(), h.add()];
    expect(h.state.held).toBe(1);
    for (const id of more) {
      h.release(id);
      await settle();
    }
    expect(h.started.slice(-3)).toEqual(more);
    expect(h.state.held).toBe(0);
  }, 10_000);

  it('a job taken from the line is let go at once, though a steady stream never empties the line', async () => {
    const gc = exposedGc();
    const h = harness(1);
    let item!: WeakRef<object>;
    const a = (() => {
      const value = {};
      item = new WeakRef(value);
      return h.add([value]);
    })();
    await settle();
    h.release(a);
    const b = h.add(); // enters the line behind the job just taken
    await settle();
    expect(h.started).toEqual([a, b]);
    gc();
    // It used to stay in the line until 4096 jobs had gone through: promoted, with its items and result.
    expect(item.deref()).toBeUndefined();
  }, 10_000);
});
