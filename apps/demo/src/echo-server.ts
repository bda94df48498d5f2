import net from 'node:net';
import { Process, stopSpares } from '@multiproc/process';
import { defineTask, type Example, parse } from './example.js';

/** Runs in the child: upper-case and echo every message until the client closes. */
export const serveConnection = defineTask(import.meta.url, (socket: net.Socket) => {
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => socket.write(text.toUpperCase()));
  socket.on('end', () => socket.end());
  socket.on('error', () => socket.destroy());
  socket.resume();
});

const options = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8080' },
} as const;

const log = (msg: string) => console.log(`[server] ${msg}`);

export const echoServer: Example = {
  name: 'echo-server',
  seed: '001-C',
  summary: 'TCP echo server: each connection is served by a new child Process (Ctrl-C stops it)',
  showed: 'a child per connection',
  usage: '[--host 127.0.0.1] [--port 8080]',
  options,
  async run(args) {
    const v = parse(args, options);
    const port = Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error(`echo-server: invalid --port '${v.port}'`);
      return 2;
    }
    const children = new Set<Process>();
    let stopping = false;
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      if (stopping) return void socket.destroy();
      const peer = `${socket.remoteAddress}:${socket.remotePort}`;
      const p = new Process({ target: serveConnection, args: [socket], startMethod: 'warm' });
      children.add(p);
      p.start().then(
        () => {
          log(`${p.name} pid ${p.pid} started for ${peer}`);
          return p.join().then(() => {
            log(`${p.name} pid ${p.pid} exited with exit code ${p.exitCode}`);
            children.delete(p);
          });
        },
        (e: Error) => {
          log(`${p.name} failed to start for ${peer}: ${e.message}`);
          children.delete(p);
          socket.destroy();
        },
      );
    });
    const listening = new Promise<boolean>((resolve) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.message;
        console.error(`echo-server: cannot listen on ${v.host}:${port}: ${why}`);
        resolve(false);
      });
      server.listen(port, v.host, () => resolve(true));
    });
    if (!(await listening)) return 1;
    const addr = server.address() as net.AddressInfo;
    log(`listening on ${addr.address}:${addr.port} (pid ${process.pid}); Ctrl-C to stop`);

    // process.on, not once: @multiproc/process's own handler kills the program when it
    // sees no other listener, and a `once` listener is already removed when it looks.
    let onSignal!: (s: NodeJS.Signals) => void;
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      onSignal = (s) => resolve(s);
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    stopping = true;
    log(`${signal}: no longer accepting; terminating ${children.size} child(ren)`);
    server.close();
    const live = [...children];
    for (const p of live) if (p.isAlive()) p.terminate();
    await Promise.all(live.map((p) => p.join({ timeout: 5000 }).catch(() => p.kill())));
    await Promise.all(live.map((p) => p.join({ timeout: 5000 }).catch(() => undefined)));
    // let the per-child "exited" lines print
    await new Promise((r) => setImmediate(r));
    stopSpares();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const left = live.filter((p) => p.isAlive());
    log(left.length === 0 ? 'all children ended; bye' : `children still alive: ${left.map((p) => p.pid)}`);
    return left.length === 0 ? 0 : 1;
  },
};
