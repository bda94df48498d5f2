import { DEBUG, logToStderr } from '@multiproc/logging';
import { Process } from '@multiproc/process';
import { check, defineTask, type Example, parse } from '../example.js';

export const runWorker = defineTask(import.meta.url, () => {
  console.log('running worker process');
});

export const logging: Example = {
  name: 'logging',
  seed: '000-D',
  summary:
    "logToStderr(DEBUG): the child's lifecycle lines ([INFO/p1] child process calling self.run()) on stderr",
  showed: 'children log [INFO/p1] lines to the parent stderr',
  options: { fast: { type: 'boolean', default: false } },
  async run(args) {
    parse(args, { fast: { type: 'boolean', default: false } });
    logToStderr(DEBUG);
    const p = new Process({ target: runWorker, name: 'p1' });
    await p.start();
    await p.join();
    return check(p.exitCode === 0, `p1 exited with code ${p.exitCode}`) ? 0 : 1;
  },
};
