import { Connection } from '@multiproc/wire';
import { afterEach, expect, it } from 'vitest';
import { closeAll, socketPair, track } from './helpers.js';

afterEach(closeAll);

const tick = () => new Promise((resolve) => setImmediate(resolve));

// A flush writes straight to the descriptor only while the socket's stream holds nothing
// (direct-write.ts). Once the kernel's buffer is full, later flushes queue behind the stream's
// bytes; when the peer reads again, the stream drains first and only then do writes go direct.
it('keeps every message in order while writes move between the descriptor and the stream', async () => {
  const [a, b] = await socketPair();
  const sender = track(new Connection(a));
  const receiver = track(new Connection(b));
  b.pause(); // the receiver reads nothing until told: the kernel's buffer fills
  const filler = 'x'.repeat(8 * 1024);
  let next = 0;
  const sendTick = () => {
    for (let i = 0; i < 200; i++) sender.send(next++);
    sender.send(filler);
  };
  let queued = 0;
  for (let t = 0; t < 100; t++) {
    sendTick();
    await tick();
    queued = Math.max(queued, sender.pendingBytes);
  }
  // Bytes waited in the stream: the later flushes did not go direct.
  expect(queued).toBeGreaterThan(0);
  b.resume();
  let expected = 0;
  const received = (async () => {
    while (expected < 300 * 200) {
      const m = await receiver.recv({ timeout: 20_000 });
      if (m === filler) continue;
      if (m !== expected) throw new Error(`got ${String(m)}, expected ${expected}`);
      expected++;
    }
  })();
  // More ticks while the receiver drains: the stream empties and writes go direct again.
  for (let t = 0; t < 200; t++) {
    sendTick();
    await tick();
  }
  await received;
  expect(expected).toBe(next);
}, 60_000);
