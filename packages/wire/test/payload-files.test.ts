import { existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import {
  Host,
  type HostedObject,
  HostLink,
  removePrivateDir,
  SPILL_MIN,
  type SpilledBytes,
} from '@multiproc/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A writer keeps its shared payload files and writes a later batch over one once every payload
// in it has been read. Its own file (a fresh process per test file): the pool starts empty.

const dir = process.env.MULTIPROC_SPILL_DIR as string;
const allFiles = (): string[] => (existsSync(dir) ? readdirSync(dir) : []);
const keptFiles = (): string[] => allFiles().filter((name) => /^\d+-a\d+$/.test(name));

function pattern(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

const kept: SpilledBytes[] = [];
const keeper: HostedObject = {
  handle(op, args) {
    if (op === 'keep') kept.push(args[0] as SpilledBytes);
    return undefined;
  },
  keepsSpilled: (op) => op === 'keep',
};
let id = 0;
let link: HostLink;

/** Sends one payload in a tick of its own; the writer's batch has ended when this resolves. */
async function keepOne(seed: number): Promise<SpilledBytes> {
  await link.request(id, 'keep', [pattern(SPILL_MIN, seed)]);
  await new Promise((resolve) => setImmediate(resolve));
  return kept.shift()!;
}

beforeAll(() => {
  id = Host.current().register(keeper);
  link = HostLink.to(Host.current().address);
});
afterAll(removePrivateDir);

describe.skipIf(dir === undefined)('kept payload files (Linux, /dev/shm)', () => {
  it(
    'a file whose payloads were all read is written over by the next batch',
    { timeout: 10_000 },
    async () => {
      const first = await keepOne(1);
      const inode = statSync(first.path).ino;
      expect(first.take().equals(pattern(SPILL_MIN, 1))).toBe(true);
      const second = await keepOne(2);
      expect(statSync(second.path).ino).toBe(inode);
      expect(second.offset).toBe(0);
      expect(second.take().equals(pattern(SPILL_MIN, 2))).toBe(true);
    },
  );

  it('a file with a payload still unread is not written over', { timeout: 10_000 }, async () => {
    const unread = await keepOne(3);
    const next = await keepOne(4);
    expect(statSync(next.path).ino).not.toBe(statSync(unread.path).ino);
    expect(next.take().equals(pattern(SPILL_MIN, 4))).toBe(true);
    expect(unread.take().equals(pattern(SPILL_MIN, 3))).toBe(true);
  });

  it("nor is one whose own name went while a payload's remains (a tree root removing the directory)", async () => {
    const unread = await keepOne(5);
    const own = keptFiles().find((name) => statSync(`${dir}/${name}`).ino === statSync(unread.path).ino);
    expect(own).toBeDefined();
    unlinkSync(`${dir}/${own}`); // now the payload's name is the file's only one
    const next = await keepOne(6);
    expect(statSync(next.path).ino).not.toBe(statSync(unread.path).ino);
    expect(unread.take().equals(pattern(SPILL_MIN, 5))).toBe(true);
    expect(next.take().equals(pattern(SPILL_MIN, 6))).toBe(true);
  });

  it('kept files go after a second without a new batch', { timeout: 10_000 }, async () => {
    (await keepOne(7)).take();
    expect(keptFiles().length).toBeGreaterThan(0);
    const deadline = Date.now() + 5000;
    while (keptFiles().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(keptFiles()).toEqual([]);
  });
});
