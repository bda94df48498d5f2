import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Event } from '@multiproc/event';
import { Pipe, type PipeConnection } from '@multiproc/pipe';
import { Process } from '@multiproc/process';
import { check, defineTask, type Example, parse, positiveInt } from '../example.js';
import { digits } from './queue.js';

// Seed 003-E: generate() sends random digits on one end of a Pipe, reader() receives
// them on the other and writes them to a file. The seed loops for ever; here the
// generator sends `count` values and closes its end, which ends the reader's loop.
// After the first value the generator waits for SIGUSR2: the parent sends it with a
// plain kill(2), blocks its own event loop, and the rest flow meanwhile, which shows
// that the parent (which created the pipe) is not in the data path.
export const generate = defineTask(
  import.meta.url,
  async (pipe: PipeConnection<number>, count: number, seed: number, delayMs: number) => {
    const go = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000);
      process.once('SIGUSR2', () => resolve(true)).once('SIGUSR2', () => clearTimeout(timer));
    });
    const values = digits(seed);
    for (let i = 0; i < count; i++) {
      if (i === 1 && !(await go)) throw new Error('no SIGUSR2 from the parent within 30 s');
      if (i > 1 && delayMs > 0) await sleep(delayMs);
      const value = values.next().value as number;
      pipe.send(value);
      console.log(`Value sent: ${value}`);
    }
    pipe.close();
  },
);

export const reader = defineTask(
  import.meta.url,
  async (pipe: PipeConnection<number>, path: string, met: Event) => {
    const fd = openSync(path, 'w');
    let n = 0;
    for await (const value of pipe) {
      writeSync(fd, String(value)); // unbuffered: the seed's output.txt lost its unflushed tail when killed
      console.log('.');
      if (n++ === 0) met.set().catch(() => {});
    }
    closeSync(fd);
    console.log(`reader: the generator closed its end; ${n} digits written to ${path}`);
  },
);

/** Block this process's event loop (no I/O, no timers) for up to `ms`, until `done()`. */
function freeze(ms: number, done: () => boolean): number {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const start = performance.now();
  while (!done() && performance.now() - start < ms) Atomics.wait(cell, 0, 0, 10);
  return performance.now() - start;
}

const options = {
  count: { type: 'string', default: '20' },
  out: { type: 'string' },
  fast: { type: 'boolean', default: false },
} as const;

export const pipe: Example = {
  name: 'pipe',
  seed: '003-E',
  summary: 'Pipe generate/reader: digits go from one Process to another, which writes them to a file',
  usage: '[--count N] [--out FILE] [--fast]',
  showed: 'Pipe ends passed to two Processes; the parent not in the data path',
  options,
  async run(args) {
    const v = parse(args, options);
    const count = positiveInt(v.count, 'count', 100_000);
    const dir = v.out === undefined ? mkdtempSync(joinPath(tmpdir(), 'multiproc-pipe-')) : null;
    const path = v.out ?? joinPath(dir!, 'output.txt');
    const seed = Date.now() % 1_000_000;
    const met = new Event();
    const [inputP, outputP] = Pipe<number>();
    const p1 = new Process({
      target: generate,
      args: [inputP, count, seed, v.fast ? 0 : 100],
      name: 'generate',
    });
    const p2 = new Process({ target: reader, args: [outputP, path, met], name: 'reader' });
    await p1.start();
    await p2.start();
    console.log(
      `parent (pid ${process.pid}) passed the two ends to generate (pid ${p1.pid}) and reader (pid ${p2.pid})`,
    );
    let ok = check(
      await met.wait({ timeout: 20_000 }),
      'the first value went through: the two ends have met',
    );
    const size = () => {
      try {
        return statSync(path).size;
      } catch {
        return 0;
      }
    };
    const before = size();
    process.kill(p1.pid!, 'SIGUSR2'); // a system call: generate needs nothing more from this process
    const ms = freeze(15_000, () => size() >= count);
    const during = size() - before;
    console.log(
      `parent blocked its own event loop for ${(ms / 1000).toFixed(2)} s: meanwhile ${during} values went from generate to reader and into the file`,
    );
    ok =
      check(
        during > 0 && size() === count,
        'the parent was not in the data path: the values arrived while it was blocked',
      ) && ok;
    for (const p of [p1, p2]) {
      await p.join({ timeout: 20_000 });
      if (p.isAlive()) {
        p.terminate();
        await p.join();
      }
    }
    const written = readFileSync(path, 'utf8');
    const values = digits(seed);
    const expected = Array.from({ length: count }, () => values.next().value).join('');
    console.log(`${path}: ${written.length > 60 ? `${written.slice(0, 60)}…` : written}`);
    ok = check(written === expected, `the file holds the ${count} digits sent, in order`) && ok;
    ok =
      check(p1.exitCode === 0 && p2.exitCode === 0, `both exited 0 (${p1.exitCode}, ${p2.exitCode})`) && ok;
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
      console.log(`(removed ${path}; --out FILE keeps it)`);
    }
    return ok ? 0 : 1;
  },
};
