import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from '@multiproc/pool';
import { check, defineTask, type Example, fastOption, parse } from '../example.js';

export interface Squared {
  x: number;
  y: number;
  pid: number;
}

// Seed 003-C: apply blocks until the result is back, applyAsync returns an AsyncResult
// at once (get() waits for it), map applies a function to every item, in order.
export const square = defineTask(
  import.meta.url,
  (x: number): Squared => ({ x, y: x * x, pid: process.pid }),
);

export const slowSquare = defineTask(import.meta.url, async (x: number, ms: number): Promise<Squared> => {
  await sleep(ms);
  return { x, y: x * x, pid: process.pid };
});

export const pool: Example = {
  name: 'pool',
  seed: '003-C',
  summary: 'Pool(4): apply (blocks), applyAsync + get() (returns at once), map (all items, in order)',
  showed: 'apply blocks; applyAsync + get; map keeps input order',
  options: fastOption,
  async run(args) {
    const { fast } = parse(args, fastOption);
    const ms = fast ? 200 : 1000;
    const p = new Pool({ processes: 4 });
    await p.whenReady();
    console.log(`${p}: workers ${p.pids().join(', ')}`);
    const secs = (t: number) => `${((performance.now() - t) / 1000).toFixed(2)} s`;

    let t = performance.now();
    const a = await p.apply(slowSquare, [3, ms]);
    console.log(
      `apply(slowSquare, [3]) → ${a.y}   blocked ${secs(t)} until the result was back (pid ${a.pid})`,
    );

    t = performance.now();
    const r = p.applyAsync(slowSquare, [4, ms], {
      callback: (v) =>
        console.log(`  callback(${v.y}) runs in the parent (pid ${process.pid}) before get() settles`),
    });
    console.log(`applyAsync(slowSquare, [4]) → an AsyncResult after ${secs(t)}; ready() ${r.ready()}`);
    console.log('  the parent goes on meanwhile; r.get() waits for the result:');
    const b = await r.get({ timeout: 30_000 });
    console.log(
      `r.get() → ${b.y} after ${secs(t)} (pid ${b.pid}); ready() ${r.ready()}, successful() ${r.successful()}`,
    );

    const items = Array.from({ length: 10 }, (_, i) => i);
    const m = await p.map(square, items);
    console.log(`map(square, [0..9]) → [${m.map((s) => s.y).join(', ')}]`);
    console.log(`  in input order, computed on pids ${[...new Set(m.map((s) => s.pid))].join(', ')}`);
    p.close();
    await p.join();
    console.log(`${p}`);

    let ok = check(a.y === 9 && b.y === 16, 'apply → 9, applyAsync(...).get() → 16');
    ok =
      check(
        m.map((s) => s.y).join() === items.map((i) => i * i).join(),
        'map → the squares of 0..9, in order',
      ) && ok;
    return ok ? 0 : 1;
  },
};
