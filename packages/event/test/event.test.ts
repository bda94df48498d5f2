import { inspect } from 'node:util';
import { ConnectionClosedError, Event, InvalidArgumentError } from '@multiproc/event';
import { decodeValue, encodeValue } from '@multiproc/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { arg, Child, keyArg, reapChildren, within } from './helpers.js';

afterEach(reapChildren);

describe('Event in its owner process', () => {
  it('set, isSet, clear', async () => {
    const e = new Event();
    expect(await e.isSet()).toBe(false);
    await e.set();
    await e.set(); // idempotent
    expect(await e.isSet()).toBe(true);
    await e.clear();
    expect(await e.isSet()).toBe(false);
    expect(inspect(e)).toBe('<Event unset>');
  });

  it('wait: true when set, false on timeout, wait(0) only looks', async () => {
    const e = new Event();
    expect(await e.wait({ timeout: 0 })).toBe(false);
    expect(await e.wait({ timeout: 20 })).toBe(false);
    const waiters = [e.wait(), e.wait({ timeout: 10_000 })];
    setTimeout(() => void e.set(), 10);
    expect(await Promise.all(waiters)).toEqual([true, true]);
    expect(await e.wait({ timeout: 0 })).toBe(true);
  });

  it('wait rejects AbortError when aborted, and ERR_INVALID_ARG for a bad timeout', async () => {
    const e = new Event();
    const controller = new AbortController();
    const pending = e.wait({ signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    await expect(e.wait({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORT_ERR' });
    await expect(e.wait({ timeout: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a handle decoded back in the owner process is the owner itself', () => {
    const e = new Event();
    expect(decodeValue(encodeValue({ e })) as { e: Event }).toEqual({ e });
    expect((decodeValue(encodeValue(e)) as Event) === e).toBe(true);
  });
});

describe('Event across processes', () => {
  it.each([
    ['with a signal', '{}'],
    ['with no options', '{"plain":true}'],
  ])('a child waiting on the Event (%s) wakes when the owner sets it', async (_name, options) => {
    const e = new Event();
    const child = new Child('waiter.mjs', [keyArg(), arg(e), options]);
    expect(await child.json()).toEqual({ waiting: true, isSet: false });
    await e.set();
    expect(await child.json()).toEqual({ result: true });
    expect(await within(child.exited, 10_000, 'waiter exit')).toEqual({ code: 0, signal: null });
  });

  it('a child whose Event is already set returns at once', async () => {
    const e = new Event();
    await e.set();
    const child = new Child('waiter.mjs', [keyArg(), arg(e), '{}']);
    expect(await child.json()).toEqual({ waiting: true, isSet: true });
    expect(await child.json()).toEqual({ result: true });
  });

  it('timeout in a child resolves false', async () => {
    const e = new Event();
    const child = new Child('waiter.mjs', [keyArg(), arg(e), JSON.stringify({ timeout: 50 })]);
    await child.json();
    expect(await child.json()).toEqual({ result: false });
    // The cancelled wait left nothing behind at the owner: a later set still works for others.
    await e.set();
    expect(await e.wait({ timeout: 0 })).toBe(true);
  });

  it('abort in a child rejects AbortError', async () => {
    const e = new Event();
    const child = new Child('waiter.mjs', [keyArg(), arg(e), JSON.stringify({ abortAfter: 50 })]);
    await child.json();
    expect(await child.json()).toEqual({
      error: expect.objectContaining({ name: 'AbortError', code: 'ABORT_ERR' }),
    });
  });

  it('set, clear and isSet from a child act on the owner flag', async () => {
    const e = new Event();
    const ownerWait = e.wait({ timeout: 10_000 });
    const child = new Child('ops.mjs', [keyArg(), arg(e), JSON.stringify(['set', 'isSet', 'wait0'])]);
    expect(await child.json()).toEqual([null, true, true]);
    expect(await ownerWait).toBe(true);
    const clearer = new Child('ops.mjs', [keyArg(), arg(e), JSON.stringify(['clear', 'isSet', 'wait0'])]);
    expect(await clearer.json()).toEqual([null, false, false]);
    expect(await e.isSet()).toBe(false);
  });

  it('an Event handle passed to a child and back is the owner again', async () => {
    const e = new Event();
    const child = new Child('ops.mjs', [keyArg(), arg(e), JSON.stringify(['handle'])]);
    const [word] = await child.json();
    expect(decodeValue(Buffer.from(word, 'base64')) === e).toBe(true);
  });

  it('one owner, several waiting processes: one set wakes them all', async () => {
    const e = new Event();
    const children = [0, 1, 2].map(() => new Child('waiter.mjs', [keyArg(), arg(e), '{}']));
    for (const c of children) await c.json();
    await e.set();
    for (const c of children) expect(await c.json()).toEqual({ result: true });
  });

  it.each([
    ['with a signal', '{}'],
    ['with no options', '{"plain":true}'],
  ])('a waiting child (%s) that is SIGKILLed disturbs neither the owner nor the other waiters', async (_name, options) => {
    const e = new Event();
    const victim = new Child('waiter.mjs', [keyArg(), arg(e), options]);
    const survivor = new Child('waiter.mjs', [keyArg(), arg(e), options]);
    await victim.json();
    await survivor.json();
    // Let the victim's wait reach the owner, so its death aborts a pending request there.
    await new Promise((r) => setTimeout(r, 200));
    await victim.kill('SIGKILL');
    // Give the owner's host time to see the link end before the flag changes.
    await new Promise((r) => setTimeout(r, 100));
    await e.set();
    expect(await survivor.json()).toEqual({ result: true });
    expect(await e.isSet()).toBe(true);
  });

  it('owner SIGKILLed: a pending wait and later calls reject ConnectionClosedError', async () => {
    const owner = new Child('owner.mjs', [keyArg()]);
    const { handle } = await owner.json();
    const e = decodeValue(Buffer.from(handle, 'base64')) as Event;
    expect(inspect(e)).toMatch(/^<Event proxy of /);
    expect(await e.isSet()).toBe(false);
    owner.proc.send('set');
    await owner.message();
    expect(await e.wait({ timeout: 5000 })).toBe(true);
    owner.proc.send('clear');
    await owner.message();
    const pending = e.wait().then(
      () => null,
      (error: unknown) => error,
    );
    await owner.kill('SIGKILL');
    expect(await within(pending, 10_000, 'wait after owner SIGKILL')).toBeInstanceOf(ConnectionClosedError);
    await expect(within(e.isSet(), 10_000, 'isSet after owner death')).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );
    await expect(within(e.set(), 10_000, 'set after owner death')).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );
  });

  it('an owner waiting on its own Event stays alive until another process sets it', async () => {
    const owner = new Child('owner-wait.mjs', [keyArg()]);
    const { handle } = await owner.json();
    const e = decodeValue(Buffer.from(handle, 'base64')) as Event;
    expect(await e.isSet()).toBe(false);
    await e.set();
    expect(await owner.json()).toEqual({ result: true });
    expect(await within(owner.exited, 10_000, 'owner exit')).toEqual({ code: 0, signal: null });
  });

  it('seed 003: workers alternate A and B through one Event (plain processes; Pool comes later)', async () => {
    const e = new Event();
    await e.set();
    const workers = [0, 1, 2].map(() => new Child('ab-worker.mjs', [keyArg(), arg(e), '3']));
    const lines: string[] = [];
    for (const w of workers) for (let i = 0; i < 3; i++) lines.push(await w.line(15_000));
    expect(lines).toHaveLength(9);
    for (const line of lines) expect(line).toMatch(/^[AB] - \d+(\.\d+)?$/);
    // The first wave sees the Event set; someone printed A.
    expect(lines.some((l) => l.startsWith('A'))).toBe(true);
    for (const w of workers)
      expect(await within(w.exited, 10_000, 'worker exit')).toEqual({ code: 0, signal: null });
  });
});
