import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Process } from '@multiproc/process';
import { afterEach, describe, expect, it } from 'vitest';
import { isPlainJson } from '../src/plain-args.js';
import { inspectArgs } from './fixtures/tasks.mjs';
import { cleanup, tempDir, track } from './helpers.js';

afterEach(cleanup);

describe('plain args travel in the start payload, everything else through the codec', () => {
  it('isPlainJson accepts what JSON carries exactly, and nothing else', () => {
    expect(isPlainJson([1, 'a', true, null, [1, [2]], { a: { b: ['c'] } }, Object.create(null)])).toBe(true);
    for (const bad of [-0, Number.NaN, Number.POSITIVE_INFINITY, undefined, 1n, new Date(0), new Map()]) {
      expect(isPlainJson([bad])).toBe(false);
    }
    expect(isPlainJson([{ a: undefined }])).toBe(false);
    // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
    expect(isPlainJson([[1, , 3]])).toBe(false);
    expect(isPlainJson([Buffer.from('x')])).toBe(false);
    expect(isPlainJson([{ [Symbol('s')]: 1 }])).toBe(false);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(isPlainJson([cyclic])).toBe(false);
    expect(isPlainJson([Array.from({ length: 5000 }, (_, i) => i)])).toBe(false);
  });

  // -0 and holes are left out: the codec itself carries them as 0 and undefined.
  const notPlain = [
    undefined,
    Number.NaN,
    10n,
    new Date(0),
    new Map([[1, 2]]),
    { u: undefined },
    [1, undefined],
  ];
  for (const [what, args] of [
    ['plain', [1, 'héllo', true, null, [1, [2, 3]], { a: { b: ['c'], n: 2.5 } }]],
    ['not plain', notPlain],
  ] as [string, unknown[]][]) {
    it(`${what} args arrive exactly as given`, async () => {
      const file = join(tempDir(), 'args.txt');
      const p = track(new Process({ target: inspectArgs, args: [file, ...args] }));
      await p.start();
      await p.join();
      expect(p.exitCode).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(inspect([...args], { depth: null }));
    });
  }
});
