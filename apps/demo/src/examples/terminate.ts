import { setTimeout as sleep } from 'node:timers/promises';
import { currentProcess, Process } from '@multiproc/process';
import { check, defineTask, type Example, fastOption, parse } from '../example.js';

// Seed 003-B: three workers ending with 0, 1 and -15.
export const first = defineTask(import.meta.url, () => {
  console.log('There is no problem here');
});

class RuntimeError extends Error {
  override name = 'RuntimeError';
}
export const second = defineTask(import.meta.url, () => {
  throw new RuntimeError('Error raised!');
});

export const third = defineTask(import.meta.url, async (ms: number) => {
  await sleep(ms);
  console.log('This process will be terminated');
});

export const longRunning = defineTask(import.meta.url, async (ms: number) => {
  console.log(`${currentProcess().name} start`);
  await sleep(ms);
  console.log(`${currentProcess().name} end`);
});

export const terminate: Example = {
  name: 'terminate',
  seed: '003-B, 000-B/C',
  summary:
    'terminate() + isAlive() + exitCode: three workers end with 0, 1 (uncaught error) and -15 (SIGTERM)',
  showed: 'exit codes 0, 1, -15; isAlive true→false; exitCode null while running',
  options: fastOption,
  async run(args) {
    const { fast } = parse(args, fastOption);
    console.log('--- 000-B/C: terminate() + isAlive() + exitCode');
    const p1 = new Process({ target: longRunning, args: [fast ? 2000 : 5000], name: 'p1' });
    console.log(`before start: isAlive ${p1.isAlive()}, exitCode ${p1.exitCode}`);
    await p1.start();
    console.log(`is it still running? ${p1.isAlive()}`);
    p1.terminate();
    console.log(`is it still running? ${p1.isAlive()}   (right after terminate(): racy, as in Python)`);
    console.log(`exitCode right after terminate: ${p1.exitCode}`);
    await p1.join();
    console.log(`is it still running? ${p1.isAlive()}`);
    console.log(`exitCode after join: ${p1.exitCode}`);
    let ok = check(!p1.isAlive() && p1.exitCode === -15, 'p1 terminated: exitCode -15, not alive');

    console.log('--- 003-B: three workers');
    const workers = [
      new Process({ target: first }),
      new Process({ target: second }),
      new Process({ target: third, args: [3000] }),
    ];
    for (const w of workers) await w.start();
    await sleep(fast ? 500 : 1000);
    workers[2]!.terminate();
    for (const w of workers) await w.join();
    for (const w of workers) console.log(`${w.name} exitCode ${w.exitCode}`);
    const codes = workers.map((w) => w.exitCode);
    ok = check(codes.join(',') === '0,1,-15', `exit codes are 0, 1, -15 (got ${codes.join(', ')})`) && ok;
    return ok ? 0 : 1;
  },
};
