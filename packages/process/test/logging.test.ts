import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBUG, ERROR, getLogger, type Handler, type LogRecord } from '@multiproc/logging';
import { Process } from '@multiproc/process';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWith, logLater, noop, sendsBadRecord, startLogger } from './fixtures/tasks.mjs';
import { cleanup, runScript, tempDir, track } from './helpers.js';

afterEach(cleanup);

it("seed 000-D: a child logs at the parent's level with no code of its own; lines and handlers", async () => {
  const { code, stdout, stderr } = await runScript(['parent-logging.mjs']).done;
  expect(code).toBe(0);
  const lines = stderr.trim().split('\n');
  // Python's lines for p1, in order, each whole.
  const p1 = lines.filter((l) => l.includes('/p1]'));
  expect(p1).toEqual([
    '[INFO/p1] child process calling self.run()',
    '[INFO/p1] process shutting down',
    '[INFO/p1] process exiting with exitcode 0',
  ]);
  // process.exit(3) in the child: its exit lines come too, after its first line.
  expect(lines.filter((l) => l.includes('/p2]'))).toEqual([
    '[INFO/p2] child process calling self.run()',
    '[INFO/p2] process shutting down',
    '[INFO/p2] process exiting with exitcode 3',
  ]);
  for (const line of lines) expect(line).toMatch(/^\[(DEBUG|INFO)\/(MainProcess|p1|p2)\] /);
  const [printed, json] = stdout.trim().split('\n');
  expect(printed).toBe('运行工作进程');
  const { pid, seen } = JSON.parse(json!);
  // The handler added in the parent saw the child's records, with the child's name and pid.
  expect(seen).toContainEqual({ name: 'p1', pid, message: 'child process calling self.run()' });
  expect(seen).toContainEqual({ name: 'p1', pid, message: 'process exiting with exitcode 0' });
  expect(
    seen.filter((r: { name: string }) => r.name === 'p2').map((r: { message: string }) => r.message),
  ).toEqual(['child process calling self.run()', 'process shutting down', 'process exiting with exitcode 3']);
});

it("children started after setLevel(DEBUG) send their records to this process's handlers", async () => {
  const logger = getLogger();
  const records: LogRecord[] = [];
  const handler: Handler = { handle: (r) => records.push(r) };
  logger.setLevel(DEBUG);
  logger.addHandler(handler);
  try {
    const p = track(new Process({ target: noop, name: 'quiet' }));
    await p.start();
    await p.join();
    const q = track(new Process({ target: exitWith, args: [2], name: 'loud' }));
    await q.start();
    await q.join();
    const from = (name: string) => records.filter((r) => r.processName === name).map((r) => r.message);
    expect(from('quiet')).toEqual([
      'child process calling self.run()',
      'process shutting down',
      'process exiting with exitcode 0',
    ]);
    expect(from('loud')).toContain('process exiting with exitcode 2');
    expect(records.find((r) => r.processName === 'quiet')?.pid).toBe(p.pid);
  } finally {
    logger.removeHandler(handler);
    logger.setLevel(0);
  }
});

it("the README's pino adapter: a child's records reach pino in the parent, with the child's name and pid", async () => {
  const file = join(tempDir(), 'pino.log');
  const { code, stdout } = await runScript(['parent-pino.mjs', file]).done;
  expect(code).toBe(0);
  const { pid } = JSON.parse(stdout.trim().split('\n').pop()!);
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines).toContainEqual(
    expect.objectContaining({ level: 30, pid, process: 'p1', msg: 'child process calling self.run()' }),
  );
  expect(lines).toContainEqual(
    expect.objectContaining({ level: 30, pid, process: 'p1', msg: 'process exiting with exitcode 0' }),
  );
});

describe('a child loads logging only when it logs', () => {
  // The parent (this file imports logging) is at its default WARNING: a child's own INFO lines
  // would not print, so its bootstrap does not load logging; whoever loads it later gets the
  // child's name, its forwarder and the parent's level before their first record.
  /** Starts `target` with the [level, message] entries to log, joins it, and returns what this process's handlers got. */
  async function run(
    target: typeof logLater,
    entries: [string, string][],
    name: string,
  ): Promise<{ records: LogRecord[]; pid: number | undefined }> {
    const records: LogRecord[] = [];
    const handler: Handler = { handle: (r) => records.push(r) };
    getLogger().addHandler(handler);
    try {
      const p = track(new Process({ target, args: [entries], name }));
      await p.start();
      await p.join();
      expect(p.exitCode).toBe(0);
      return { records, pid: p.pid };
    } finally {
      getLogger().removeHandler(handler);
    }
  }
  const messagesOf = (records: LogRecord[], name: string) =>
    records.filter((r) => r.processName === name).map((r) => r.message);

  it("logging imported by the target after the start: its records reach this process's handlers", async () => {
    const { records, pid } = await run(
      logLater,
      [
        ['warning', 'late one'],
        ['warning', 'late two'],
      ],
      'late',
    );
    expect(records.filter((r) => r.processName === 'late').map((r) => [r.message, r.pid])).toEqual([
      ['late one', pid],
      ['late two', pid],
    ]);
    // At WARNING, the bootstrap's INFO lines stay quiet.
    expect(records.some((r) => r.message === 'child process calling self.run()')).toBe(false);
  });

  it("a child that never loaded logging passes its own child's records on, in order, before join() resolves", async () => {
    const { records } = await run(
      startLogger,
      [
        ['warning', 'first'],
        ['warning', 'second'],
        ['warning', 'third'],
      ],
      'middle',
    );
    expect(messagesOf(records, 'grandchild')).toEqual(['first', 'second', 'third']);
  });

  it("a grandchild logs at the top parent's level though the child between never loaded logging", async () => {
    getLogger().setLevel(ERROR);
    try {
      const { records } = await run(
        startLogger,
        [
          ['warning', 'quiet'],
          ['error', 'loud'],
        ],
        'middle',
      );
      // The logger's level is applied where a record is made: the parent's handlers take what comes.
      expect(messagesOf(records, 'grandchild')).toEqual(['loud']);
    } finally {
      getLogger().setLevel(0);
    }
  });

  it('a malformed record from a child is reported on stderr; this process goes on and takes the next', async () => {
    const write = process.stderr.write;
    let stderr = '';
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      const { records } = await run(sendsBadRecord, [['warning', 'after the bad one']], 'bad');
      expect(messagesOf(records, 'bad')).toEqual(['after the bad one']);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr).toContain('--- Logging error ---');
    expect(stderr).toContain('handleRemoteRecord expects a LogRecord');
  });
});
