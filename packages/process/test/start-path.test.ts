import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Process } from '@multiproc/process';
import { afterEach, describe, expect, it } from 'vitest';
import { noop } from './fixtures/tasks.mjs';
import { cleanup, FIXTURES, tempDir, track } from './helpers.js';

afterEach(cleanup);

// A spawned child's start-up is mostly Node's ESM loader, ~1 ms per module file: the packages
// on the start path ship one file per entry point (scripts/bundle-dist.mjs), and logging is
// loaded only when something logs. This pins that.
describe('what a spawned child loads', () => {
  it("a no-op child loads one module file of ours (process, with wire's core inside), and no builtin as an ES module", async () => {
    // This parent never loaded logging, so nothing configured it: the child does not load it.
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('multiproc.logging')]).toBeUndefined();
    const log = join(tempDir(), 'loaded.txt');
    const p = track(
      new Process({
        target: noop,
        execArgv: ['--import', join(FIXTURES, 'load-log', 'register.mjs')],
        env: { ...process.env, MP_LOAD_LOG: log },
      }),
    );
    await p.start();
    await p.join();
    expect(p.exitCode).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    // Builtins come from process.getBuiltinModule(): an ES import of one builds a facade of
    // all its exports, running every lazy getter (~3-5 ms of a child's start in all).
    expect(
      lines.filter((line) => line.startsWith('builtin ') && /\/packages\/\w+\/dist\//.test(line)),
    ).toEqual([]);
    expect(lines.some((line) => line.startsWith('builtin node:'))).toBe(true); // the hook does see them
    const ours = lines
      .filter((url) => url.startsWith('file:') && /\/packages\/(wire|logging|process)\/dist\//.test(url))
      .map((url) => url.replace(/^.*\/packages\//, ''));
    // No CommonJS entry (the payload comes in a start file: start-file.ts); no wire/core.js (it is
    // bundled into process's entry: bundle-dist.mjs --inline, no module file or package
    // resolution of its own); no logging (logging-link.ts); never wire's main entry (the codec).
    expect(ours).toEqual(['process/dist/index.js']);
  }, 30_000);
});
