// W3 multiproc: Queue owned here; producers and consumers are child Processes.
// Producers end with nulls (FIFO per producer). Counts (and sums) what the consumers got: nothing lost, nothing duplicated.
// mode 'joinable': this process puts n ints, a child gets + taskDone, join().
// warmPass: untimed passes of the same work first, in the same processes (steady state); the
// first is reported as `cold`.
import { JoinableQueue } from '@multiproc/joinable-queue';
import { Process } from '@multiproc/process';
import { Queue } from '@multiproc/queue';
import { params, report } from './_report.mjs';
import { consume, jconsume, produce } from './mp-tasks.mjs';

const { mode, n, producers = 1, consumers = 1, kind = 'int', warmPass = 0 } = params();
const passes = 1 + warmPass;
const procs = [];
try {
  if (mode === 'joinable') {
    const q = new JoinableQueue();
    const ready = new Queue();
    const c = new Process({ target: jconsume, args: [q, ready], daemon: true });
    procs.push(c);
    await c.start();
    await ready.get();
    const pass = async () => {
      for (let i = 0; i < n; i++) await q.put(i);
      await q.join();
    };
    for (let w = 0; w < warmPass; w++) await pass(); // untimed, as every W3 case
    const t0 = performance.now();
    await pass();
    report(n / ((performance.now() - t0) / 1000));
  } else {
    const q = new Queue();
    const ready = new Queue();
    const done = new Queue();
    const go = new Queue();
    const consumerGo = new Queue();
    const per = Math.floor(n / producers);
    for (let k = 0; k < consumers; k++)
      procs.push(new Process({ target: consume, args: [q, ready, done, producers, passes, consumerGo] }));
    for (let k = 0; k < producers; k++)
      procs.push(
        new Process({ target: produce, args: [q, ready, go, k * per, per, kind, consumers, passes] }),
      );
    for (const p of procs) await p.start();
    for (const _ of procs) await ready.get();
    const want = per * producers;
    const pass = async () => {
      for (let k = 0; k < consumers; k++) await consumerGo.put(1);
      for (let k = 0; k < producers; k++) await go.put(1);
      let total = 0;
      let sum = 0;
      for (let k = 0; k < consumers; k++) {
        const [got, s] = await done.get();
        total += got;
        sum += s;
      }
      if (total !== want) throw new Error(`got ${total} items, want ${want}`);
      if (kind !== 'buf64k' && sum !== ((want - 1) * want) / 2) throw new Error('items lost or duplicated');
    };
    const rate = (seconds) => (kind === 'buf64k' ? (want * 65536) / 1e6 / seconds : want / seconds);
    let cold;
    for (let w = 0; w < warmPass; w++) {
      const c0 = performance.now();
      await pass(); // untimed, as every W3 case
      if (w === 0) cold = rate((performance.now() - c0) / 1000);
    }
    const t0 = performance.now();
    await pass();
    const s = (performance.now() - t0) / 1000;
    for (const p of procs) await p.join();
    report(rate(s), cold === undefined ? {} : { cold });
  }
} finally {
  for (const p of procs) if (p.isAlive()) p.kill();
}
