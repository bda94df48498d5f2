// W6 memory. child: a no-op child's own peak RSS (VmHWM, MB), multiproc
// Process vs bare fork (each writes it to a file: no IPC of its own). parent: this process's peak RSS (MB) after n queue
// items through a child consumer, or n pool tasks.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { params, report } from './_report.mjs';

const { system, n, maxsize = 0 } = params();
const file = join(tmpdir(), `multiproc-bench-hwm-${process.pid}`);
if (system === 'fork') {
  const child = fork(fileURLToPath(new URL('./hwm.mjs', import.meta.url)), [file], { stdio: 'ignore' });
  await once(child, 'exit');
  report(Number(readFileSync(file, 'utf8')) / 1024);
  rmSync(file, { force: true });
} else if (system === 'multiproc-child') {
  const { Process } = await import('@multiproc/process');
  const { vmhwm } = await import('./mp-tasks.mjs');
  const p = new Process({ target: vmhwm, args: [file] });
  await p.start();
  await p.join();
  report(Number(readFileSync(file, 'utf8')) / 1024);
  rmSync(file, { force: true });
} else if (system === 'queue') {
  const { Process } = await import('@multiproc/process');
  const { Queue } = await import('@multiproc/queue');
  const { consume } = await import('./mp-tasks.mjs');
  const q = new Queue({ maxsize });
  const ready = new Queue();
  const done = new Queue();
  const p = new Process({ target: consume, args: [q, ready, done] });
  await p.start();
  await ready.get();
  for (let i = 0; i < n; i++) await q.put(i);
  await q.put(null);
  const [got] = await done.get();
  if (got !== n) throw new Error('lost items');
  await p.join();
  report(process.resourceUsage().maxRSS / 1024);
} else {
  const { Pool } = await import('@multiproc/pool');
  const { double } = await import('./mp-tasks.mjs');
  const pool = new Pool({ processes: 2 });
  let left = n;
  // Bounded submission, as a user streaming tasks would: imap reads lazily.
  for await (const _ of pool.imap(
    double,
    (function* () {
      while (left-- > 0) yield 1;
    })(),
    { chunksize: 64 },
  )) {
  }
  await pool.terminate();
  report(process.resourceUsage().maxRSS / 1024);
}
