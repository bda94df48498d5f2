// Large items between processes of one tree travel as payload files (wire's spill): the owner
// keeps only their names, and reads one back itself only when its own code gets the item.
import { existsSync, readdirSync } from 'node:fs';
import { Queue } from '@multiproc/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { reapChildren, spawnFixture } from './helpers.js';

afterEach(reapChildren);

const dir = process.env.MULTIPROC_SPILL_DIR as string;
// Payload names only: a writer's own names for the shared files it keeps (`<pid>-a<n>`) left out.
const payloadFiles = (): string[] =>
  (existsSync(dir) ? readdirSync(dir) : []).filter((name) => /^\d+-\d+$/.test(name));
const BYTES = 64 * 1024;

/** The check consume.mjs makes of produce.mjs's `bytes` items. */
function intact(item: unknown, n: number): boolean {
  return (
    Buffer.isBuffer(item) &&
    item.length === BYTES &&
    item.readUInt32LE(0) === n &&
    item[4] === n % 256 &&
    item[BYTES >> 1] === n % 256 &&
    item[BYTES - 1] === n % 256
  );
}

describe.skipIf(dir === undefined)('Queue: large items as payload files', () => {
  it("a child's large puts wait at the owner as files; the owner's own gets read them back", async () => {
    const q = new Queue<Buffer | null>();
    const producer = spawnFixture('produce', [q, { name: 'p', count: 5, bytes: BYTES }]);
    await producer.next(30_000);
    expect(await q.qsize()).toBe(5);
    expect(payloadFiles()).toHaveLength(5);
    for (let n = 0; n < 5; n++) expect(intact(await q.get(), n)).toBe(true);
    expect(payloadFiles()).toEqual([]);
  }, 60_000);

  it('child -> owner -> child: every item checked, in order, and no file is left', async () => {
    const q = new Queue<Buffer | null>();
    const count = 300;
    const consumer = spawnFixture('consume', [q, { name: 'c', bytes: BYTES }]);
    const producer = spawnFixture('produce', [q, { name: 'p', count, bytes: BYTES, sentinels: 1 }]);
    await producer.next(60_000);
    expect(await consumer.next(60_000)).toEqual({ name: 'c', n: count, bad: 0 });
    expect(payloadFiles()).toEqual([]);
  }, 90_000);

  it('a producer outside this tree (MULTIPROC_SPILL=0) sends its items inline', async () => {
    const q = new Queue<Buffer | null>();
    const env = { ...process.env, MULTIPROC_SPILL: '0' };
    const producer = spawnFixture('produce', [q, { name: 'p', count: 5, bytes: BYTES }], { env });
    await producer.next(30_000);
    expect(await q.qsize()).toBe(5);
    expect(payloadFiles()).toEqual([]);
    for (let n = 0; n < 5; n++) expect(intact(await q.get(), n)).toBe(true);
  }, 60_000);
});
