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
  it('a no-op child loads one file each of wire/core and process (its main module), and no builtin as an ES module', async () => {
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
    // The payload comes in a start file: no CommonJS entry listening for it (start-file.ts).
    expect(ours).not.toContain('process/dist/bootstrap-entry.cjs');
    expect(ours).toContain('process/dist/index.js');
    expect(ours).toContain('wire/dist/core.js');
    // Loaded when something logs (logging-link.ts): one module and two package resolutions less.
    expect(ours).not.toContain('logging/dist/index.js');
    // Never wire's main entry (the codec).
    for (const file of ours)
      expect(file).toMatch(/^(process|wire)\/dist\/(index\.js|bootstrap-entry\.cjs|core\.js)$/);
    expect(ours).not.toContain('wire/dist/index.js');
    // wire's core is one file: the chunk it shares with wire's full entry is core.js itself.
    expect(ours).toHaveLength(2);
  }, 30_000);
});
