import net from 'node:net';
import readline from 'node:readline';
import { type Example, parse } from './example.js';

const options = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8080' },
} as const;

export const echoClient: Example = {
  name: 'echo-client',
  seed: '001-C',
  summary: 'interactive client for echo-server (>>: prompt); lines can also be piped on stdin',
  showed: 'upper-cased echoes',
  usage: '[--host 127.0.0.1] [--port 8080]',
  options,
  async run(args) {
    const v = parse(args, options);
    const socket = net.connect(Number(v.port), v.host);
    socket.setEncoding('utf8');
    const connected = await new Promise<Error | null>((resolve) => {
      socket.once('connect', () => resolve(null));
      socket.once('error', resolve);
    });
    if (connected) {
      console.error(`echo-client: cannot connect to ${v.host}:${v.port}: ${connected.message}`);
      return 1;
    }
    let buffered = '';
    let waiter: (() => void) | null = null;
    let closed = false;
    socket.on('data', (d: string) => {
      buffered += d;
      waiter?.();
    });
    socket.on('close', () => {
      closed = true;
      waiter?.();
    });
    socket.on('error', () => {});
    // The echo of one line ends with its (upper-cased) newline.
    const reply = async (): Promise<string | null> => {
      while (!buffered.includes('\n')) {
        if (closed) return null;
        await new Promise<void>((r) => (waiter = r));
        waiter = null;
      }
      const i = buffered.indexOf('\n');
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      return line;
    };
    const rl = readline.createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
    process.stdout.write('>>: ');
    for await (const line of rl) {
      const msg = line.trim();
      if (msg) {
        socket.write(`${msg}\n`);
        const echo = await reply();
        if (echo === null) {
          console.error('\necho-client: the server closed the connection');
          rl.close();
          return 1;
        }
        process.stdout.write(`${echo}\n`);
      }
      process.stdout.write('>>: ');
    }
    process.stdout.write('\n');
    socket.end();
    await new Promise((r) => (closed ? r(null) : socket.once('close', r)));
    return 0;
  },
};
