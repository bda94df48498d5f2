import { Process } from '@multiproc/process';
import { check, defineTask, type Example, fastOption, parse } from '../example.js';

// Seed 001-B: a module-level variable is not shared; the child has its own copy.
let n = 100;

export const work = defineTask(import.meta.url, () => {
  n = 0;
  console.log(`in child (pid ${process.pid}) n: ${n}`);
});

export const memory: Example = {
  name: 'memory',
  seed: '001-B',
  summary: 'memory isolation: n = 100; the child sets n = 0, the parent still has 100',
  showed: 'child n: 0, parent n: 100',
  options: fastOption,
  async run(args) {
    parse(args, fastOption);
    const p = new Process({ target: work });
    await p.start();
    await p.join();
    console.log(`in parent (pid ${process.pid}) n: ${n}`);
    return check(n === 100 && p.exitCode === 0, 'the parent still has n = 100') ? 0 : 1;
  },
};
