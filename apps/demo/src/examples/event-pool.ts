import { setTimeout as sleep } from 'node:timers/promises';
import { Event } from '@multiproc/event';
import { Pool } from '@multiproc/pool';
import { currentProcess } from '@multiproc/process';
import { check, defineTask, type Example, fastOption, parse, stamp } from '../example.js';

// Seed 003-F as written: a task that finds the Event set sleeps, prints A and clears it;
// one that finds it clear sleeps, prints B and sets it. Pool(3).map over 9 items gives
// waves of three: A×3, B×3, A×3. Python can only share the Event by fork inheritance
// (passing it raises RuntimeError); here it is a task argument.
export const worker = defineTask(
  import.meta.url,
  async (event: Event, i: number, t0: number, ms: number): Promise<{ letter: string; at: number }> => {
    const set = await event.isSet();
    await sleep(ms);
    const letter = set ? 'A' : 'B';
    const at = Date.now();
    console.log(`${letter} - ${stamp(t0).trim()} (task ${i}, ${currentProcess().name})`);
    await (set ? event.clear() : event.set());
    return { letter, at };
  },
);

export const eventPool: Example = {
  name: 'event-pool',
  seed: '003-F',
  summary:
    'an Event as a Pool(3) task argument: tasks print A and clear it, or B and set it (9 lines, waves of 3)',
  showed: 'Event shared with Pool tasks: A×3 / B×3 / A×3 waves',
  options: fastOption,
  async run(args) {
    const { fast } = parse(args, fastOption);
    const ms = fast ? 100 : 500;
    const event = new Event();
    await event.set();
    const pool = new Pool({ processes: 3 });
    await pool.whenReady();
    const t0 = Date.now();
    const results = await pool.starmap(
      worker,
      Array.from({ length: 9 }, (_, i) => [event, i, t0, ms] as [Event, number, number, number]),
    );
    pool.close();
    await pool.join();
    const letters = [...results]
      .sort((x, y) => x.at - y.at)
      .map((r) => r.letter)
      .join('');
    let ok = check(results.length === 9, `9 tasks, printed in this order: ${letters}`);
    ok =
      check(
        letters[0] === 'A' && letters.includes('B'),
        'the first wave saw the Event set (A), a later one clear (B)',
      ) && ok;
    if (letters !== 'AAABBBAAA') console.log('(waves not exactly A×3/B×3/A×3: timing on a loaded machine)');
    return ok ? 0 : 1;
  },
};
