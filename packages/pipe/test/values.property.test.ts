// Every value a Pipe carries arrives unchanged and in order: adversarial sequences (value-arbitraries.ts)
// sent within one process, echoed by a child and through two children, batched in one tick or one
// per await, with sends that fail part-way through a new record shape in between.
import { Pipe, type PipeConnection } from '@multiproc/pipe';
import { afterEach, describe, expect, it } from 'vitest';
import { arg, Child, keyArg, reapChildren, within } from './helpers.js';
import { checkSequences, difference, EDGE_INTS, poison, SHAPES, type Step } from './value-arbitraries.js';

const open: Array<{ close(): void }> = [];
function track<T extends { close(): void }>(...things: T[]): T[] {
  open.push(...things);
  return things;
}
afterEach(async () => {
  for (const thing of open.splice(0)) thing.close();
  await reapChildren();
});

const RECV = { timeout: 5000 };

/** Sends `list` on `from`, reading on `to` at each 'drain' and at the end; throws at the first difference. */
async function roundTrip(from: PipeConnection, to: PipeConnection, list: Step[]): Promise<void> {
  const expected: unknown[] = [];
  let received = 0;
  const take = async () => {
    for (; received < expected.length; received++) {
      const d = difference(expected[received], await to.recv(RECV), `message ${received}`);
      if (d !== null) throw new Error(d);
    }
  };
  for (const step of list) {
    if (step.poison) {
      expect(() => from.send(poison())).toThrow(expect.objectContaining({ code: 'ERR_UNSERIALIZABLE' }));
    } else {
      from.send(step.value);
      expected.push(step.value);
    }
    if (step.pause === 'tick') await new Promise(setImmediate);
    else if (step.pause === 'drain') await take();
  }
  await take();
  expect(await to.poll(0)).toBe(false);
}

/** A child echoing everything sent on `here`'s peer (fixtures/echo.mjs). */
async function echoChild(): Promise<{ here: PipeConnection; child: Child }> {
  const [here, there] = track(...Pipe());
  const child = new Child('echo.mjs', [keyArg(), arg(there)]);
  expect(await child.json()).toEqual({ ready: true, readable: true, writable: true });
  return { here: here!, child };
}

/** Runs `body`; a failure carries what the child printed on stderr. */
async function withChild(child: Child, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (child.stderr) (error as Error).message += `\nchild stderr:\n${child.stderr}`;
    throw error;
  }
}

async function finish(here: PipeConnection, child: Child): Promise<void> {
  here.close();
  expect((await child.json()).done).toBe(true);
  expect(await within(child.exited, 10_000, 'echo child exit')).toEqual({ code: 0, signal: null });
}

/** Every integer -40..300 and each width boundary, each right after an object of a shape (110 shapes). */
const INTS = [...Array.from({ length: 341 }, (_, i) => i - 40), ...EDGE_INTS];
const pairs = () =>
  INTS.flatMap((n, i): Step[] => {
    const shape = SHAPES[i % SHAPES.length]!;
    const obj = Object.fromEntries(shape.map((k, j) => [k, j === 0 ? n : [n, { n }]]));
    return [
      { poison: false, value: obj, pause: 'none' },
      { poison: false, value: n, pause: 'none' },
    ];
  });

/** Buffers around the payload-file sizes (32-256 KiB travel as files), many in one tick (> 1 MiB). */
function payloads(seed: number): unknown[] {
  const sizes = [16, 4096, 16384, 32767, 32768, 32769, 65536, 131072, 262143, 262144, 262145, 1 << 20];
  const out: unknown[] = [];
  for (const [i, n] of sizes.entries()) {
    const b = Buffer.allocUnsafe(n);
    for (let j = 0; j < n; j++) b[j] = (seed + i * 7 + j * 131 + (j >>> 8)) & 0xff;
    out.push(b, { i, b: b.subarray(1), n }, 64 + i, [b, b]);
    if (n >= 32768) out.push(new Uint8Array(b.subarray(0, n - 1)));
  }
  return out;
}
const asSteps = (values: unknown[], pause: Step['pause']): Step[] =>
  values.map((value) => ({ poison: false, value, pause }));

describe('values through a Pipe arrive unchanged and in order', () => {
  it('both ends in this process: any sequence, one tick or one per await', async () => {
    const [a, b] = track(...Pipe());
    await checkSequences((list) => roundTrip(a!, b!, list), 120);
  }, 20_000);

  it('echoed by a child process: any sequence, one tick or one per await', async () => {
    const { here, child } = await echoChild();
    await withChild(child, async () => {
      await checkSequences((list) => roundTrip(here, here, list), 100);
      await finish(here, child);
    });
  }, 25_000);

  it('echoed by a child: each integer at a width boundary right after an object, batched and alone', async () => {
    const { here, child } = await echoChild();
    await withChild(child, async () => {
      await roundTrip(here, here, pairs()); // all in one tick
      await roundTrip(
        here,
        here,
        pairs().map((s) => ({ ...s, pause: 'drain' })),
      ); // one per await
      await roundTrip(here, here, [...pairs(), { poison: true, pause: 'none' }, ...pairs()]);
      await finish(here, child);
    });
  }, 20_000);

  it('echoed by a child: buffers around the payload-file sizes, in one tick and one per await', async () => {
    const { here, child } = await echoChild();
    await withChild(child, async () => {
      for (let seed = 0; seed < 3; seed++) {
        await roundTrip(here, here, asSteps(payloads(seed), 'none'));
        await roundTrip(here, here, asSteps(payloads(seed + 100), seed === 1 ? 'drain' : 'tick'));
      }
      await finish(here, child);
    });
  }, 20_000);

  it('through two children, the hop between them direct: any sequence', async () => {
    const [here, a1] = track(...Pipe());
    const [a2, b] = track(...Pipe());
    const forward = new Child('values-forward.mjs', [keyArg(), arg(a1), arg(a2)]);
    const echo = new Child('echo.mjs', [keyArg(), arg(b)]);
    expect(await forward.json()).toEqual({ ready: true });
    expect((await echo.json()).ready).toBe(true);
    await withChild(echo, () =>
      withChild(forward, () => checkSequences((list) => roundTrip(here!, here!, list), 40)),
    );
    here!.close();
    expect((await forward.json()).done).toBe(true);
    expect((await echo.json()).done).toBe(true);
    for (const c of [forward, echo]) {
      expect(await within(c.exited, 10_000, 'child exit')).toEqual({ code: 0, signal: null });
    }
  }, 20_000);

  it('a large message holding a shared reference or a cycle is not overwritten by the next one', async () => {
    // The socket takes part of a 600 KB message at once; the rest waits in the stream while the
    // next message is encoded (msgpackr returns a structured-clone message in its reused buffer).
    const shared = (fill: number): unknown => {
      const o = { data: Buffer.alloc(600_000, fill) };
      return fill % 2 ? { first: o, second: o } : Object.assign(o, { self: o });
    };
    const text = (fill: number): unknown => {
      const o = { text: String.fromCharCode(97 + fill).repeat(600_000) };
      return [o, o];
    };
    const values = [shared(1), shared(2), text(3), 64, shared(5), text(6), { small: 1 }];
    const [a, b] = track(...Pipe());
    await roundTrip(a!, b!, asSteps(values, 'tick'));
    const { here, child } = await echoChild();
    await withChild(child, async () => {
      await roundTrip(here, here, asSteps(values, 'tick'));
      await finish(here, child);
    });
  }, 20_000);
});
