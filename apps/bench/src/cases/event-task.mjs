import { task } from '@multiproc/process';

/** Child side of the Event ping-pong: wait ping, clear it, set pong. */
export const pong = task(import.meta.url, async (ping, pongEv, n) => {
  await pongEv.set(); // ready
  for (let i = 0; i < n; i++) {
    await ping.wait();
    await ping.clear();
    await pongEv.set();
  }
});
