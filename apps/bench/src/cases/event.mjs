// W5 multiproc: two Events ping-ponged between this process and a child
// Process -> us per cycle (set -> wake there, set -> wake back). `warm`
// cycles run untimed first (steady state; the Python anchor does the same).
import { Event } from '@multiproc/event';
import { Process } from '@multiproc/process';
import { params, report } from './_report.mjs';
import { pong } from './event-task.mjs';

const { n, warm = 0 } = params();
const a = new Event();
const b = new Event();
const child = new Process({ target: pong, args: [a, b, warm + n] });
try {
  await child.start();
  await b.wait(); // child is up
  await b.clear();
  const cycles = async (count) => {
    for (let i = 0; i < count; i++) {
      await a.set();
      await b.wait();
      await b.clear();
    }
  };
  await cycles(warm);
  const t0 = performance.now();
  await cycles(n);
  report(((performance.now() - t0) * 1000) / n);
  await child.join();
} finally {
  if (child.isAlive()) child.kill();
}
