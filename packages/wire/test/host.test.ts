import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  ConnectionClosedError,
  Host,
  type HostedObject,
  HostLink,
  InvalidArgumentError,
  QueueEmptyError,
  removePrivateDir,
  setAuthkey,
} from '@multiproc/wire';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Child, reapChildren, within } from './helpers.js';

const execFileAsync = promisify(execFile);

const KEY = randomBytes(32);
const KEY_HEX = KEY.toString('hex');

// The private socket dir is removed at process exit, which a vitest worker may never reach.
afterAll(removePrivateDir);
afterEach(reapChildren);

type Outcome = { ok: boolean; value?: any; error?: any };

/** Runs `plan` in a real child process against this process's host; returns one outcome per step. */
async function runPlan(plan: object[]): Promise<Outcome[]> {
  const child = new Child('host-client.mjs', [Host.current().address, KEY_HEX, JSON.stringify(plan)]);
  const outcomes = await child.json<Outcome[]>(15_000);
  expect(await within(child.exited, 10_000, 'child exit')).toEqual({ code: 0, signal: null });
  return outcomes;
}

const notes: unknown[] = [];
let noted: (() => void) | null = null;
let id = 0;

function explodeInOwner(): never {
  throw Object.assign(new Error('kaboom', { cause: new RangeError('underneath') }), {
    name: 'CustomError',
    code: 'E_CUSTOM',
  });
}

const object: HostedObject = {
  handle(op, args, ctx) {
    switch (op) {
      case 'echo':
        return args;
      case 'add':
        return Promise.resolve((args[0] as number) + (args[1] as number));
      case 'fail':
        return explodeInOwner();
      case 'failAsync':
        return Promise.reject(new TypeError('async failure'));
      case 'empty':
        throw new QueueEmptyError();
      case 'unsendable':
        return () => 'a function cannot be a reply';
      case 'note':
        notes.push(args[0]);
        noted?.();
        return undefined;
      case 'waitForCancel':
        return new Promise((resolve) => ctx.signal?.addEventListener('abort', () => resolve('cancelled')));
      case 'pushMe':
        ctx.peer.push(id, 'tick', args[0]);
        return 'pushed';
      default:
        throw new Error(`unknown op ${op}`);
    }
  },
};

/** An object that takes a tick's one-argument `record` casts in one call (as a queue its puts). */
const batches: unknown[][] = [];
const single: unknown[] = [];
const batched: HostedObject = {
  handle(op, args) {
    if (op === 'seen') return { values: batches.flat(), calls: batches.length, single };
    if (op === 'one') return void single.push(args[0]);
    throw new Error(`unknown op ${op}`);
  },
  castsHandler(op) {
    if (op === 'record') return (values) => void batches.push(values);
    if (op === 'mark')
      return (values) => {
        // Whole or absent for the reader polling it: written aside, then renamed into place.
        writeFileSync(`${marker}.tmp`, String(values.length));
        renameSync(`${marker}.tmp`, marker);
      };
    if (op === 'boom')
      return () => {
        throw new Error('batch refused');
      };
    return undefined;
  },
};
let batchedId = 0;
const marker = join(tmpdir(), `multiproc-casts-marker-${process.pid}`);
afterAll(() => rmSync(marker, { force: true }));

beforeAll(() => {
  // Children get the same key on argv, as a Process child inherits its parent's authkey.
  setAuthkey(KEY);
  id = Host.current().register(object);
  batchedId = Host.current().register(batched);
});

describe('Host + HostLink across real processes', () => {
  it('serves requests from a child: replies, async replies, pushes and cancels', async () => {
    const [echo, add, push, cancel] = await runPlan([
      { do: 'request', id, op: 'echo', args: [1, 'two', { three: [3] }] },
      { do: 'request', id, op: 'add', args: [2, 40] },
      { do: 'push', id, op: 'pushMe', args: [{ n: 7 }] },
      { do: 'request', id, op: 'waitForCancel', abortAfter: 20 },
    ]);
    expect(echo).toEqual({ ok: true, value: [1, 'two', { three: [3] }] });
    expect(add).toEqual({ ok: true, value: 42 });
    expect(push).toEqual({ ok: true, value: { reply: 'pushed', push: { event: 'tick', value: { n: 7 } } } });
    // The cancel reached the owner: ctx.signal aborted and the handler's answer still came back.
    expect(cancel).toEqual({ ok: true, value: 'cancelled' });
  });

  it('turns errors raised in the owner into RemoteError with the remote name, message, code and stack', async () => {
    const [fail, failAsync, empty, unsendable] = await runPlan([
      { do: 'request', id, op: 'fail' },
      { do: 'request', id, op: 'failAsync' },
      { do: 'request', id, op: 'empty' },
      { do: 'request', id, op: 'unsendable' },
    ]);
    expect(fail!.ok).toBe(false);
    expect(fail!.error).toMatchObject({ isRemoteError: true, message: 'kaboom', code: 'E_CUSTOM' });
    expect(fail!.error.remote).toMatchObject({
      name: 'CustomError',
      message: 'kaboom',
      code: 'E_CUSTOM',
      cause: { name: 'RangeError', message: 'underneath' },
    });
    expect(fail!.error.remote.stack).toContain('explodeInOwner');
    expect(fail!.error.stack).toContain('explodeInOwner');
    expect(fail!.error.stack).toContain('raised in another process');
    expect(failAsync!.error).toMatchObject({
      isRemoteError: true,
      code: 'ERR_REMOTE',
      message: 'async failure',
    });
    expect(failAsync!.error.remote.name).toBe('TypeError');
    // multiproc's own errors keep their class.
    expect(empty!.error).toMatchObject({
      name: 'QueueEmptyError',
      code: 'ERR_QUEUE_EMPTY',
      isRemoteError: false,
    });
    // A reply that cannot be encoded comes back as the owner's EncodeError.
    expect(unsendable!.error).toMatchObject({
      name: 'EncodeError',
      code: 'ERR_UNSERIALIZABLE',
      isEncodeError: true,
    });
  });

  it('answers an unknown object id with ERR_NO_SUCH_OBJECT', async () => {
    const [missing, stillWorks] = await runPlan([
      { do: 'request', id: 987654, op: 'echo' },
      { do: 'request', id, op: 'echo', args: ['ok'] },
    ]);
    expect(missing!.error).toMatchObject({
      name: 'MultiprocError',
      code: 'ERR_NO_SUCH_OBJECT',
      isMultiprocError: true,
    });
    expect(stillWorks).toEqual({ ok: true, value: ['ok'] });
  });

  it('throws EncodeError synchronously from a cast with an unencodable arg, connected or not', async () => {
    notes.length = 0;
    const arrived = new Promise<void>((resolve) => {
      noted = () => notes.length === 1 && resolve();
    });
    const steps = await runPlan([
      { do: 'cast', id, op: 'note', args: ['first'], withFunction: true }, // before the link is connected
      { do: 'request', id, op: 'echo', args: ['connected'] },
      { do: 'cast', id, op: 'note', args: [{ shape: 'recorded' }], withFunction: true }, // after: resets records
      { do: 'cast', id, op: 'note', args: [{ shape: 'recorded' }] },
      { do: 'request', id, op: 'echo', args: [{ shape: 'recorded' }] },
    ]);
    for (const i of [0, 2]) {
      expect(steps[i]).toMatchObject({
        ok: false,
        error: { isEncodeError: true, code: 'ERR_UNSERIALIZABLE' },
      });
    }
    expect(steps[3]).toEqual({ ok: true });
    expect(steps[4]).toEqual({ ok: true, value: [{ shape: 'recorded' }] });
    await within(arrived, 5000, 'the good cast');
    expect(notes).toEqual([{ shape: 'recorded' }]);
  });

  it('casts of one tick with object arguments: encoded when cast, merged, in order with the rest', async () => {
    notes.length = 0;
    const items = [
      { a: 1 },
      { a: 2, b: 'x' },
      7,
      'FUNCTION',
      { a: 3 },
      { a: 4, b: 'y' },
      8,
      9,
      ...Array.from({ length: 50 }, (_, i) => ({ bigFill: i })), // the child sends { big: 40 kB of i, i }
      { a: 5 },
    ];
    const steps = await runPlan([
      { do: 'request', id, op: 'echo', args: ['connected'] },
      { do: 'burst', id, op: 'note', items },
      { do: 'request', id, op: 'echo', args: ['after'] },
    ]);
    expect(steps[1]).toEqual({ ok: true, value: ['ERR_UNSERIALIZABLE'] });
    expect(steps[2]).toEqual({ ok: true, value: ['after'] });
    // Everything cast before the request was handled before it, in order, as it was when cast.
    const want = items
      .filter((x) => x !== 'FUNCTION')
      .map((x) =>
        typeof x === 'object' && 'bigFill' in x ? { big: Buffer.alloc(40_000, x.bigFill), i: x.bigFill } : x,
      );
    expect(notes).toEqual(want);
  });

  it.each([
    ['300', 300],
    // Past two full batches, which are written out mid-tick: what was cast after them must still go.
    ['2500', 2500],
  ])('casts held for the end of the tick still go when the process exits in that tick (%s)', async (_, count) => {
    const items = [...Array.from({ length: count }, (_, i) => i), { last: true }];
    notes.length = 0;
    const steps = await runPlan([
      { do: 'request', id, op: 'echo', args: ['connected'] },
      { do: 'castsThenExit', id, op: 'note', items },
    ]);
    expect(steps[1]).toEqual({ ok: true });
    const deadline = Date.now() + 5000;
    while (notes.length < items.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const padded = (x: unknown) =>
      typeof x === 'object' && x !== null && 'padTo' in x
        ? `${(x as { i: number }).i}`.padEnd(10_000, 'x')
        : x;
    expect(notes).toEqual(items.map(padded));
  });

  it('one-argument casts of a tick reach a castsHandler in one call, in order; a failure is one error event', async () => {
    const items = Array.from({ length: 300 }, (_, i) => i);
    const steps = await runPlan([
      { do: 'request', id: batchedId, op: 'seen' },
      { do: 'burst', id: batchedId, op: 'record', items },
      { do: 'request', id: batchedId, op: 'seen' },
      { do: 'castThenEvent', id: batchedId, op: 'boom', items: [1, 2, 3] },
      { do: 'burst', id: batchedId, op: 'one', items: [7, 8, 9] },
      { do: 'request', id: batchedId, op: 'seen' },
    ]);
    expect(steps[0]).toEqual({ ok: true, value: { values: [], calls: 0, single: [] } });
    const seen = steps[2]!.value;
    expect(seen.values).toEqual(items);
    expect(seen.calls).toBeGreaterThanOrEqual(1);
    expect(seen.calls).toBeLessThan(items.length);
    expect(steps[3]).toEqual({ ok: true, value: { event: 'error', message: 'batch refused' } });
    // The failed batch changed nothing, and the link still serves; an op the object does not
    // batch goes through handle() one value at a time.
    expect(steps[5]!.value).toMatchObject({ values: items, single: [7, 8, 9] });
  });

  it('a run of casts that never ends its tick is written out in batches as it goes', async () => {
    rmSync(marker, { force: true });
    const steps = await runPlan([
      { do: 'request', id: batchedId, op: 'seen' },
      { do: 'castsThenWaitInTick', id: batchedId, op: 'mark', count: 3000, marker },
    ]);
    // The owner got a first batch (at most 1024 casts) while the sender's tick was still running.
    const first = Number(steps[1]!.value);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(1024);
  });

  it('rejects pending requests with ConnectionClosedError when the host’s process is SIGKILLed', async () => {
    const child = new Child('host-server.mjs', [KEY_HEX]);
    const { address, id: remoteId } = await child.json<{ address: string; id: number }>();
    const link = HostLink.to(address);
    expect(await within(link.request(remoteId, 'ping', []), 5000, 'ping')).toBe('pong');
    const pending = [1, 2, 3].map(() => link.request(remoteId, 'hang', []).catch((e: unknown) => e));
    const closed = new Promise<Error>((resolve) => link.onClose(resolve));
    await child.kill('SIGKILL');
    for (const error of await within(Promise.all(pending), 5000, 'pending requests')) {
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error).toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    }
    expect(await within(closed, 5000, 'onClose')).toBeInstanceOf(ConnectionClosedError);
    expect(link.closed).toBe(true);
    await expect(link.request(remoteId, 'ping', [])).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(() => link.cast(remoteId, 'ping', [])).toThrow(ConnectionClosedError);
    // A fresh link to the dead address fails too, rather than hanging.
    await expect(HostLink.to(address).request(remoteId, 'ping', [])).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );
  });

  it('an idle host and link never keep a process alive; the private dir is removed at exit', async () => {
    const child = new Child('idle-host.mjs', []);
    const { address, reply } = await child.json<{ address: string; reply: string }>();
    expect(reply).toBe('pong');
    expect(await within(child.exited, 10_000, 'child exit')).toEqual({ code: 0, signal: null });
    expect(existsSync(dirname(address))).toBe(false);
  });

  it('hostStarted() from the light entry turns true once a Host is created, without loading the codec before', async () => {
    const script = `
      import { hostStarted } from '@multiproc/wire/core';
      const before = hostStarted();
      const { Host } = await import('@multiproc/wire');
      const afterImport = hostStarted();
      await Host.current().ready;
      console.log(JSON.stringify([before, afterImport, hostStarted()]));`;
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('.', import.meta.url),
      timeout: 10_000,
    });
    expect(JSON.parse(stdout)).toEqual([false, false, true]);
  });

  it('serves TCP when asked: requires an authkey, and reports the bound port once ready', async () => {
    expect(() => new Host({ address: { host: '127.0.0.1', port: 0 } })).toThrow(InvalidArgumentError);
    const host = new Host({ address: { host: '127.0.0.1', port: 0 }, authkey: KEY });
    try {
      await host.ready;
      expect(host.address).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
      const tcpId = host.register({ handle: (op, args) => [op, ...args] });
      expect(await within(HostLink.to(host.address).request(tcpId, 'over', ['tcp']), 5000, 'tcp')).toEqual([
        'over',
        'tcp',
      ]);
    } finally {
      host.close();
    }
  });
});
