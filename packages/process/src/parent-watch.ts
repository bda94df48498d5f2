import { Worker } from 'node:worker_threads';

/**
 * A daemon must die with its parent even when the parent is SIGKILLed and
 * even while this process's main thread is stuck in a CPU-bound loop, where
 * an IPC 'disconnect' listener would never run. So the watch lives on a
 * small worker thread: when this process is re-parented, it kills it.
 */
const WATCH_SOURCE = `
const { workerData } = require('node:worker_threads');
const timer = setInterval(() => {
  if (process.ppid !== workerData.parentPid) process.kill(workerData.selfPid, 'SIGKILL');
}, workerData.intervalMs);
`;

export function watchParent(parentPid: number, intervalMs = 100): void {
  const worker = new Worker(WATCH_SOURCE, {
    eval: true,
    execArgv: [],
    env: {},
    workerData: { parentPid, selfPid: process.pid, intervalMs },
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
  });
  worker.unref();
  worker.on('error', () => {});
}
