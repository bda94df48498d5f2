/**
 * A daemon must die with its parent even when the parent is SIGKILLed and
 * even while this process's main thread is stuck in a CPU-bound loop, where
 * an IPC 'disconnect' listener would never run. So the watch lives on a
 * small worker thread: when this process is re-parented, it kills it.
 */
const WATCH_SOURCE = `
const { workerData } = require('node:worker_threads');
const { readdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const timer = setInterval(() => {
  if (process.ppid === workerData.parentPid) return;
  // SIGKILL runs no exit hook: remove this process's socket directory first.
  try {
    const prefix = 'mp-' + workerData.selfPid + '-';
    for (const name of readdirSync(workerData.tmpdir)) {
      if (name.startsWith(prefix)) rmSync(join(workerData.tmpdir, name), { recursive: true, force: true });
    }
  } catch {}
  process.kill(workerData.selfPid, 'SIGKILL');
}, workerData.intervalMs);
`;

/** Only daemons watch: worker_threads is loaded then, not in every child. */
export async function watchParent(parentPid: number, intervalMs = 100): Promise<void> {
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const worker = new Worker(WATCH_SOURCE, {
    eval: true,
    execArgv: [],
    env: {},
    workerData: {
      parentPid,
      selfPid: process.pid,
      intervalMs,
      tmpdir: process.getBuiltinModule('node:os').tmpdir(),
    },
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
  });
  worker.unref();
  worker.on('error', () => {});
}
