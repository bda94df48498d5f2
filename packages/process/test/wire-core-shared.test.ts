import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as proc from '@multiproc/process';
import * as wire from '@multiproc/wire';
import * as core from '@multiproc/wire/core';
import { afterEach, describe, expect, it } from 'vitest';
import { writeCoreState } from './fixtures/tasks.mjs';
import { cleanup, tempDir, track } from './helpers.js';

afterEach(cleanup);

// process's entry carries its own copy of wire's core (bundle-dist.mjs --inline); wire's main
// entry loads wire/dist/core.js. Both must be one instance (scripts/once-per-process.mjs):
// one authkey, one MultiprocError, whichever loaded first.
describe("process's bundled copy of wire's core", () => {
  it('is the instance wire uses in a parent that imported process first', () => {
    expect(proc.TimeoutError).toBe(wire.TimeoutError);
    expect(proc.MultiprocError).toBe(wire.MultiprocError);
    expect(new wire.QueueFullError()).toBeInstanceOf(proc.MultiprocError);
    expect(wire.getAuthkey().equals(proc.currentProcess().authkey)).toBe(true);
  });

  it("keeps every name of core's: functions, classes and the errors they make", () => {
    // esbuild renames a declaration inside the copy that a top-level name of process's shadows.
    const renamed = Object.entries(core)
      .filter(([key, value]) => typeof value === 'function' && value.name !== key)
      .map(([key, value]) => `${key}: ${(value as { name: string }).name}`);
    expect(renamed).toEqual([]);
    expect(new core.QueueEmptyError().name).toBe('QueueEmptyError');
  });

  it("is the instance wire uses in a child: wire sees the authkey the child's bootstrap set", async () => {
    const file = join(tempDir(), 'core.json');
    const p = track(new proc.Process({ target: writeCoreState, args: [file] }));
    await p.start();
    await p.join();
    expect(p.exitCode).toBe(0);
    const state = JSON.parse(readFileSync(file, 'utf8'));
    expect(state).toEqual({
      sameClasses: true,
      renamed: [],
      authkey: true,
      // A child inherits its parent's authkey (Python's), set by the bootstrap through process's copy.
      authkeyHex: proc.currentProcess().authkey.toString('hex'),
    });
  }, 30_000);
});
