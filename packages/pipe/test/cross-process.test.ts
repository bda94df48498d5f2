import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLogger, type LogRecord, SUBDEBUG } from '@multiproc/logging';
import { ConnectionClosedError, Pipe, type PipeConnection } from '@multiproc/pipe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { arg, Child, isAlive, keyArg, reapChildren, trackPid, within } from './helpers.js';

const open: Array<{ close(): void }> = [];
function track<T extends { close(): void }>(...things: T[]): T[] {
  open.push(...things);
  return things;
}
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipe-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const thing of open.splice(0)) thing.close();
  await reapChildren();
});

/** Resolves with the first library log record whose message matches. */
function logged(pattern: RegExp): Promise<LogRecord> {
  const logger = getLogger();
  logger.setLevel(SUBDEBUG);
  return new Promise((resolve) => {
    const handler = {
      handle(record: LogRecord) {
        if (!pattern.test(record.message)) return;
        logger.removeHandler(handler);
        resolve(record);
      },
    };
    logger.addHandler(handler);
  });
}

describe('Pipe across processes', () => {
  it('talks to a child over the end it was given (duplex)', async () => {
    const [here, there] = track(...Pipe());
    const child = new Child('echo.mjs', [keyArg(), arg(there)]);
    expect(there.closed).toBe(true); // passing an end moves it
    expect(await child.json()).toEqual({ ready: true, readable: true, writable: true });
    for (let i = 0; i < 100; i++) here.send({ i });
    here.sendBytes(Buffer.from('raw'));
    for (let i = 0; i < 100; i++) expect(await here.recv({ timeout: 10_000 })).toEqual({ i });
    expect((await here.recvBytes({ timeout: 10_000 })).toString()).toBe('raw');
    here.close();
    expect(await child.json()).toEqual({ done: true, echoed: 101 });
    expect(await within(child.exited, 10_000, 'echo child exit')).toEqual({ code: 0, signal: null });
  });

  it('one-way ends keep their mode in another process', async () => {
    const [r, w] = track(...Pipe({ duplex: false }));
    const writer = new Child('misuse.mjs', [keyArg(), arg(w)]);
    const writerReport = await writer.json();
    expect(writerReport.readable).toBe(false);
    expect(writerReport.errors).toEqual([
      expect.objectContaining({
        what: 'recv',
        code: 'ERR_CONNECTION_MODE',
        message: 'connection is write-only',
      }),
      expect.objectContaining({ what: 'recvBytes', code: 'ERR_CONNECTION_MODE' }),
      expect.objectContaining({ what: 'poll', code: 'ERR_CONNECTION_MODE' }),
    ]);
    expect(await r.recv({ timeout: 10_000 })).toBe('from the write end');

    const [r2, w2] = track(...Pipe({ duplex: false }));
    const reader = new Child('misuse.mjs', [keyArg(), arg(r2)]);
    w2.send('to the read end');
    const readerReport = await reader.json();
    expect(readerReport.errors).toEqual([
      expect.objectContaining({
        what: 'send',
        code: 'ERR_CONNECTION_MODE',
        message: 'connection is read-only',
      }),
      expect.objectContaining({ what: 'sendBytes', code: 'ERR_CONNECTION_MODE' }),
    ]);
    expect(readerReport.got).toBe('to the read end');
  });

  it('seed 003: generate(pipe) and reader(pipe) in two children, the reader writing to a file', async () => {
    const [input, output] = Pipe();
    const file = join(dir, 'output.txt');
    const count = 20_000;
    // The generator goes first: it sends everything and closes before the reader exists,
    // so its process must stay up by itself until the data is delivered.
    const generator = new Child('generate.mjs', [keyArg(), arg(input), String(count)]);
    const sent = await generator.json(20_000);
    const reader = new Child('reader.mjs', [keyArg(), arg(output), file]);
    const read = await reader.json(20_000);
    expect(read).toEqual({ received: count, sum: sent.sum });
    const digits = readFileSync(file, 'utf8');
    expect(digits).toMatch(/^[0-9]+$/);
    expect(digits.length).toBe(count);
    expect(await within(generator.exited, 10_000, 'generator exit')).toEqual({ code: 0, signal: null });
    expect(await within(reader.exited, 10_000, 'reader exit')).toEqual({ code: 0, signal: null });
  });

  it('two children keep talking after the process that created the pipe has exited', async () => {
    const result = join(dir, 'talk.json');
    const creator = new Child('creator.mjs', [keyArg(), result]);
    const { pids, closed } = await creator.message();
    for (const pid of pids) trackPid(pid);
    expect(closed).toEqual([true, true]);
    // The creator exits on its own once both ends have met.
    expect(await within(creator.exited, 15_000, 'creator exit')).toEqual({ code: 0, signal: null });
    const deadline = Date.now() + 15_000;
    while (!existsSync(result) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse(readFileSync(result, 'utf8'))).toEqual({
      pong: 'pong',
      ack: { ack: { after: 'creator exited' }, ping: 'ping' },
    });
    expect(isAlive(creator.pid)).toBe(false);
  });

  it('an end passed inside a Pipe message works in the receiving process', async () => {
    const [carrierHere, carrierThere] = track(...Pipe());
    const [mine, theirs] = track(...Pipe<number>());
    const child = new Child('relay.mjs', [keyArg(), arg(carrierThere)]);
    carrierHere.send({ note: 'an end inside a message', end: theirs });
    expect(theirs.closed).toBe(true);
    expect(await child.json()).toEqual({ note: 'an end inside a message', gotEnd: 'PipeConnection' });
    for (let i = 1; i <= 10; i++) mine.send(i);
    const doubled: number[] = [];
    for (let i = 1; i <= 10; i++) doubled.push(await mine.recv({ timeout: 10_000 }));
    expect(doubled).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    mine.close();
    expect(await child.json()).toEqual({ done: true });
  });

  it('an idle end does not keep a process alive', async () => {
    const [, there] = Pipe();
    const child = new Child('hold-idle.mjs', [keyArg(), arg(there)]);
    expect(await child.json()).toEqual({ closed: false });
    expect(await within(child.exited, 10_000, 'idle child exit')).toEqual({ code: 0, signal: null });
  });
});

describe('Pipe when a holder dies', () => {
  it('SIGKILL of the peer: a pending recv rejects ConnectionClosedError, iteration ends, send fails', async () => {
    const [here, there] = track(...Pipe());
    const child = new Child('echo.mjs', [keyArg(), arg(there)]);
    await child.json();
    here.send('hello');
    expect(await here.recv({ timeout: 10_000 })).toBe('hello');
    const pending = here.recv().then(
      () => null,
      (error: unknown) => error,
    );
    await child.kill('SIGKILL');
    expect(await within(pending, 10_000, 'recv after peer SIGKILL')).toBeInstanceOf(ConnectionClosedError);
    const rest: unknown[] = [];
    for await (const v of here) rest.push(v);
    expect(rest).toEqual([]);
    expect(() => here.send('anyone?')).toThrow(ConnectionClosedError);
  });

  it('SIGKILL of the peer during a for-await loop ends the loop', async () => {
    const [here, there] = track(...Pipe());
    const child = new Child('echo.mjs', [keyArg(), arg(there)]);
    await child.json();
    here.send(1);
    const seen: unknown[] = [];
    const loop = (async () => {
      for await (const v of here) {
        seen.push(v);
        if (seen.length === 1) void child.kill('SIGKILL');
      }
    })();
    await within(loop, 10_000, 'for-await after peer SIGKILL');
    expect(seen).toEqual([1]);
  });

  it('SIGKILL of a holder that was waiting for its peer: the other end sees end of stream when used', async () => {
    const [here, there] = track(...Pipe());
    const told = logged(/end 1 waits for its peer/);
    const child = new Child('first-waiter.mjs', [keyArg(), arg(there)]);
    await child.json();
    await within(told, 10_000, 'the child end told to wait');
    await child.kill('SIGKILL');
    // The creator hears of the death through its host link; then the unused end is told the peer is gone.
    await expect(within(here.recv(), 10_000, 'recv after the waiting holder died')).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );
    expect(await here.poll()).toBe(true);
  });

  it('the peer closing before ever using its end gives end of stream', async () => {
    const [here, there] = track(...Pipe<string>());
    const child = new Child('misuse.mjs', [keyArg(), arg(there)]);
    // misuse.mjs on a duplex end: receives with a timeout (ending up used), sends, then closes.
    const report = await child.json();
    expect(report.errors[0]).toMatchObject({ what: 'recv', code: 'ERR_TIMEOUT' });
    const got: unknown[] = [];
    for await (const v of here as PipeConnection<string>) got.push(v);
    expect(got).toEqual(['from the write end']);
  });
});
