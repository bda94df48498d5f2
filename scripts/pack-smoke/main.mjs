import { Pool } from '@multiproc/pool';
import { Process } from '@multiproc/process';
import { Queue } from '@multiproc/queue';
import { double, produce } from './tasks.mjs';

// A clean install warns about nothing; in particular process's copy of wire's core and wire's
// own must be one instance (once-per-process.mjs warns when they are not).
process.on('warning', (warning) => {
  console.error(`unexpected warning: ${warning.code} ${warning.message}`);
  process.exitCode = 1;
});

const q = new Queue();
const p = new Process({ target: produce, args: [q] });
await p.start();
const got = [];
for (let v = await q.get(); v !== null; v = await q.get()) got.push(v);
await p.join();
console.log('queue', got, 'exit', p.exitCode);
const pool = new Pool({ processes: 2 });
console.log('pool', await pool.map(double, [1, 2, 3]));
await pool[Symbol.asyncDispose]();
if (got.length !== 5 || p.exitCode !== 0) process.exitCode = 1;
