import net from 'node:net';
import { Process } from '@multiproc/process';
import { afterEach, expect, it } from 'vitest';
import { echoSocket, serveOnce } from './fixtures/tasks.mjs';
import { cleanup, track } from './helpers.js';

afterEach(cleanup);

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/** Connect, send `text` at once, and resolve with the first reply. */
function ask(port: number, text: string): Promise<{ client: net.Socket; reply: string }> {
  return new Promise((resolve, reject) => {
    const client = net.connect(port, '127.0.0.1', () => client.write(text));
    client.once('data', (d) => resolve({ client, reply: d.toString() }));
    client.once('error', reject);
  });
}

function ended(client: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (client.readableEnded || client.destroyed) resolve();
    client.once('end', () => resolve());
    client.once('close', () => resolve());
    client.resume();
  });
}

it('each accepted socket is served by its own child; the parent keeps no copy', async () => {
  const children: Process[] = [];
  // No pauseOnConnect: bytes the parent read before the hand-over must reach the child.
  const server = net.createServer((socket) => {
    const p = track(new Process({ target: echoSocket, args: [socket] }));
    children.push(p);
    p.start().catch((e) => socket.destroy(e));
  });
  const port = await listen(server);
  try {
    const [a, b] = await Promise.all([ask(port, 'hello'), ask(port, 'world 你好')]);
    expect(children).toHaveLength(2);
    const pids = children.map((p) => p.pid);
    const [pa, ta] = a.reply.split(':');
    const [pb, tb] = b.reply.split(':');
    expect(ta).toBe('HELLO');
    expect(tb).toBe('WORLD 你好');
    expect(pids).toContain(Number(pa));
    expect(pids).toContain(Number(pb));
    expect(pa).not.toBe(pb);
    expect(Number(pa)).not.toBe(process.pid);

    // Client a ends: its child ends the socket and exits by itself.
    const childA = children.find((p) => p.pid === Number(pa))!;
    a.client.end();
    await ended(a.client);
    await childA.join();
    expect(childA.exitCode).toBe(0);

    // Client b's child is killed: the client sees the connection end, which it would
    // not if the parent still held a copy of the socket.
    const childB = children.find((p) => p.pid === Number(pb))!;
    childB.kill();
    await childB.join();
    await ended(b.client);
    expect(childB.exitCode).toBe(-9);
  } finally {
    server.close();
  }
});

it('a net.Server handed to a child accepts connections there', async () => {
  const server = net.createServer();
  const port = await listen(server);
  const p = track(new Process({ target: serveOnce, args: [server] }));
  await p.start();
  const reply = await new Promise<string>((resolve, reject) => {
    let text = '';
    const c = net.connect(port, '127.0.0.1');
    c.on('data', (d) => (text += d));
    c.on('end', () => resolve(text));
    c.on('error', reject);
  });
  expect(reply).toBe(`served by ${p.pid}`);
  await p.join();
  expect(p.exitCode).toBe(0);
  server.close();
});
