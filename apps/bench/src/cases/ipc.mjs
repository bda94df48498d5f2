// W2 anchor: Node's IPC channel (fork, serialization json|advanced).
// mode 'oneway': parent sends N ints, child acks the last -> msgs/s.
// mode 'rtt': parent sends, child echoes, N round trips -> us/RT.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killPid, params, report } from './_report.mjs';

if (process.argv[2] === '--child') {
  const n = Number(process.argv[3]);
  const mode = process.argv[4];
  let seen = 0;
  process.on('message', (m) => {
    if (mode === 'rtt') process.send(m);
    else if (++seen % n === 0) process.send('done');
  });
  process.send('ready');
} else {
  const { serialization, mode, n, warm = 0, warmPass = 0 } = params();
  const child = fork(fileURLToPath(import.meta.url), ['--child', String(n), mode], {
    serialization,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await new Promise((r) => child.once('message', r)); // 'ready': child booted
    const roundTrips = (count) =>
      new Promise((resolve, reject) => {
        const onExit = () => reject(new Error('child exited early'));
        child.once('exit', onExit);
        let i = 0;
        const onMessage = () => {
          if (++i < count) return child.send(i);
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve();
        };
        child.on('message', onMessage);
        child.send(0);
      });
    const oneWay = () =>
      new Promise((resolve, reject) => {
        const onExit = () => reject(new Error('child exited early'));
        child.once('exit', onExit);
        child.once('message', () => {
          child.off('exit', onExit);
          resolve();
        });
        for (let i = 0; i < n; i++) child.send(i);
      });
    if (mode === 'rtt' && warm > 0) await roundTrips(warm); // untimed, as every RTT case
    if (mode !== 'rtt') for (let w = 0; w < warmPass; w++) await oneWay(); // untimed, as every one-way case
    const t0 = performance.now();
    if (mode === 'rtt') await roundTrips(n);
    else await oneWay();
    const s = (performance.now() - t0) / 1000;
    report(mode === 'rtt' ? (s * 1e6) / n : n / s);
  } finally {
    killPid(child.pid);
  }
}
