import { Process } from '@multiproc/process';
import { check, type Example, fastOption, parse } from '../example.js';

/** Seed 000-E: a Process subclass whose run() prints its name. */
export class WorkerProcess extends Process {
  static module = import.meta.url;
  greeting = 'set before start()';
  override run(): void {
    console.log(`${this.name} (pid ${process.pid}, greeting: ${this.greeting})`);
  }
}

export const subclass: Example = {
  name: 'subclass',
  seed: '000-E',
  summary:
    'class WorkerProcess extends Process { run() }: five started and joined in turn (WorkerProcess-1..5)',
  showed: 'subclass run() in the child; names WorkerProcess-1..5',
  options: fastOption,
  async run(args) {
    parse(args, fastOption);
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const p = new WorkerProcess();
      names.push(p.name);
      await p.start();
      await p.join();
      if (p.exitCode !== 0) return check(false, `${p.name} exited with ${p.exitCode}`) ? 0 : 1;
    }
    const want = [1, 2, 3, 4, 5].map((i) => `WorkerProcess-${i}`).join(',');
    return check(names.join(',') === want, `names ${names.join(', ')}`) ? 0 : 1;
  },
};
