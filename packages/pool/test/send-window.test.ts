import { WorkerExitedError } from '@multiproc/pool';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_WINDOW, MIN_WINDOW, SendWindow } from '../src/send-window.js';
import { double, killSelf, sleepy } from './fixtures/tasks.mjs';
import { cleanup, pool, range } from './helpers.js';

afterEach(cleanup);

describe('SendWindow', () => {
  it('starts at the minimum, doubles on starvation up to the maximum, halves on two long tasks in a row', () => {
    const w = new SendWindow(undefined);
    expect(w.size).toBe(MIN_WINDOW);
    expect(w.observe(0.01)).toBe(false);
    for (let i = 0; i < 10; i++) w.starved();
    expect(w.size).toBe(MAX_WINDOW);
    expect(w.observe(0.5)).toBe(false);
    expect(w.observe(5)).toBe(false);
    expect(w.observe(0.01)).toBe(false);
    expect(w.observe(5)).toBe(false);
    expect(w.size).toBe(MAX_WINDOW);
    expect(w.observe(5)).toBe(true);
    expect(w.size).toBe(MAX_WINDOW / 2);
    for (let i = 0; i < 10; i++) w.observe(5);
    expect(w.size).toBe(MIN_WINDOW);
  });

  it('a fixed prefetch never moves', () => {
    const w = new SendWindow(1);
    expect(w.starved()).toBe(false);
    expect(w.observe(50)).toBe(false);
    expect(w.size).toBe(1);
    expect(w.max).toBe(1);
  });
});

describe('adaptive prefetch (the default)', () => {
  it('widens for trivial tasks and narrows back to 2 for tasks of milliseconds', async () => {
    const p = pool({ processes: 2 });
    expect(p.stats().prefetch).toBe(2);
    const values = await Promise.all(range(3000).map((i) => p.applyAsync(double, [i]).get()));
    expect(values).toEqual(range(3000).map((i) => i * 2));
    expect(p.stats().prefetch).toBeGreaterThan(2);
    expect(
      await p.map(
        sleepy,
        range(12).map(() => 5),
      ),
    ).toHaveLength(12);
    expect(p.stats().prefetch).toBe(2);
  });

  it('a fixed prefetch is what stats() reports, whatever the tasks', async () => {
    const p = pool({ processes: 2, prefetch: 3 });
    await Promise.all(range(2000).map((i) => p.applyAsync(double, [i]).get()));
    expect(p.stats().prefetch).toBe(3);
  });

  it('a worker SIGKILLed with a wide window fails only its running task; what it held runs elsewhere', async () => {
    const p = pool({ processes: 2 });
    await Promise.all(range(3000).map((i) => p.applyAsync(double, [i]).get()));
    expect(p.stats().prefetch).toBeGreaterThan(2);
    const before = range(2000).map((i) => p.applyAsync(double, [i]));
    const victim = p.applyAsync(killSelf);
    const after = range(2000).map((i) => p.applyAsync(double, [i + 2000]));
    await expect(victim.get()).rejects.toBeInstanceOf(WorkerExitedError);
    expect(await Promise.all([...before, ...after].map((r) => r.get()))).toEqual(
      range(4000).map((i) => i * 2),
    );
    expect(p.stats().failed).toBe(1);
  });

  it('map feeds its chunks as earlier ones finish: a bounded number are in the pool at once', async () => {
    const p = pool({ processes: 2 });
    await p.whenReady();
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, p.stats().queued + p.stats().running);
    }, 1);
    try {
      const out = await p.map(double, range(20_000), { chunksize: 1 });
      expect(out).toEqual(range(20_000).map((i) => i * 2));
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2 * 2 * MAX_WINDOW);
  });
});
