import { setTimeout as sleep } from 'node:timers/promises';
import { Event } from '@multiproc/event';
import { JoinableQueue } from '@multiproc/joinable-queue';
import { Process } from '@multiproc/process';
import { Queue } from '@multiproc/queue';
import { check, defineTask, type Example, parse, positiveInt, stamp } from '../example.js';

// Seed 004-C/D: three producers (包子, 水饺, 馒头, three each) and N consumers.

const PRODUCERS = [
  ['包子', 'worker_01'],
  ['水饺', 'worker_02'],
  ['馒头', 'worker_03'],
] as const;
const SENTINELS: readonly string[] = PRODUCERS.map(([, name]) => name);

/** What a consumer reports to the parent: an item it ate, or the sentinel that stopped it. */
interface Plate {
  consumer: string;
  item: string;
  sentinel: boolean;
}

const between = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/**
 * 004-C's producer: puts in waves, `wave` ms apart, then its own name as a
 * sentinel right after its third item. Producer `index` puts `index × stagger`
 * ms into each wave, so the queue order is fixed:
 * 包子0 水饺0 馒头0 包子1 水饺1 馒头1 包子2 worker_01 水饺2 worker_02 馒头2 worker_03.
 * `ready`/`go` line the three up first (the seed relies on 2 s sleeps dwarfing start-up).
 */
export const producer = defineTask(
  import.meta.url,
  async (
    food: string,
    q: Queue<string>,
    name: string,
    ready: Event,
    go: Event,
    t0: number,
    wave: number,
    stagger: number,
    index: number,
  ) => {
    await ready.set();
    await go.wait({ timeout: 30_000 });
    const base = Date.now();
    for (let i = 0; i < 3; i++) {
      const res = `${food}${i}`;
      await sleep(Math.max(0, base + (i + 1) * wave + index * stagger - Date.now()));
      await q.put(res);
      console.log(`${stamp(t0)} ${name} produced ${res}`);
    }
    await q.put(name);
  },
);

/** 004-C's consumer: stops at the first sentinel it gets, whoever put it. */
export const consumer = defineTask(
  import.meta.url,
  async (q: Queue<string>, name: string, plates: Queue<Plate>, t0: number, eatMs: number) => {
    for (;;) {
      const res = await q.get();
      if (SENTINELS.includes(res)) {
        console.log(`${stamp(t0)} ${res} -------???-------   (${name} got this sentinel and stops)`);
        await plates.put({ consumer: name, item: res, sentinel: true });
        break;
      }
      if (eatMs > 0) await sleep(eatMs);
      console.log(`${stamp(t0)} ----------${name} ate ${res}`);
      await plates.put({ consumer: name, item: res, sentinel: false });
    }
  },
);

/** 004-D's producer: random sleeps of `min`..`max` ms, no sentinel. */
export const joinableProducer = defineTask(
  import.meta.url,
  async (food: string, q: JoinableQueue<string>, name: string, t0: number, min: number, max: number) => {
    for (let i = 0; i < 3; i++) {
      const res = `${food}${i}`;
      if (max > 0) await sleep(between(min, max));
      await q.put(res);
      console.log(`${stamp(t0)} ${name} produced ${res}`);
    }
  },
);

/** 004-D's consumer: a daemon that eats for ever and marks each item done. */
export const joinableConsumer = defineTask(
  import.meta.url,
  async (
    q: JoinableQueue<string>,
    name: string,
    plates: Queue<Plate>,
    t0: number,
    min: number,
    max: number,
  ) => {
    for (;;) {
      const res = await q.get();
      if (max > 0) await sleep(between(min, max));
      console.log(`${stamp(t0)} ----------${name} ate ${res}`);
      await plates.put({ consumer: name, item: res, sentinel: false });
      q.taskDone();
    }
  },
);

const consumerName = (i: number) => `Consumer_${String(i + 1).padStart(2, '0')}`;

/** Everything the consumers reported so far (the parent owns `plates`, so this is exact). */
async function collect(plates: Queue<Plate>, eaten: Plate[], stops: Plate[]): Promise<void> {
  while (!(await plates.empty())) {
    const p = await plates.getNowait();
    (p.sentinel ? stops : eaten).push(p);
  }
}

function allOnce(eaten: Plate[], left: string[]): boolean {
  const items = [...eaten.map((p) => p.item), ...left].sort();
  const expected = PRODUCERS.flatMap(([food]) => [0, 1, 2].map((i) => `${food}${i}`)).sort();
  return items.join() === expected.join();
}

async function sentinelMode(n: number, fast: boolean): Promise<number> {
  const wave = fast ? 200 : 1000;
  const stagger = fast ? 40 : 150;
  const eatMs = fast ? 0 : 1500;
  console.log(
    `--- sentinel (004-C): 3 producers put 3 items each, then their own name; ${n} consumer(s) stop at the first name they get`,
  );
  const t0 = Date.now();
  const q = new Queue<string>();
  const plates = new Queue<Plate>();
  const go = new Event();
  const ready = PRODUCERS.map(() => new Event());
  const producers = PRODUCERS.map(
    ([food, name], i) =>
      new Process({ target: producer, args: [food, q, name, ready[i], go, t0, wave, stagger, i], name }),
  );
  const consumers = Array.from(
    { length: n },
    (_, i) =>
      new Process({ target: consumer, args: [q, consumerName(i), plates, t0, eatMs], name: consumerName(i) }),
  );
  for (const p of [...producers, ...consumers]) await p.start();
  for (const r of ready) await r.wait({ timeout: 20_000 });
  await go.set();
  for (const p of producers) await p.join({ timeout: 30_000 });
  console.log(`${stamp(t0)} 主...   (main: the producers are joined)`);

  // Every consumer ends at a sentinel, but there are only three: a fourth would wait in
  // q.get() for ever (Python's program hangs there). Once the three sentinels are taken,
  // give the others time to finish the item in hand, then terminate them.
  const eaten: Plate[] = [];
  const stops: Plate[] = [];
  let joined = false;
  const allJoined = Promise.all(consumers.map((c) => c.join())).then(() => (joined = true));
  const deadline = Date.now() + 60_000;
  let sentinelsTakenAt = 0;
  while (!joined && Date.now() < deadline) {
    await Promise.race([allJoined, sleep(100)]);
    await collect(plates, eaten, stops);
    if (stops.length === SENTINELS.length && sentinelsTakenAt === 0) sentinelsTakenAt = Date.now();
    if (sentinelsTakenAt && Date.now() - sentinelsTakenAt > eatMs + 1000) break;
  }
  const stuck = consumers.filter((c) => c.isAlive());
  for (const c of stuck) {
    console.log(`${stamp(t0)} ${c.name} never gets a sentinel: still waiting in q.get(), terminate()`);
    c.terminate();
  }
  for (const c of consumers) await c.join({ timeout: 10_000 });
  await collect(plates, eaten, stops);
  const left: string[] = [];
  while (!(await q.empty())) left.push(await q.getNowait());
  const leftItems = left.filter((x) => !SENTINELS.includes(x));
  console.log(`left in the queue: ${left.join(' ') || '(nothing)'}`);

  let ok = check(
    producers.every((p) => p.exitCode === 0),
    'the three producers exited 0',
  );
  ok =
    check(allOnce(eaten, leftItems), 'each of the nine items was eaten once or is still in the queue') && ok;
  if (n === 1) {
    ok =
      check(
        eaten.length < 9,
        `the pitfall: one consumer stops at the first sentinel, ${9 - eaten.length} never eaten`,
      ) && ok;
  } else if (n < SENTINELS.length) {
    console.log(
      `(${n} consumers stop at the first ${n} sentinels: ${9 - eaten.length} item(s) behind them are never eaten)`,
    );
  } else {
    console.log(
      `(${n} consumers: each sentinel stops one consumer, so all nine are eaten${n > 3 ? `; ${n - 3} consumer(s) would wait for ever` : ''})`,
    );
  }
  console.log(`eaten: ${eaten.length}/9`);
  return ok ? 0 : 1;
}

async function joinableMode(n: number, fast: boolean): Promise<number> {
  const [pMin, pMax] = fast ? [0, 0] : [500, 1500];
  const [cMin, cMax] = fast ? [0, 0] : [1000, 2000];
  console.log(
    `--- joinable (004-D): JoinableQueue, ${n} daemon consumer(s) call taskDone(), main waits in q.join()`,
  );
  const t0 = Date.now();
  const q = new JoinableQueue<string>();
  const plates = new Queue<Plate>();
  const producers = PRODUCERS.map(
    ([food, name]) => new Process({ target: joinableProducer, args: [food, q, name, t0, pMin, pMax], name }),
  );
  const consumers = Array.from(
    { length: n },
    (_, i) =>
      new Process({
        target: joinableConsumer,
        args: [q, consumerName(i), plates, t0, cMin, cMax],
        name: consumerName(i),
        daemon: true,
      }),
  );
  for (const p of [...producers, ...consumers]) await p.start();
  for (const p of producers) await p.join({ timeout: 30_000 });
  const done = await q.join({ timeout: 60_000 });
  console.log(`${stamp(t0)} 主...`);
  const eaten: Plate[] = [];
  await collect(plates, eaten, []);
  let ok = check(
    producers.every((p) => p.exitCode === 0),
    'the three producers exited 0',
  );
  ok = check(done, 'q.join() returned: every item put was marked done with taskDone()') && ok;
  ok = check(allOnce(eaten, []), 'all nine items eaten, each once, before 主...') && ok;
  console.log(
    `(the daemon consumers ${consumers.map((c) => c.name).join(', ')} are still in q.get(); they end with main)`,
  );
  console.log(`eaten: ${eaten.length}/9`);
  return ok ? 0 : 1;
}

const options = {
  mode: { type: 'string', default: 'sentinel' },
  consumers: { type: 'string', default: '2' },
  fast: { type: 'boolean', default: false },
} as const;

export const baozi: Example = {
  name: 'baozi',
  seed: '004-C/D',
  summary:
    'producers/consumers of 包子, 水饺, 馒头: name sentinels lose items (sentinel); JoinableQueue eats all nine (joinable)',
  usage: '[--mode sentinel|joinable] [--consumers N] [--fast]',
  showed: '',
  tourRuns: [
    {
      args: ['--mode', 'sentinel', '--consumers', '1'],
      showed: 'sentinel pitfall: 1 consumer stops early, < 9 eaten',
    },
    { args: ['--mode', 'joinable'], showed: 'JoinableQueue + taskDone + join: 9/9, main... last' },
  ],
  options,
  async run(args) {
    const v = parse(args, options);
    const n = positiveInt(v.consumers, 'consumers', 20);
    if (v.mode === 'sentinel') return sentinelMode(n, v.fast);
    if (v.mode === 'joinable') return joinableMode(n, v.fast);
    throw Object.assign(new Error(`--mode must be sentinel or joinable, not '${v.mode}'`), {
      code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
    });
  },
};
