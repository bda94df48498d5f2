import { setTimeout as sleep } from 'node:timers/promises';
import { currentProcess, Process } from '@multiproc/process';
import { check, defineTask, type Example, parse, since } from '../example.js';

// Seed 000-A: p1 sleeps 1 unit, the daemons p2 and p3 sleep 2 units.
export const worker = defineTask(import.meta.url, async (ms: number, t0: number) => {
  const me = currentProcess().name;
  const t = () => ((Date.now() - t0) / 1000).toFixed(2).padStart(5);
  console.log(`${t()} ${me} start (pid ${process.pid}, daemon ${currentProcess().daemon})`);
  await sleep(ms);
  console.log(`${t()} ${me} end`);
});

const options = {
  fast: { type: 'boolean', default: false },
  'no-join': { type: 'boolean', default: false },
} as const;

export const daemon: Example = {
  name: 'daemon',
  seed: '000-A/A′, 004-B',
  summary: 'daemon vs non-daemon: joined, all end; not joined, main ends and only the non-daemon p1 finishes',
  showed: 'daemons killed when main ends; non-daemon p1 waited for',
  options,
  usage: '[--fast] [--no-join]',
  async run(args) {
    const v = parse(args, options);
    const unit = v.fast ? 200 : 1000;
    const t0 = Date.now();
    const make = () => [
      new Process({ target: worker, args: [unit, t0], name: 'p1' }),
      new Process({ target: worker, args: [2 * unit, t0], name: 'p2', daemon: true }),
      new Process({ target: worker, args: [2 * unit, t0], name: 'p3', daemon: true }),
    ];
    let ok = true;
    if (!v['no-join']) {
      console.log('--- A: p1, daemon p2 and daemon p3 started, then all joined');
      const ps = make();
      for (const p of ps) await p.start();
      for (const p of ps) await p.join();
      ok = check(
        ps.every((p) => p.exitCode === 0),
        `joined: p1, p2, p3 all ended with exit code 0 (${since()} s)`,
      );
    }
    console.log('--- A′: the same without join(): the main code ends at once');
    const ps = make();
    for (const p of ps) await p.start();
    console.log(`${since()} main code finished: the daemons p2/p3 are terminated now, p1 is waited for`);
    // Nothing more to do: the CLI returns without process.exit(), so Node waits for
    // the non-daemon p1 (as Python's atexit join does) and ends the daemons.
    return ok ? 0 : 1;
  },
};
