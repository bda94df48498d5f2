import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Event } from '@multiproc/event';
import { Pipe } from '@multiproc/pipe';
import { Pool, WorkerExitedError } from '@multiproc/pool';
import { Process } from '@multiproc/process';
import { ConnectionClosedError, Queue } from '@multiproc/queue';
import { afterEach, describe, expect, it } from 'vitest';
import {
  announce,
  double,
  endlessBufferProducer,
  greedyConsumer,
  owningProducer,
  pipeReceiver,
  pipeSender,
  survivor,
} from './fixtures/fault-tasks.mjs';
import { bufferItem, consume, produce } from './fixtures/load-tasks.mjs';
import { BOUND_MS, own, reap, record, rejection, track, waitFor, within } from './helpers.js';

let pool: Pool | null = null;
const dirs: string[] = [];
afterEach(async () => {
  if (pool) {
    for (const pid of pool.pids()) own(pid);
    await pool.terminate();
    pool = null;
  }
  await reap();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function kill(pid: number | undefined): number {
  process.kill(own(pid), 'SIGKILL');
  return Date.now();
}

function isIncreasing(list: ArrayLike<number>): boolean {
  for (let i = 1; i < list.length; i++) if (list[i - 1]! >= list[i]!) return false;
  return true;
}

interface Summary {
  bad: number;
  seen: Uint32Array[];
}

describe('SIGKILL in the middle of the work: the documented outcome for the survivors, within 10 s', () => {
  it('a consumer holding prefetched items: the other consumer and the producer carry on, nothing is duplicated', async () => {
    const n = 20_000;
    const q = new Queue<unknown>();
    const reports = new Queue<{ pid: number; seqs: number[] }>();
    const results = new Queue<Summary>();
    const go = new Event();
    const producer = track(new Process({ target: produce, args: [q, go, 0, n, 'small', 0] }));
    const victim = track(new Process({ target: greedyConsumer, args: [q, reports, 2000] }));
    const other = track(new Process({ target: consume, args: [q, go, results, 1, 1] }));
    for (const p of [producer, victim, other]) await p.start();
    await go.set();
    const { seqs } = await within(reports.get(), BOUND_MS * 2, 'victim report');
    const killedAt = kill(victim.pid);
    await within(victim.join(), BOUND_MS, 'victim reaped');
    expect(victim.exitCode).toBe(-9);

    await within(producer.join(), BOUND_MS * 3, 'producer');
    expect(producer.exitCode).toBe(0);
    await q.put(null);
    const summary = await within(results.get(), BOUND_MS * 3, 'survivor summary');
    const ms = Date.now() - killedAt;
    await within(other.join(), BOUND_MS, 'survivor exit');
    expect(other.exitCode).toBe(0);

    const survived = summary.seen[0]!;
    expect(summary.bad).toBe(0);
    expect(isIncreasing(seqs)).toBe(true);
    expect(isIncreasing(survived)).toBe(true);
    const victimSet = new Set(seqs);
    expect([...survived].filter((s) => victimSet.has(s))).toEqual([]);
    // What the killed consumer had prefetched went with it (Python loses those too): at most
    // its credit (2048) and one prefetch ahead (queue README, "What if a consumer is killed?").
    const gone = n - seqs.length - survived.length;
    expect(gone).toBeGreaterThanOrEqual(0);
    expect(gone).toBeLessThanOrEqual(3072);
    // The queue goes on.
    expect(await q.qsize()).toBe(0);
    await q.put('after');
    expect(await q.get({ timeout: 1000 })).toBe('after');
    record({
      section: 'faults',
      file: 'faults-kill',
      name: 'SIGKILL of a consumer holding prefetched items',
      result: `the other consumer got every later item in order (${survived.length.toLocaleString('en-US')}), none twice; the producer finished; the ${gone} items the dead consumer had prefetched but not yet taken went with it (the spec promises nothing lost only while every process lives); done ${ms} ms after the kill`,
    });
  });

  it('a producer mid-put (64 KiB buffers): what it sent before the kill arrives intact and in order; everyone else carries on', async () => {
    const n = 5000;
    const q = new Queue<unknown>();
    const results = new Queue<Summary>();
    const started = new Event();
    const go = new Event();
    await go.set();
    const victim = track(new Process({ target: endlessBufferProducer, args: [q, started, 1] }));
    const steady = track(new Process({ target: produce, args: [q, go, 0, n, 'small', 0] }));
    const consumer = track(new Process({ target: consume, args: [q, go, results, 0, 2] }));
    for (const p of [victim, steady, consumer]) await p.start();
    expect(await started.wait({ timeout: BOUND_MS * 2 })).toBe(true);
    await sleep(Math.floor(Math.random() * 100));
    const killedAt = kill(victim.pid);
    await within(victim.join(), BOUND_MS, 'victim reaped');
    expect(victim.exitCode).toBe(-9);
    await within(steady.join(), BOUND_MS * 3, 'steady producer');
    await q.put(null);
    const summary = await within(results.get(), BOUND_MS * 3, 'consumer summary');
    const ms = Date.now() - killedAt;
    await within(consumer.join(), BOUND_MS, 'consumer exit');

    expect(summary.bad).toBe(0); // every buffer's md5 matched
    expect([...summary.seen[0]!]).toEqual(Array.from({ length: n }, (_, i) => i));
    const fromVictim = [...summary.seen[1]!];
    expect(fromVictim.length).toBeGreaterThan(50);
    // A prefix of what it put: no gap, no duplicate, no torn buffer.
    expect(fromVictim).toEqual(Array.from({ length: fromVictim.length }, (_, i) => i));
    expect(await q.qsize()).toBe(0);
    await q.put('after');
    expect(await q.get({ timeout: 1000 })).toBe('after');
    record({
      section: 'faults',
      file: 'faults-kill',
      name: 'SIGKILL of a producer mid-put (64 KiB buffers, unbounded queue)',
      result: `the ${fromVictim.length} buffers it had sent arrived intact (md5), in order, as a gap-free prefix; the other producer's ${n.toLocaleString('en-US')} items all arrived; consumer done ${ms} ms after the kill`,
    });
  });

  it("the queue's owner: every holder's pending and later operations reject with ConnectionClosedError; they carry on", async () => {
    const handoff = new Queue<Queue<number>>();
    const owner = track(new Process({ target: owningProducer, args: [handoff] }));
    await owner.start();
    const victimQ = await within(handoff.get(), BOUND_MS * 2, 'handoff');
    const reports = new Queue<any>();
    const work = new Queue<number>();
    const ready = [new Event(), new Event()];
    const survivors = (['consumer', 'producer'] as const).map((role, i) =>
      track(new Process({ target: survivor, args: [victimQ, role, reports, work, ready[i]] })),
    );
    for (const p of survivors) await p.start();
    for (const e of ready) expect(await e.wait({ timeout: BOUND_MS * 2 })).toBe(true);
    let localCount = 0;
    const local = rejection(
      (async () => {
        for (;;) {
          await victimQ.get();
          localCount++;
        }
      })(),
    );
    expect(await waitFor(() => localCount > 100)).toBe(true);

    const killedAt = kill(owner.pid);
    const outcomes = await within(Promise.all([reports.get(), reports.get(), local]), BOUND_MS, 'errors');
    const ms = Date.now() - killedAt;
    for (const error of [outcomes[0].error, outcomes[1].error, outcomes[2]]) {
      expect(error).toMatchObject({ name: 'ConnectionClosedError', code: 'ERR_CONNECTION_CLOSED' });
    }
    expect(outcomes[2]).toBeInstanceOf(ConnectionClosedError);
    expect(
      outcomes
        .slice(0, 2)
        .map((o) => o.role)
        .sort(),
    ).toEqual(['consumer', 'producer']);
    // Later operations fail at once, too.
    await expect(within(victimQ.put(1), 1000, 'late put')).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(within(victimQ.qsize(), 1000, 'late qsize')).rejects.toBeInstanceOf(ConnectionClosedError);

    // The survivors keep working with what is left.
    for (let i = 0; i < 100; i++) await work.put(i);
    work.close();
    const doubled: number[] = [];
    for (let i = 0; i < 100; i++) doubled.push((await within(reports.get(), BOUND_MS, 'work')).doubled);
    expect(doubled.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    for (const p of survivors) await within(p.join(), BOUND_MS, 'survivor exit');
    for (const p of survivors) expect(p.exitCode).toBe(0);
    record({
      section: 'faults',
      file: 'faults-kill',
      name: "SIGKILL of the queue's owner",
      result: `a consumer process, a producer process and this process (a pending get) all got ConnectionClosedError, ${ms} ms after the kill; later calls reject at once; all three went on with other work`,
    });
  });

  it('a pool worker mid-task: that task rejects with WorkerExitedError, every other task completes, the pool goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faults-pool-'));
    dirs.push(dir);
    const file = join(dir, 'starts');
    pool = new Pool({ processes: 2 });
    await pool.whenReady();
    const victimTask = pool.applyAsync(announce, [file, 0, 60_000]);
    const others = Array.from({ length: 200 }, (_, i) => pool!.applyAsync(announce, [file, i + 1, 5]));
    const starts = () =>
      (existsSync(file) ? readFileSync(file, 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { i: number; pid: number });
    expect(await waitFor(() => starts().some((s) => s.i === 0))).toBe(true);
    expect(await waitFor(() => starts().length > 20)).toBe(true); // mid-stream
    const victimPid = starts().find((s) => s.i === 0)!.pid;
    const killedAt = kill(victimPid);
    const error = await within(rejection(victimTask.get()), BOUND_MS, 'victim task');
    const ms = Date.now() - killedAt;
    expect(error).toBeInstanceOf(WorkerExitedError);
    expect(error).toMatchObject({ code: 'ERR_WORKER_EXITED', signal: 'SIGKILL', exitCode: -9 });
    const values = await within(Promise.all(others.map((r) => r.get())), BOUND_MS * 3, 'other tasks');
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await waitFor(() => pool!.stats().workers === 2 && !pool!.pids().includes(victimPid))).toBe(true);
    expect(
      await pool.map(
        double,
        Array.from({ length: 1000 }, (_, i) => i),
      ),
    ).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2));
    pool.close();
    await within(pool.join(), BOUND_MS, 'pool join');
    record({
      section: 'faults',
      file: 'faults-kill',
      name: 'SIGKILL of a pool worker mid-task (201 tasks in flight)',
      result: `that task rejected with WorkerExitedError (signal SIGKILL, exitCode -9) ${ms} ms after the kill; the other 200 completed; a replacement worker served a 1,000-item map; close() + join() ended`,
    });
  });

  it('a pipe end mid-message: the survivor gets every whole message, then ConnectionClosedError', async () => {
    // The sender dies while a 1 MiB message is on the wire.
    const [a, b] = Pipe<ReturnType<typeof bufferItem>>();
    const sender = track(new Process({ target: pipeSender, args: [b] }));
    await sender.start();
    const got: ReturnType<typeof bufferItem>[] = [];
    for (let i = 0; i < 20; i++) got.push(await a.recv({ timeout: BOUND_MS * 2 }));
    let killedAt = kill(sender.pid);
    const recvError = await within(
      rejection(
        (async () => {
          for (;;) got.push(await a.recv());
        })(),
      ),
      BOUND_MS,
      'recv after the sender died',
    );
    const recvMs = Date.now() - killedAt;
    expect(recvError).toBeInstanceOf(ConnectionClosedError);
    expect(recvError.code).toBe('ERR_CONNECTION_CLOSED');
    // Every message whole and in order (Buffer.equals: a deep toEqual of 1 MiB is far too slow).
    const torn = got.filter(
      (m, i) => m.s !== i || !Buffer.from(m.buf).equals(bufferItem(7, i, 1024 * 1024).buf),
    );
    expect(torn.map((m) => m.s)).toEqual([]);

    // The receiver dies while this process is sending.
    const [c, d] = Pipe<unknown>();
    const reports = new Queue<{ received: number }>();
    const receiver = track(new Process({ target: pipeReceiver, args: [d, reports, 5] }));
    await receiver.start();
    const sending = rejection(
      (async () => {
        for (let i = 0; ; i++) {
          c.send(bufferItem(8, i, 1024 * 1024));
          await c.drain();
        }
      })(),
    );
    expect(await within(reports.get(), BOUND_MS * 2, 'receiver report')).toEqual({ received: 5 });
    killedAt = kill(receiver.pid);
    const sendError = await within(sending, BOUND_MS, 'send after the receiver died');
    const sendMs = Date.now() - killedAt;
    expect(sendError).toBeInstanceOf(ConnectionClosedError);
    await expect(within(c.recv(), BOUND_MS, 'recv on the dead pipe')).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );

    // This process carries on with a new pipe.
    const [e, f] = Pipe<string>();
    e.send('still here');
    expect(await f.recv({ timeout: 1000 })).toBe('still here');
    for (const end of [a, c, e, f]) end.close();
    record({
      section: 'faults',
      file: 'faults-kill',
      name: 'SIGKILL of a pipe end mid-message (1 MiB messages), either direction',
      result: `sender killed: ${got.length} whole messages, then ConnectionClosedError after ${recvMs} ms; receiver killed: the sender's send/drain rejected with ConnectionClosedError after ${sendMs} ms; new pipes work`,
    });
  });
});
