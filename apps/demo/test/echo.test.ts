import net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { pidAlive, reapAll, runCli, spawnCli } from './helpers.js';

afterEach(reapAll);

function exchange(port: number, messages: string[]): Promise<{ localPort: number; replies: string[] }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.setEncoding('utf8');
    const replies: string[] = [];
    let buf = '';
    let i = 0;
    const next = () => (i < messages.length ? s.write(`${messages[i++]}\n`) : s.end());
    let localPort = -1;
    s.on('connect', () => {
      localPort = s.localPort ?? -1;
      next();
    });
    s.on('data', (d: string) => {
      buf += d;
      while (buf.includes('\n')) {
        replies.push(buf.slice(0, buf.indexOf('\n')));
        buf = buf.slice(buf.indexOf('\n') + 1);
        next();
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve({ localPort, replies }));
    s.setTimeout(10_000, () => s.destroy(new Error('client timed out')));
  });
}

it('serves several clients at once, each from its own child, and stops cleanly on SIGINT', async () => {
  const server = spawnCli(['echo-server', '--port', '0']);
  let out = '';
  server.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => server.on('close', (code) => r(code)));
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout!.on('data', () => {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    exited.then(() => reject(new Error(`server ended: ${out}`)));
  });

  // Hold one connection open over the SIGINT, so the server must end a live child.
  const held = net.connect(port, '127.0.0.1');
  await new Promise((r) => held.once('connect', r));
  const heldClosed = new Promise((r) => held.on('close', r));
  held.on('error', () => {});

  const sessions = [
    ['hello', 'world 你好'],
    ['abc', 'def'],
    ['xyz', 'quit'],
    ['one', 'two', 'three'],
  ];
  const results = await Promise.all(sessions.map((m) => exchange(port, m)));
  for (const [i, r] of results.entries()) expect(r.replies).toEqual(sessions[i]!.map((m) => m.toUpperCase()));

  await new Promise((r) => setTimeout(r, 200));
  const pidFor = (p: number) =>
    Number(new RegExp(`pid (\\d+) started for 127\\.0\\.0\\.1:${p}\\b`).exec(out)?.[1]);
  const pids = [...results.map((r) => pidFor(r.localPort)), pidFor(held.localPort!)];
  for (const p of pids) expect(p).toBeGreaterThan(0);
  expect(new Set(pids).size).toBe(pids.length);
  expect(pids).not.toContain(server.pid);

  server.kill('SIGINT');
  expect(await exited).toBe(0);
  await heldClosed;
  expect(out).toMatch(/SIGINT: no longer accepting/);
  expect(out).toMatch(/all children ended/);
  for (const p of pids) expect(pidAlive(p)).toBe(false);
}, 30_000);

it('echo-client: prompts, skips empty lines, exits cleanly at EOF on piped stdin', async () => {
  const server = spawnCli(['echo-server', '--port', '0']);
  let out = '';
  server.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => server.on('close', (code) => r(code)));
  const port = await new Promise<number>((resolve) => {
    server.stdout!.on('data', () => {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  const r = await runCli(['echo-client', '--port', String(port)], { input: 'hello\n\nworld 你好\nquit\n' });
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('>>: HELLO\n>>: >>: WORLD 你好\n>>: QUIT\n>>: \n');
  server.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 30_000);

it('a port already in use is a one-line error and exit 1', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const r = await runCli(['echo-server', '--port', String(port)]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `echo-server: cannot listen on 127.0.0.1:${port}: address already in use`,
    ]);
  } finally {
    blocker.close();
  }
});

it('echo-client: a refused connection is an error, exit 1', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  await new Promise((r) => blocker.close(r));
  const r = await runCli(['echo-client', '--port', String(port)]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('cannot connect');
});
