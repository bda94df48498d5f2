// W4 anchors: tinypool (runtime 'child_process') and workerpool (workerType
// 'process'), 2 workers. mode 'burst': N tasks submitted at once, await all
// -> tasks/s. mode 'seq': N tasks one after another -> us/task.
import { fileURLToPath } from 'node:url';
import { params, report } from './_report.mjs';

const { system, mode, n, workers = 2 } = params();

let run;
let close;
if (system === 'tinypool') {
  const { Tinypool } = await import('tinypool');
  const pool = new Tinypool({
    filename: new URL('./tinypool-worker.mjs', import.meta.url).href,
    runtime: 'child_process',
    minThreads: workers,
    maxThreads: workers,
  });
  run = (x) => pool.run(x);
  close = () => pool.destroy();
} else {
  const { default: workerpool } = await import('workerpool');
  const pool = workerpool.pool(fileURLToPath(new URL('./workerpool-worker.mjs', import.meta.url)), {
    workerType: 'process',
    minWorkers: workers,
    maxWorkers: workers,
  });
  run = (x) => pool.exec('inc', [x]);
  close = () => pool.terminate(true);
}

/** The measured operation; the same one, untimed, is the warm-up. */
async function work(count) {
  if (mode === 'seq') {
    for (let i = 0; i < count; i++) await run(i);
  } else {
    await Promise.all(Array.from({ length: count }, (_, i) => run(i)));
  }
}

const WARMUPS = 3;
try {
  // Bring the workers up, then warm up as multiproc's case does (JIT): the value is the steady state.
  await Promise.all(Array.from({ length: workers * 2 }, (_, i) => run(i)));
  const warm = n;
  const c0 = performance.now();
  await work(warm);
  const coldSeconds = (performance.now() - c0) / 1000;
  for (let w = 1; w < WARMUPS; w++) await work(warm);
  const t0 = performance.now();
  await work(n);
  const s = (performance.now() - t0) / 1000;
  report(mode === 'seq' ? (s * 1e6) / n : n / s, {
    cold: mode === 'seq' ? (coldSeconds * 1e6) / warm : warm / coldSeconds,
  });
} finally {
  await close();
}
