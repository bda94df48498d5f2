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
    else if (++seen === n) process.send('done');
  });
  process.send('ready');
} else {
  const { serialization, mode, n } = params();
  const child = fork(fileURLToPath(import.meta.url), ['--child', String(n), mode], {
    serialization,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await new Promise((r) => child.once('message', r)); // 'ready': child booted
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      child.once('exit', () => reject(new Error('child exited early')));
      if (mode === 'rtt') {
        let i = 0;
        child.on('message', () => (++i === n ? resolve() : child.send(i)));
        child.send(0);
      } else {
        child.on('message', () => resolve());
        for (let i = 0; i < n; i++) child.send(i);
      }
    });
    const s = (performance.now() - t0) / 1000;
    report(mode === 'rtt' ? (s * 1e6) / n : n / s);
  } finally {
    killPid(child.pid);
  }
}
