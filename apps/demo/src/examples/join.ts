import { setTimeout as sleep } from 'node:timers/promises';
import { Process } from '@multiproc/process';
import { check, defineTask, type Example, fastOption, now, parse } from '../example.js';

// Seed 002: func_1 sleeps 4 units, func_2 sleeps 8 units and says hello.
export const func1 = defineTask(import.meta.url, async (unit: number) => {
  console.log(`${now()} Run child process func_1 (${process.pid})...`);
  await sleep(4 * unit);
  console.log(`${now()} Stop child process func_1 (${process.pid})...\n`);
});

export const func2 = defineTask(import.meta.url, async (unit: number) => {
  console.log(`${now()} Run child process func_2 (${process.pid})...`);
  await sleep(8 * unit);
  console.log(`${now()} hello world!`);
  console.log(`${now()} Stop child process func_2 (${process.pid})...\n`);
});

async function variant(title: string, unit: number, together: boolean): Promise<{ ms: number; ok: boolean }> {
  console.log(`--- ${title}`);
  const start = performance.now();
  console.log(`${now()} Parent process ${process.pid}.`);
  console.log(`${now()} Process start.`);
  const p1 = new Process({ target: func1, args: [unit] });
  const p2 = new Process({ target: func2, args: [unit] });
  if (together) {
    await p1.start();
    await p2.start();
    await p1.join();
    await p2.join();
  } else {
    await p1.start();
    await p1.join();
    await p2.start();
    await p2.join();
  }
  const ms = performance.now() - start;
  console.log(`${now()} Process end .`);
  console.log(`elapsed ${(ms / 1000).toFixed(2)} s (func_1 sleeps ${4 * unit} ms, func_2 ${8 * unit} ms)\n`);
  return { ms, ok: p1.exitCode === 0 && p2.exitCode === 0 };
}

export const join: Example = {
  name: 'join',
  seed: '002 (B/C), 001-A',
  summary: 'start both then join both (≈ max of the sleeps) vs start/join one at a time (≈ sum)',
  showed: 'both started then joined ≈ max; one at a time ≈ sum',
  options: fastOption,
  async run(args) {
    const { fast } = parse(args, fastOption);
    const unit = fast ? 100 : 500;
    const b = await variant('B: p1.start(); p2.start(); p1.join(); p2.join()', unit, true);
    const c = await variant('C: p1.start(); p1.join(); p2.start(); p2.join()', unit, false);
    console.log(
      `together: ${(b.ms / 1000).toFixed(2)} s ≈ max(4, 8) units; one at a time: ${(c.ms / 1000).toFixed(2)} s ≈ 4 + 8 units`,
    );
    return check(b.ok && c.ok, 'all four children exited with code 0') ? 0 : 1;
  },
};
