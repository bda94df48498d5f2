#!/usr/bin/env node
import type { Example } from './example.js';
import { examples } from './examples/index.js';
import { tour } from './tour.js';

const all: Example[] = [tour, ...examples];

function usage(): string {
  const w = Math.max(...all.map((e) => e.name.length));
  return [
    'usage: multiproc-demo [<command>] [options]   (no command runs tour)',
    '',
    "Python's multiprocessing seed examples, run with multiproc.",
    '',
    'commands:',
    ...all.map((e) => `  ${e.name.padEnd(w)}  ${e.summary}`),
    '',
    "Run 'multiproc-demo <command> --help' for a command's options.",
  ].join('\n');
}

function commandHelp(e: Example): string {
  const opts = Object.entries(e.options ?? {}).map(
    ([k, o]) =>
      `  --${k}${o.type === 'string' ? ` <${k}>` : ''}${o.default !== undefined ? `  (default ${o.default})` : ''}`,
  );
  return [
    `usage: multiproc-demo ${e.name} ${e.usage ?? (e.options?.fast ? '[--fast]' : '')}`.trimEnd(),
    '',
    `${e.summary}`,
    `Python seed: ${e.seed}`,
    ...(opts.length ? ['', 'options:', ...opts] : []),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    console.log(usage());
    return 0;
  }
  const cmd = first === undefined || first.startsWith('-') ? tour : all.find((e) => e.name === first);
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  if (!cmd) {
    console.error(`multiproc-demo: unknown command '${first}'\n\n${usage()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(commandHelp(cmd));
    return 0;
  }
  try {
    return await cmd.run(args);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`multiproc-demo ${cmd.name}: ${err.message}\n\n${commandHelp(cmd)}`);
      return 2;
    }
    console.error(`multiproc-demo ${cmd.name}: ${err.stack ?? err}`);
    return 1;
  }
}

// No process.exit(): like Python's interpreter exit, Node waits for the non-daemon
// children still running (the daemon example relies on it), and daemons are ended.
process.exitCode = await main(process.argv.slice(2));
