import { readFileSync } from 'node:fs';
import { Process } from '@multiproc/process';
import { Queue } from '@multiproc/queue';
import { afterEach, expect, it } from 'vitest';
import { putMany } from './fixtures/tasks.mjs';
import { cleanup, track } from './helpers.js';

afterEach(cleanup);

// The classic pattern: join the producers, then put one sentinel per consumer.
// It is only correct if everything a child put is in the queue once join() resolves.
it('what a child put before it exited is in the queue before anything put after join()', async () => {
  const q = new Queue<number | null>();
  const count = 10_000;
  const producer = track(new Process({ target: putMany, args: [q, count] }));
  await producer.start();
  // Once its first put has been acknowledged, keep this event loop busy until the
  // child has exited, so its last frames and its exit reach this process together.
  while ((await q.qsize()) === 0) await new Promise((r) => setTimeout(r, 1));
  const deadline = Date.now() + 20_000;
  while (!hasExited(producer.pid!) && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  await producer.join();
  expect(producer.exitCode).toBe(0);
  await q.put(null);
  let n = 0;
  for (let v = await q.get({ timeout: 10_000 }); v !== null; v = await q.get({ timeout: 10_000 })) n++;
  expect(n).toBe(count);
});

function hasExited(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}
