// Adversarial values for the cross-process round-trip property tests (pipe and queue suites), and
// a strict comparison. Biased toward msgpack width boundaries, msgpackr record shapes (more than 64,
// so slots are redefined), payload-file sizes and one-tick batches. Left out by design (wire
// README FAQ): -0, an own '__proto__' key, lone surrogates, array holes, class instances.
import { inspect } from 'node:util';
import fc from 'fast-check';

/** Integers at and around every msgpack width boundary (fixint, int8/16/32, uint8/16/32, float64). */
export const EDGE_INTS = [
  ...[-(2 ** 53) + 1, -(2 ** 32), -(2 ** 31) - 1, -(2 ** 31), -(2 ** 31) + 1, -32769, -32768, -32767],
  ...[-129, -128, -127, -33, -32, -31, -1, 0, 1, 31, 32, 63, 128, 255, 256, 65535, 65536],
  ...[2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1],
];
export const int = fc.oneof(
  fc.constantFrom(...EDGE_INTS),
  fc.integer({ min: 60, max: 130 }), // the fixint range msgpackr's records share (0x40-0x7f)
  fc.integer({ min: -40, max: 300 }),
  fc.integer(),
  fc.maxSafeInteger(),
);
const double = fc.oneof(
  fc.double().filter((d) => !Object.is(d, -0)),
  fc.constantFrom(0.5, -0.5, 1e-310, Number.MIN_VALUE, Number.MAX_VALUE, 2 ** 53, -(2 ** 64), 2 ** 64),
);
const bigint = fc.oneof(
  fc.constantFrom(0n, -1n, ...[2n ** 63n, 2n ** 64n].flatMap((b) => [b - 1n, b, -b, -b - 1n])),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.bigInt({ min: -(2n ** 1100n), max: 2n ** 1100n }),
);

// Strings whose UTF-8 length sits at a msgpack header boundary, ending in a 1-4 byte character,
// and strings of multi-byte characters around the lengths where msgpackr guesses the header size.
const STRING_BYTES = [0, 31, 32, 33, 63, 64, 255, 256, 257, 1023, 65535, 65536, 65537];
const UNITS = ['a', 'é', '€', '😀'];
const string = fc.oneof(
  fc
    .tuple(fc.constantFrom(...STRING_BYTES), fc.integer({ min: -1, max: 1 }), fc.constantFrom(...UNITS))
    .map(([n, d, tail]) => 'a'.repeat(Math.max(0, n + d - Buffer.byteLength(tail))) + tail),
  fc
    .tuple(
      fc.constantFrom(8, 10, 11, 15, 16, 21, 22, 31, 32, 63, 64, 85, 86, 127, 128),
      fc.constantFrom(...UNITS),
    )
    .map(([n, unit]) => unit.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Bytes whose contents show corruption anywhere: a function of the index and a seed. */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (seed + i * 131 + (i >>> 8)) & 0xff;
  return b;
}
const SMALL_BYTES = [0, 1, 15, 16, 17, 255, 256, 4095, 4096, 4097, 16383, 16384, 16385];
const LARGE_BYTES = [32767, 32768, 32769, 65536, 200_000, 262143, 262144, 262145, 600_000];
const bytes = fc
  .tuple(
    fc.oneof({ arbitrary: fc.constantFrom(...SMALL_BYTES), weight: 6 }, fc.constantFrom(...LARGE_BYTES)),
    fc.nat(255),
    fc.constantFrom('buffer', 'buffer', 'slice', 'uint8', 'int32', 'arraybuffer', 'dataview'),
  )
  .map(([n, seed, kind]): unknown => {
    if (kind === 'buffer') return pattern(n, seed);
    if (kind === 'slice') return pattern(n + 7, seed).subarray(3, 3 + n); // a view with an offset
    if (kind === 'uint8') return new Uint8Array(pattern(n, seed));
    const ab = new Uint8Array(pattern(n & ~3, seed)).buffer;
    return kind === 'int32' ? new Int32Array(ab) : kind === 'arraybuffer' ? ab : new DataView(ab);
  });

const date = fc.oneof(
  fc.date(), // invalid dates included
  fc
    .constantFrom(0, -1, 1, 999, 1000, 2 ** 32 * 1000, 2 ** 34 * 1000 - 1, 2 ** 34 * 1000, 8.64e15, -8.64e15)
    .map((t) => new Date(t)),
);
const error = fc
  .tuple(
    fc.constantFrom(Error, TypeError, RangeError),
    fc.string({ maxLength: 20 }),
    fc.option(fc.constantFrom('ERR_X', 'ENOENT')),
    fc.option(
      fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.integer(),
        fc.nat(9).map((n) => new Error(`inner ${n}`)),
      ),
    ),
  )
  .map(([E, message, code, cause]) => {
    const e = cause === null ? new E(message) : new E(message, { cause });
    if (code !== null) (e as NodeJS.ErrnoException).code = code;
    return e;
  });

export const leaf = fc.oneof(
  { arbitrary: int, weight: 6 },
  fc.constantFrom(null, undefined, true, false, Number.NaN, Number.POSITIVE_INFINITY, -Infinity),
  double,
  bigint,
  { arbitrary: string, weight: 3 },
  { arbitrary: bytes, weight: 2 },
  date,
  error,
  fc.constantFrom(/a+b/gi, /^$/, /[\u{1F600}]/u),
);

// 110 record shapes: orderings of a, b, c, prefixes of one another, odd keys, a long key, 40 keys.
const ORDERINGS = 'a b c ab ba ac ca bc cb abc acb bac bca cab cba'.split(' ');
export const SHAPES: string[][] = ORDERINGS.map((o) => [...o]);
SHAPES.push([''], ['0', 'a'], ['1', '0'], ['é', '😀'], ['k'.repeat(40)], ['k'.repeat(300), 'x']);
SHAPES.push(
  Array.from({ length: 40 }, (_, i) => `w${i}`),
  ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
);
while (SHAPES.length < 110) {
  const i = SHAPES.length;
  SHAPES.push(Array.from({ length: 1 + (i % 5) }, (_, j) => (j === 0 ? `s${i}` : 'abcd'[j - 1]!)));
}
const fields = (shape: string[], values: unknown[]) =>
  Object.fromEntries(shape.map((k, i) => [k, values[i % Math.max(1, values.length)] ?? i]));

export const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: leaf, weight: 4 },
    { arbitrary: tie('record'), weight: 3 },
    tie('arr'),
    tie('dict'),
    tie('map'),
    tie('set'),
    tie('shared'),
  ),
  record: fc
    .tuple(fc.nat(SHAPES.length - 1), fc.array(tie('value'), { maxLength: 4 }))
    .map(([s, values]) => fields(SHAPES[s]!, values)),
  arr: fc.array(tie('value'), { maxLength: 6 }),
  dict: fc.dictionary(
    fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'),
    tie('value'),
    { maxKeys: 5, noNullPrototype: true },
  ),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((e) => new Map(e)),
  set: fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
  // One object reached twice, and a cycle: structured clone must keep both.
  shared: fc.tuple(tie('record'), fc.boolean()).map(([o, cycle]): unknown => {
    const copy: Record<string, unknown> = { ...(o as object) };
    if (cycle) copy.self = copy;
    return [copy, { again: copy }];
  }),
}));

/** A step of a sequence: a value to send, or one that must fail at send time; then a pause or not. */
export type Step = { poison: false; value: unknown; pause: Pause } | { poison: true; pause: Pause };
export type Pause = 'none' | 'tick' | 'drain';
export const steps = fc.array(
  fc.oneof(
    {
      arbitrary: fc.record({
        poison: fc.constant(false as const),
        value: fc.oneof({ arbitrary: value, weight: 5 }, int, tie64()),
        pause: fc.constantFrom<Pause>('none', 'none', 'none', 'tick', 'drain'),
      }),
      weight: 20,
    },
    fc.record({ poison: fc.constant(true as const), pause: fc.constantFrom<Pause>('none', 'tick') }),
  ),
  { minLength: 1, maxLength: 60, size: 'medium' },
);
/** An object right before a 64..127 integer, the pair that broke. */
function tie64() {
  return fc
    .tuple(fc.nat(SHAPES.length - 1), fc.integer({ min: 64, max: 127 }))
    .map(([s, n]) => [fields(SHAPES[s]!, [n]), n]);
}

let poisonCount = 0;
/** A value that cannot travel; it starts with a record shape never sent before, then fails. */
export function poison(): unknown {
  const fresh = { [`poison${poisonCount++}`]: { a: 1, b: [64, 100] } };
  const kind = poisonCount % 3;
  if (kind === 0) return { ...fresh, f: () => 1 };
  if (kind === 1) return [fresh, 127, Symbol('s')];
  return new Map<unknown, unknown>([[fresh, { deep: [function named() {}] }]]);
}

/** A short description of a value (types, sizes, shapes), for failure messages. */
export function describeValue(v: unknown, depth = 0): string {
  if (typeof v === 'string') return v.length > 12 ? `str(${v.length})` : JSON.stringify(v);
  if (typeof v === 'bigint') return v > 2n ** 64n || v < -(2n ** 64n) ? 'big(n)' : `${v}n`;
  if (v === null || typeof v !== 'object') return String(v);
  if (depth > 3) return '…';
  const d = (x: unknown) => describeValue(x, depth + 1);
  if (Buffer.isBuffer(v)) return `Buffer(${v.length})`;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return `${v.constructor.name}(${v.byteLength})`;
  if (v instanceof Date || v instanceof RegExp || v instanceof Error) return v.constructor.name;
  if (v instanceof Map) return `Map{${[...v].map(([k, x]) => `${d(k)}=>${d(x)}`).join(', ')}}`;
  if (v instanceof Set) return `Set{${[...v].map(d).join(', ')}}`;
  if (Array.isArray(v)) return `[${v.map(d).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${k.slice(0, 8)}:${x === v ? '<self>' : d(x)}`)
    .join(', ')}}`;
}

/**
 * Runs `run` on `numRuns` sequences over the same live connection or queues. A failure reports
 * the first failing sequence as it was: shrinking would replay sequences on state the failure has
 * already changed. `VALUES_SEED` replays a run (the sequences before the failing one matter too).
 */
export async function checkSequences(run: (list: Step[]) => Promise<void>, numRuns: number): Promise<void> {
  const seed = process.env.VALUES_SEED ? Number(process.env.VALUES_SEED) : undefined;
  const out = await fc.check(fc.asyncProperty(steps, run), { numRuns, seed, endOnFailure: true });
  if (!out.failed) return;
  const list = (out.counterexample?.[0] ?? []) as Step[];
  const shown = list.map(
    (s) => (s.poison ? 'POISON' : describeValue(s.value)) + (s.pause === 'none' ? '' : ` <${s.pause}>`),
  );
  const error = out.errorInstance as Error | undefined;
  throw new Error(
    `sequence ${out.numRuns} of ${numRuns} failed (VALUES_SEED=${out.seed}): ${error?.message}\n` +
      `the sequence: ${shown.join(' | ').slice(0, 4000)}`,
    { cause: error },
  );
}

const show = (v: unknown) =>
  inspect(v, { depth: 2, maxArrayLength: 8, maxStringLength: 60, breakLength: 200 }).slice(0, 600);

/**
 * Where `got` differs from `expected` (a path and both values), or null. Stricter than toEqual:
 * same classes, same key order, Buffer vs Uint8Array, shared references and cycles kept; errors
 * compare the fields that travel (name, message, stack, code, cause) and arrive as plain Errors.
 */
export function difference(
  expected: unknown,
  got: unknown,
  path = '$',
  seen = new Map<object, unknown>(),
): string | null {
  const fail = (why: string) => `${path}: ${why}: expected ${show(expected)}, got ${show(got)}`;
  if (typeof expected !== 'object' || expected === null) {
    if (typeof got !== typeof expected) return fail('type');
    return Object.is(expected, got) ? null : fail('value');
  }
  if (typeof got !== 'object' || got === null) return fail('type');
  if (seen.has(expected)) return seen.get(expected) === got ? null : fail('shared reference not kept');
  seen.set(expected, got);
  const sub = (e: unknown, g: unknown, p: string) => difference(e, g, `${path}${p}`, seen);
  if (expected instanceof Error) {
    if (!(got instanceof Error)) return fail('not an Error');
    for (const k of ['name', 'message', 'stack', 'code'] as const) {
      const d = sub((expected as any)[k], (got as any)[k], `.${k}`);
      if (d) return d;
    }
    return sub(expected.cause, got.cause, '.cause');
  }
  if (Object.getPrototypeOf(expected) !== Object.getPrototypeOf(got)) return fail('class');
  if (expected instanceof Date)
    return Object.is(expected.getTime(), (got as Date).getTime()) ? null : fail('time');
  if (expected instanceof RegExp) return String(expected) === String(got) ? null : fail('regexp');
  if (expected instanceof ArrayBuffer || ArrayBuffer.isView(expected)) {
    const view = (v: any) =>
      v instanceof ArrayBuffer ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    const [e, g] = [view(expected), view(got)];
    let i = 0;
    while (i < e.length && e[i] === g[i]) i++;
    return e.equals(g) ? null : fail(`bytes differ from byte ${i} of ${e.length} (got ${g.length})`);
  }
  if (expected instanceof Map || expected instanceof Set) {
    const e = [...expected.entries()];
    const g = [...(got as Map<unknown, unknown>).entries()];
    if (e.length !== g.length) return fail('size');
    for (let i = 0; i < e.length; i++) {
      const d = sub(e[i]![0], g[i]![0], `<key ${i}>`) ?? sub(e[i]![1], g[i]![1], `<entry ${i}>`);
      if (d) return d;
    }
    return null;
  }
  const ek = Object.keys(expected);
  const gk = Object.keys(got);
  if (ek.join('\u0000') !== gk.join('\u0000') || ek.length !== gk.length) return fail(`keys ${show(gk)}`);
  for (const k of ek) {
    const d = sub((expected as any)[k], (got as any)[k], Array.isArray(expected) ? `[${k}]` : `.${k}`);
    if (d) return d;
  }
  return null;
}
