import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from '@multiproc/pool';
import { currentProcess } from '@multiproc/process';
import { check, defineTask, type Example, fastOption, parse, stamp } from '../example.js';

export interface Run {
  i: number;
  square: number;
  pid: number;
  start: number;
  end: number;
  wave: number;
}

// Seed 004-E: each task prints its start, sleeps one unit and returns i². A Pool(5)
// given 20 tasks runs them in 4 waves of 5 on the same 5 pids ("分4个批次").

/** Tasks this worker has started: the n-th is in wave n. */
let started = 0;

/** The pool's initializer: loads this module in every worker before t0, so wave 1 starts together. */
export const warm = defineTask(import.meta.url, () => {
  started = 0;
});

export const task = defineTask(import.meta.url, async (i: number, t0: number, ms: number): Promise<Run> => {
  const start = Date.now();
  const wave = ++started;
  const me = currentProcess().name;
  console.log(`${stamp(t0)} task ${String(i).padStart(2)} start on ${me} (pid ${process.pid}), wave ${wave}`);
  await sleep(ms);
  return { i, square: i * i, pid: process.pid, start, end: Date.now(), wave };
});

/** The most tasks that ran at the same time. */
function maxOverlap(runs: Run[]): number {
  const edges = runs.flatMap((r) => [
    [r.start, 1],
    [r.end, -1],
  ]);
  edges.sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d!));
  return max;
}

function report(runs: Run[], limit: number, waves: number[] | null): boolean {
  console.log(`results: [${runs.map((r) => r.square).join(', ')}]`);
  const pids = new Set(runs.map((r) => r.pid));
  const overlap = maxOverlap(runs);
  let ok = check(
    runs.every((r, i) => r.i === i && r.square === i * i),
    `${runs.length} results, i² in input order`,
  );
  ok =
    check(
      overlap <= limit && pids.size <= limit,
      `at most ${limit} at a time (${overlap}), on ${pids.size} pid(s)`,
    ) && ok;
  if (waves) {
    const perWave = waves.map((w) => runs.filter((r) => r.wave === w).length);
    const even = perWave.every((n) => n === 5);
    console.log(
      `starts per wave: ${perWave.join(' ')}${even ? '' : '   (not 5 each: timing on a loaded machine)'}`,
    );
  }
  return ok;
}

export const poolWaves: Example = {
  name: 'pool-waves',
  seed: '004-E',
  summary:
    'Pool(5) runs 20 one-unit tasks in 4 waves of 5 (applyAsync, then map); apply one at a time is serial',
  showed: 'Pool(5): 20 tasks in 4 waves of 5 on 5 pids; apply ×6 serial',
  options: fastOption,
  async run(args) {
    const { fast } = parse(args, fastOption);
    const ms = fast ? 150 : 1000;
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    let ok = true;

    console.log('--- A: Pool(5), 20 × applyAsync, close(), join()');
    const a = new Pool({ processes: 5, initializer: warm });
    await a.whenReady();
    let t0 = Date.now();
    const pending = range(20).map((i) => a.applyAsync(task, [i, t0, ms]));
    a.close();
    await a.join();
    console.log(`${stamp(t0)} joined`);
    ok = report(await Promise.all(pending.map((r) => r.get())), 5, [1, 2, 3, 4]) && ok;

    console.log('--- B: Pool(5).starmap(task, 20 items): the same 4 waves (chunksize 1)');
    const b = new Pool({ processes: 5, initializer: warm });
    await b.whenReady();
    t0 = Date.now();
    const runs = await b.starmap(
      task,
      range(20).map((i) => [i, t0, ms] as [number, number, number]),
    );
    console.log(`${stamp(t0)} map returned`);
    b.close();
    await b.join();
    ok = report(runs, 5, [1, 2, 3, 4]) && ok;

    console.log(
      '--- C: [await pool.apply(task, [i]) for i of 0..5]: one at a time, as a single process would',
    );
    const c = new Pool({ processes: 5, initializer: warm });
    await c.whenReady();
    t0 = Date.now();
    const serial: Run[] = [];
    for (const i of range(6)) serial.push(await c.apply(task, [i, t0, ms]));
    console.log(`${stamp(t0)} 6 tasks done, one after the other`);
    c.close();
    await c.join();
    ok = check(maxOverlap(serial) === 1, 'apply: never more than one task at a time') && ok;
    return ok ? 0 : 1;
  },
};
