import { afterEach, expect, it } from 'vitest';
import { Child, closeAll, listen, reapChildren } from './helpers.js';

afterEach(async () => {
  closeAll();
  await reapChildren();
});

const KEY = Buffer.from('secret').toString('hex');

async function collect(conn: AsyncIterable<unknown>): Promise<number[]> {
  const got: number[] = [];
  for await (const m of conn) got.push((m as { i: number }).i);
  return got;
}

it('delivers what a peer sent before it ended, even when this side writes first and gets EPIPE', async () => {
  const l = await listen();
  const accepted = l.accept();
  const count = 12_000; // ~120 KB: more than Node reads ahead, less than the kernel holds
  const child = new Child('send-and-exit.mjs', [String(l.address), KEY, String(count), 'end']);
  const server = await accepted;
  // Stop reading, so most of the peer's frames are still in the kernel when we write to a dead peer.
  server.socket.pause();
  expect((await child.exited).code).toBe(0);
  try {
    server.send('are you there?');
  } catch {
    // Depending on timing the peer's end is already known; then the frames are read normally.
  }
  server.socket.resume();
  expect(await collect(server)).toEqual(Array.from({ length: count }, (_, i) => i));
});

it('a sender that calls process.exit() right after its sends still delivers them', async () => {
  const l = await listen();
  const accepted = l.accept();
  const count = 2000;
  const child = new Child('send-and-exit.mjs', [String(l.address), KEY, String(count), 'exit']);
  const server = await accepted;
  expect((await child.exited).code).toBe(0);
  expect(await collect(server)).toEqual(Array.from({ length: count }, (_, i) => i));
});
