// Every value a Queue carries arrives unchanged and in order: adversarial sequences (the pipe suite's
// value-arbitraries.ts) relayed by child processes, put in one tick or one per await, with puts
// that fail part-way through a new record shape in between.
import { Queue } from '@multiproc/queue';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkSequences,
  difference,
  EDGE_INTS,
  poison,
  SHAPES,
  type Step,
} from '../../pipe/test/value-arbitraries.js';
import { type Child, reapChildren, spawnFixture, within } from './helpers.js';

afterEach(reapChildren);

const STOP = '\u0000values-relay:stop'; // fixtures/values-relay.mjs ends at this item
const GET = { timeout: 5000 };

/** Puts `list` on `put`, getting from `get` at each 'drain' and at the end; throws at the first difference. */
async function roundTrip(put: Queue, get: Queue, list: Step[]): Promise<void> {
  const expected: unknown[] = [];
  const failures: unknown[] = [];
  let puts: Promise<void>[] = [];
  let received = 0;
  const take = async () => {
    await Promise.all(puts);
    puts = [];
    if (failures.length > 0) throw failures[0];
    for (; received < expected.length; received++) {
      const d = difference(expected[received], await get.get(GET), `item ${received}`);
      if (d !== null) throw new Error(d);
    }
  };
  for (const step of list) {
    if (step.poison) {
      const rejected = put.put(poison()).then(
        () => failures.push(new Error('a put of an unsendable value resolved')),
        (e) => e?.code !== 'ERR_UNSERIALIZABLE' && failures.push(e),
      );
      puts.push(rejected.then(() => undefined));
    } else {
      puts.push(put.put(step.value).catch((e) => void failures.push(e)));
      expected.push(step.value);
    }
    if (step.pause === 'tick') await new Promise(setImmediate);
    else if (step.pause === 'drain') await take();
  }
  await take();
  expect(await get.qsize()).toBe(0);
}

/** Ends the relays (the stop item goes through each in turn) and waits for each to report and exit. */
async function finish(first: Queue, last: Queue, relays: Child[]): Promise<void> {
  await first.put(STOP);
  expect(await last.get(GET)).toBe(STOP);
  for (const relay of relays) {
    expect(await relay.next()).toMatchObject({ relayed: expect.any(Number) });
    expect(await within(relay.exited, 10_000, 'relay exit')).toEqual({ code: 0, signal: null });
  }
}

/** Every integer -40..300 and each width boundary, each right after an object of a shape. */
const INTS = [...Array.from({ length: 341 }, (_, i) => i - 40), ...EDGE_INTS];
const pairs = (pause: Step['pause']) =>
  INTS.flatMap((n, i): Step[] => [
    { poison: false, value: Object.fromEntries(SHAPES[i % SHAPES.length]!.map((k) => [k, n])), pause },
    { poison: false, value: n, pause },
  ]);

/** Buffers around the payload-file sizes (32-256 KiB travel as files), and inside objects. */
function payloads(seed: number): Step[] {
  const sizes = [16, 4096, 16384, 32767, 32768, 32769, 65536, 262143, 262144, 262145, 600_000];
  return sizes.flatMap((n, i): Step[] => {
    const b = Buffer.allocUnsafe(n);
    for (let j = 0; j < n; j++) b[j] = (seed + i * 7 + j * 131 + (j >>> 8)) & 0xff;
    const values = [b, { i, b: b.subarray(1), n }, 64 + i, new Uint8Array(b.subarray(0, n >> 1))];
    return values.map((value) => ({ poison: false, value, pause: i % 3 === 0 ? 'tick' : 'none' }));
  });
}

describe('values through a Queue arrive unchanged and in order', () => {
  it('queues owned here, a child relaying from one to the other: any sequence', async () => {
    const [from, to] = [new Queue(), new Queue()];
    const relay = spawnFixture('values-relay', ['relay', from, to]);
    await checkSequences((list) => roundTrip(from, to, list), 80);
    await finish(from, to, [relay]);
  }, 20_000);

  it('a queue owned by a child (puts and gets from here are remote): any sequence', async () => {
    const back = new Queue();
    const relay = spawnFixture('values-relay', ['own', back]);
    const theirs = (await back.get(GET)) as Queue;
    expect(theirs).toBeInstanceOf(Queue);
    await checkSequences((list) => roundTrip(theirs, back, list), 80);
    await finish(theirs, back, [relay]);
  }, 20_000);

  it('child producer -> a queue owned here -> child consumer (two relays in a chain)', async () => {
    const qs = [new Queue(), new Queue(), new Queue()] as const;
    const relays = [spawnFixture('values-relay', ['relay', qs[0], qs[1]])];
    relays.push(spawnFixture('values-relay', ['relay', qs[1], qs[2]]));
    await roundTrip(qs[0], qs[2], pairs('none'));
    await roundTrip(qs[0], qs[2], pairs('drain').slice(0, 200));
    for (let seed = 0; seed < 2; seed++) await roundTrip(qs[0], qs[2], payloads(seed));
    await checkSequences((list) => roundTrip(qs[0], qs[2], list), 40);
    await finish(qs[0], qs[2], relays);
  }, 25_000);
  it('a Buffer of 32 KiB or more keeps its place in a Set or a Map, and can be reached twice', async () => {
    // Such Buffers travel as payload files; the owner keeps them as files until a get here reads them.
    const [from, to] = [new Queue(), new Queue()];
    const relay = spawnFixture('values-relay', ['relay', from, to]);
    const big = Buffer.alloc(40_000, 7);
    const items = [
      new Set(['first', big, 'last']),
      new Map<unknown, unknown>([
        ['first', 1],
        [big, 2],
        ['last', 3],
      ]),
    ];
    items.push(new Map([['first', big]]), { first: big, again: [big] }, [big, big]);
    for (const item of items) await roundTrip(from, to, [{ poison: false, value: item, pause: 'none' }]);
    await finish(from, to, [relay]);
  }, 20_000);

  it('NaN as a Map key or in a Set keeps its place while the owner holds a payload file', async () => {
    const [from, to] = [new Queue(), new Queue()];
    const relay = spawnFixture('values-relay', ['relay', from, to]);
    const items = [
      new Map<unknown, unknown>([
        [Number.NaN, 'nan'],
        ['x', 1],
      ]),
      new Set([Number.NaN, 'x']),
    ];
    for (const item of [...items, Buffer.alloc(40_000, 1)]) await from.put(item);
    const deadline = Date.now() + 5000;
    while ((await to.qsize()) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const [i, item] of items.entries())
      expect(difference(item, await to.get(GET), `item ${i}`)).toBeNull();
    expect((await to.get(GET)) as Buffer).toEqual(Buffer.alloc(40_000, 1));
    await finish(from, to, [relay]);
  }, 20_000);
});
