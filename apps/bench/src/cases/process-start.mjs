// W1: sequential start+join of a no-op, K times; prints ms/process.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { params, report } from './_report.mjs';

const { system, count, spares } = params();
const EMPTY = fileURLToPath(new URL('./empty.mjs', import.meta.url));

if (system === 'fork') {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const child = fork(EMPTY, [], { stdio: 'ignore' });
    try {
      await once(child, 'exit');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
  report((performance.now() - t0) / count);
} else {
  const { Process, setStartMethod, sparesReady, stopSpares } = await import('@multiproc/process');
  const { noop } = await import('./noop-task.mjs');
  if (system === 'warm' || system === 'warm-prestarted') {
    // The prestarted row also preloads the task module in every spare (Python's forkserver preload).
    const preload = system === 'warm-prestarted' ? [new URL('./noop-task.mjs', import.meta.url)] : undefined;
    setStartMethod('warm', spares ? { spares, preload } : {});
    if (system === 'warm-prestarted') {
      // Every spare booted and ready before timing: measures starts that each
      // find their spare idle (50 boots take seconds of CPU on 2 cores).
      await sparesReady({ timeout: 120_000 });
    }
  }
  const started = [];
  try {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const p = new Process({ target: noop });
      started.push(p);
      await p.start();
      await p.join();
    }
    report((performance.now() - t0) / count);
  } finally {
    for (const p of started) if (p.isAlive()) p.kill();
    stopSpares();
  }
}
