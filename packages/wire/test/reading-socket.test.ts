import { createHash } from 'node:crypto';
import net from 'node:net';
import { connectSocket } from '@multiproc/wire';
import { afterEach, expect, it } from 'vitest';
import { closeAll, connect, listen } from './helpers.js';

afterEach(closeAll);

// Both ends read through `onread` (reading-socket.ts): a connecting socket by option, an accepted
// one by moving its handle to a socket that has the option. A large read is handed on as it is
// and a small one copied out, so a later read must never write over a received Buffer.
it.each([
  'client',
  'server',
] as const)('the %s keeps every received Buffer intact while later reads arrive, across sizes', async (reader) => {
  const l = await listen();
  const [a, b] = await connect(l);
  const [receiver, sender] = reader === 'client' ? [a, b] : [b, a];
  const sizes = [1, 7, 100, 4095, 16 * 1024, 16 * 1024 + 1, 70_000, 128 * 1024, 300_000, 1_000_000];
  const sent: string[] = [];
  for (let round = 0; round < 20; round++) {
    for (const size of sizes) {
      const buf = Buffer.alloc(size, (round * 31 + size) & 0xff);
      if (size >= 4) buf.writeUInt32LE(round, 0);
      sent.push(digest(buf));
      sender.send(buf);
    }
  }
  sender.send('end');
  const kept: Buffer[] = [];
  for (;;) {
    const m = await receiver.recv({ timeout: 20_000 });
    if (m === 'end') break;
    kept.push(m as Buffer);
  }
  // Checked only now, after every later read has landed.
  expect(kept.map(digest)).toEqual(sent);
}, 60_000);

it('the client side still sees the end of the stream', async () => {
  const l = await listen();
  const [client, server] = await connect(l);
  server.send('last');
  server.close();
  expect(await client.recv({ timeout: 10_000 })).toBe('last');
  await expect(client.recv({ timeout: 10_000 })).rejects.toMatchObject({ name: 'ConnectionClosedError' });
});

function digest(b: Buffer): string {
  return createHash('sha1').update(b).digest('hex');
}

it('the exported connectSocket is a plain readable socket (for await, setEncoding)', async () => {
  const server = net.createServer((s) => {
    s.write('one ');
    setTimeout(() => s.end('two'), 20);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as net.AddressInfo;
    const socket = await connectSocket({ host: '127.0.0.1', port });
    socket.setEncoding('utf8');
    let text = '';
    for await (const chunk of socket) text += chunk as string;
    expect(text).toBe('one two');
  } finally {
    server.close();
  }
});
