import { setTimeout as sleep } from 'node:timers/promises';
import { Event } from '@multiproc/event';
import { currentProcess, Process } from '@multiproc/process';
import { check, defineTask, type Example, fastOption, parse } from '../example.js';

// Seed 003-F: each worker prints A while the Event is set, B while it is clear,
// once per wave. The seed relies on fork copying a module-level Event; here the
// Event is passed as an argument, which works under spawn too.
export const waves = defineTask(
  import.meta.url,
  async (ev: Event, go: Event, ready: Event, t0: number, period: number) => {
    await ready.set();
    await go.wait({ timeout: 10_000 });
    const start = Date.now();
    for (let i = 0; i < 3; i++) {
      await sleep(start + i * period + period / 2 - Date.now());
      const letter = (await ev.isSet()) ? 'A' : 'B';
      console.log(`${letter} - ${((Date.now() - t0) / 1000).toFixed(2)} (${currentProcess().name})`);
    }
  },
);

export const event: Example = {
  name: 'event',
  seed: '003-F (with 3 Processes; event-pool runs it with a Pool, as the seed)',
  summary: 'an Event passed to 3 Processes, set/cleared by the parent: A×3, B×3, A×3 (9 lines in waves)',
  showed: 'Event set/clear seen by every worker: A/B/A waves',
  options: fastOption,
  async run(args) {
    const { fast } = parse(args, fastOption);
    const period = fast ? 300 : 500;
    const ev = new Event();
    const go = new Event();
    const ready = [new Event(), new Event(), new Event()];
    const t0 = Date.now();
    const workers = [1, 2, 3].map(
      (i) =>
        new Process({
          target: waves,
          args: [ev, go, ready[i - 1], t0, period],
          name: `worker-${i}`,
          stdio: 'pipe',
        }),
    );
    const lines: string[] = [];
    for (const w of workers) {
      await w.start();
      w.stdout!.setEncoding('utf8').on('data', (d: string) => {
        for (const l of d.split('\n').filter(Boolean)) {
          lines.push(l);
          console.log(l);
        }
      });
    }
    // start() returns once the child is launched; wait until every worker is running
    for (const r of ready) await r.wait({ timeout: 15_000 });
    await ev.set();
    await go.set();
    await sleep(period);
    await ev.clear();
    await sleep(period);
    await ev.set();
    for (const w of workers) await w.join({ timeout: 10_000 });
    await sleep(50);
    const letters = lines.map((l) => l[0]).join('');
    let ok = check(lines.length === 9, `9 lines (got ${lines.length}): ${letters}`);
    ok =
      check(
        workers.every((w) => w.exitCode === 0),
        'all workers exited 0',
      ) && ok;
    if (letters !== 'AAABBBAAA') console.log('(waves not exactly A×3/B×3/A×3: timing on a loaded machine)');
    return ok ? 0 : 1;
  },
};
