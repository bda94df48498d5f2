import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BOUND_MS, isGone, own, reap, record, script, socketDirsOf, waitFor, within } from './helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  await reap();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lines(file: string): any[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('a parent that dies', () => {
  it('SIGKILL of the parent of daemon children: the daemons die with it (even one spinning its CPU); a non-daemon child gets ConnectionClosedError and carries on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faults-parent-'));
    dirs.push(dir);
    const file = join(dir, 'orphan.jsonl');
    const parent = script('parent-daemons.mjs', [file]);
    const info = await parent.json<{ pid: number; daemons: number[]; orphan: number; dir: string }>(
      BOUND_MS * 2,
    );
    for (const pid of [...info.daemons, info.orphan]) own(pid);
    expect([...info.daemons, info.orphan].filter(isGone)).toEqual([]);

    process.kill(info.pid, 'SIGKILL');
    const killedAt = Date.now();
    expect(await within(parent.exited, BOUND_MS, 'parent exit')).toMatchObject({ signal: 'SIGKILL' });
    expect(await waitFor(() => info.daemons.every(isGone))).toBe(true);
    const daemonsMs = Date.now() - killedAt;
    expect(await waitFor(() => lines(file).length >= 1)).toBe(true);
    const [outcome] = lines(file);
    expect(outcome.error).toMatchObject({ name: 'ConnectionClosedError', code: 'ERR_CONNECTION_CLOSED' });
    const orphanMs = outcome.at - killedAt;
    expect(orphanMs).toBeLessThan(BOUND_MS);
    // It carries on with a queue of its own, and then exits by itself.
    expect(await waitFor(() => lines(file).length >= 2)).toBe(true);
    expect(lines(file)[1]).toEqual({ worked: 499500 });
    expect(await waitFor(() => isGone(info.orphan))).toBe(true);
    // It removed its own socket directory; a SIGKILLed process cannot remove its own.
    expect(socketDirsOf(info.orphan)).toEqual([]);
    record({
      section: 'faults',
      file: 'faults-parents',
      name: 'SIGKILL of the parent of daemon children',
      result: `both daemons (one in a CPU-bound loop) were gone ${daemonsMs} ms after the kill; a non-daemon child's get on the parent's queue rejected with ConnectionClosedError after ${orphanMs} ms, then it did 1,000 puts and gets on a queue of its own and exited`,
    });
  });

  it.each([
    'SIGTERM',
    'SIGINT',
  ] as const)('%s of a parent with children and open primitives: it dies of the signal, its children end, its socket files are removed', async (signal) => {
    const { info, ms } = await signalParent(signal);
    // Checked once the parent is gone: nothing can change after that.
    expect(existsSync(info.dirs[0]!)).toBe(false);
    record({
      section: 'faults',
      file: 'faults-parents',
      name: `${signal} of a parent with a daemon and a non-daemon child sharing a Queue, JoinableQueue, Event and Pipe`,
      result: `the parent died of ${signal}; both children were gone ${ms} ms after the signal; the parent's socket directory was removed`,
    });
  });

  // BUG (reported): a child ended by SIGTERM (its parent's signal handler, terminate(), a
  // daemon at its parent's normal exit) never runs its exit hook, so its host's socket
  // directory <tmpdir>/mp-<pid>-*/host-<pid>.sock stays behind. Remove `.fails` once fixed.
  it("the children's own host socket files are removed too when the parent gets SIGTERM or SIGINT", async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const { info } = await signalParent(signal);
      // The children are gone (checked by signalParent): what they left is final.
      expect(info.dirs.slice(1).filter((d) => existsSync(d))).toEqual([]);
    }
  });
});

/** Start parent-signals.mjs, send it `signal`, and wait for it and its children to be gone. */
async function signalParent(signal: 'SIGTERM' | 'SIGINT') {
  const parent = script('parent-signals.mjs');
  const info = await parent.json<{ pid: number; children: number[]; dirs: string[] }>(BOUND_MS * 2);
  for (const pid of info.children) own(pid);
  expect(info.children.filter(isGone)).toEqual([]);
  expect(info.dirs.filter((d) => !existsSync(d))).toEqual([]);
  process.kill(info.pid, signal);
  const sentAt = Date.now();
  expect(await within(parent.exited, BOUND_MS, 'parent exit')).toMatchObject({ signal });
  expect(await waitFor(() => info.children.every(isGone))).toBe(true);
  return { info, ms: Date.now() - sentAt };
}
