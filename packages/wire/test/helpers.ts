import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client, type ClientOptions, type Connection, Listener, type ListenerOptions } from '@multiproc/wire';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Things with a close() that a test opened; closed in afterEach by `closeAll`. */
const open: Array<{ close(): void }> = [];
export function track<T extends { close(): void }>(thing: T): T {
  open.push(thing);
  return thing;
}
export function closeAll(): void {
  for (const thing of open.splice(0).reverse()) {
    try {
      thing.close();
    } catch {
      // Already closed.
    }
  }
}

export async function listen(options: ListenerOptions = {}): Promise<Listener> {
  const l = track(new Listener({ authkey: 'secret', ...options }));
  await l.ready;
  return l;
}

/** One authenticated connection through `l`: [client end, server end]. */
export async function connect(
  l: Listener,
  options: ClientOptions = { authkey: 'secret' },
): Promise<[Connection, Connection]> {
  const accepted = l.accept();
  const client = track(await Client(l.address, options));
  const server = track(await accepted);
  return [client, server];
}

/** A good client still round-trips through `l` in both directions. */
export async function assertServes(l: Listener, options?: ClientOptions): Promise<void> {
  const [client, server] = await connect(l, options);
  client.send({ hello: 'still serving', n: 1n });
  const got = await server.recv({ timeout: 5000 });
  server.send(got);
  const back = await client.recv({ timeout: 5000 });
  if (
    JSON.stringify(back, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) !==
    '{"hello":"still serving","n":"1n"}'
  ) {
    throw new Error(`unexpected echo ${String(back)}`);
  }
  client.close();
  server.close();
}

/** Two connected sockets over a Unix socket in a fresh temp dir, with no handshake. */
export async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const dir = mkdtempSync(join(tmpdir(), 'wire-test-'));
  const path = join(dir, 's.sock');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const a = net.connect(path);
  await new Promise<void>((resolve) => a.once('connect', resolve));
  const b = await accepted;
  server.close();
  rmSync(dir, { recursive: true, force: true });
  track({ close: () => a.destroy() });
  track({ close: () => b.destroy() });
  return [a, b];
}

/** Settles with `promise`, or rejects after `ms` so a broken test fails instead of hanging. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A real `node` child running a fixture; killed and reaped by `reapChildren`. */
export class Child {
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  #lines: string[] = [];
  #wake: (() => void) | null = null;
  #done = false;

  constructor(fixture: string, args: string[]) {
    this.proc = spawn(process.execPath, [join(FIXTURES, fixture), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderr += s;
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      this.#lines.push(line);
      this.#wake?.();
    });
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.#done = true;
        this.#wake?.();
        resolve({ code, signal });
      });
    });
    children.add(this);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The next line the child prints on stdout. */
  async line(ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.#lines.length === 0) {
      if (this.#done) throw new Error(`child exited without output; stderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`child printed nothing within ${ms} ms; stderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
    return this.#lines.shift()!;
  }

  async json<T = any>(ms?: number): Promise<T> {
    return JSON.parse(await this.line(ms)) as T;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.#done) this.proc.kill(signal);
    return this.exited;
  }
}

const children = new Set<Child>();

/** Kill every child still running, wait for it, and remove the private dir a SIGKILLed child leaves. */
export async function reapChildren(): Promise<void> {
  const all = [...children];
  children.clear();
  await Promise.all(all.map((child) => child.kill('SIGKILL')));
  const tmp = tmpdir();
  for (const child of all) {
    for (const name of readdirSync(tmp)) {
      if (name.startsWith(`mp-${child.pid}-`)) rmSync(join(tmp, name), { recursive: true, force: true });
    }
  }
}

export function frame(payload: Uint8Array, flags = 0): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE((flags | payload.length) >>> 0);
  return Buffer.concat([header, payload]);
}
