import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { SPILL_MIN } from '@multiproc/wire';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './helpers.js';

// A process tree's payload directory (spill-dir.ts): who names it, who sweeps it.

const dir = process.env.MULTIPROC_SPILL_DIR as string;

describe.skipIf(dir === undefined)('the payload directory (Linux, /dev/shm)', () => {
  it('a new tree sweeps directories of dead roots: empty at once, others once untouched for 10 min', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const empty = `/dev/shm/multiproc-${dead}-aaaa`;
    const busy = `/dev/shm/multiproc-${dead}-bbbb`;
    const live = `/dev/shm/multiproc-${process.pid}-cccc`;
    for (const d of [empty, busy, live]) mkdirSync(d, { recursive: true });
    writeFileSync(`${busy}/1-1`, 'x');
    writeFileSync(`${live}/1-1`, 'x');
    const env = { ...process.env };
    delete env.MULTIPROC_SPILL_DIR;
    const runRoot = () => {
      const out = spawnSync(process.execPath, [`${FIXTURES}spill-sweep.mjs`], {
        env,
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(out.status).toBe(0);
      const own = out.stdout.trim();
      expect(own.startsWith('/dev/shm/multiproc-')).toBe(true);
      expect(existsSync(own)).toBe(false); // its root removed it at exit
    };
    try {
      runRoot();
      expect([existsSync(empty), existsSync(busy), existsSync(live)]).toEqual([false, true, true]);
      const old = new Date(Date.now() - 20 * 60 * 1000);
      utimesSync(busy, old, old);
      utimesSync(live, old, old);
      runRoot();
      expect([existsSync(busy), existsSync(live)]).toEqual([false, true]);
    } finally {
      for (const d of [empty, busy, live]) rmSync(d, { recursive: true, force: true });
    }
  });

  it('an inherited directory that is not an absolute path turns spilling off', () => {
    const out = spawnSync(process.execPath, [`${FIXTURES}spill-relative.mjs`], {
      env: { ...process.env, MULTIPROC_SPILL_DIR: 'relative/dir' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(out.status).toBe(0);
    expect(Number(out.stdout.trim())).toBeGreaterThan(SPILL_MIN); // inline, not a name
    expect(existsSync('relative')).toBe(false);
  });
});
