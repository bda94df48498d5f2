import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { check, type Example, fastOption, parse } from '../example.js';

const cli = fileURLToPath(new URL('../cli.js', import.meta.url));

function collect(child: ChildProcess): { out: () => string; done: Promise<number | null> } {
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { out: () => out, done };
}

/** The tour's echo exchange: echo-server on port 0, three piped echo-clients at once, then SIGINT. */
export const echo: Example = {
  name: 'echo',
  seed: '001-C',
  summary: 'echo-server on a free port, three echo-clients at once, then Ctrl-C (SIGINT) to the server',
  showed: 'one child per client, upper-cased echoes, clean SIGINT',
  options: fastOption,
  async run(args) {
    parse(args, fastOption);
    const server = spawn(process.execPath, [cli, 'echo-server', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const s = collect(server);
    server.stdout!.on('data', (d: string) => process.stdout.write(d));
    const timer = setTimeout(() => server.kill('SIGKILL'), 20_000);
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const look = () => {
          const m = /listening on [^\s]+:(\d+)/.exec(s.out());
          if (m) resolve(Number(m[1]));
        };
        server.stdout!.on('data', look);
        s.done.then(() => reject(new Error('echo-server ended before listening')));
      });
      const words = [
        ['hello', 'world 你好'],
        ['abc', 'quit'],
        ['xyz', 'multiproc'],
      ];
      const clients = words.map((lines) => {
        const c = spawn(process.execPath, [cli, 'echo-client', '--port', String(port)], {
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        c.stdin!.end(`${lines.join('\n')}\n`);
        return { lines, ...collect(c) };
      });
      let ok = true;
      for (const [i, c] of clients.entries()) {
        const code = await c.done;
        console.log(`[client ${i + 1}] ${JSON.stringify(c.out())} exit ${code}`);
        const want = c.lines.map((l) => `>>: ${l.toUpperCase()}\n`).join('');
        ok =
          check(code === 0 && c.out().startsWith(want), `client ${i + 1} got its upper-cased echoes`) && ok;
      }
      server.kill('SIGINT');
      const code = await s.done;
      const started = s.out().match(/started for/g)?.length ?? 0;
      ok = check(started === 3, `the server started ${started} children, one per client`) && ok;
      ok = check(code === 0, `echo-server exited ${code} after SIGINT`) && ok;
      return ok ? 0 : 1;
    } finally {
      clearTimeout(timer);
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
  },
};
