// W2 multiproc: Pipe() between this process and a child Process (a direct
// socket between the two holders): one-way n ints + ack, or echo RTT.
import { Pipe } from '@multiproc/pipe';
import { Process } from '@multiproc/process';
import { params, report } from './_report.mjs';
import { pipeEcho, pipeSink } from './mp-tasks.mjs';

const { mode, n, warm = 0, warmPass = 0 } = params();
const [a, b] = Pipe();
const child = new Process({
  target: mode === 'rtt' ? pipeEcho : pipeSink,
  args: mode === 'rtt' ? [b, warm + n] : [b, n, 1 + warmPass],
});
try {
  await child.start();
  if ((await a.recv()) !== 'ready') throw new Error('no ready');
  if (mode === 'rtt') {
    for (let i = 0; i < warm; i++) {
      a.send(i);
      await a.recv();
    }
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      a.send(i);
      await a.recv();
    }
    report(((performance.now() - t0) * 1000) / n);
  } else {
    const pass = async () => {
      for (let i = 0; i < n; i++) {
        a.send(i);
        // Yield now and then so frames leave as they are batched (bounded memory), as a user's loop would.
        if ((i & 1023) === 1023) await a.drain();
      }
      const got = await a.recv();
      if (got !== n) throw new Error(`lost messages: ${got} of ${n}`);
    };
    for (let w = 0; w < warmPass; w++) await pass(); // untimed, as every one-way case
    const t0 = performance.now();
    await pass();
    report(n / ((performance.now() - t0) / 1000));
  }
  await child.join();
} finally {
  if (child.isAlive()) child.kill();
}
