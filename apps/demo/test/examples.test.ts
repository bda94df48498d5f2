import { afterEach, describe, expect, it } from 'vitest';
import { leftovers, type Run, reapAll, runCli } from './helpers.js';

afterEach(reapAll);

/** Run an example with --fast: exit 0, and nothing it started is left running. */
async function run(args: string[], timeout = 40_000): Promise<Run> {
  const r = await runCli([...args, '--fast'], { timeout });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(await leftovers(r)).toEqual([]);
  return r;
}

const FOODS = ['包子', '水饺', '馒头'].flatMap((f) => [0, 1, 2].map((i) => `${f}${i}`));
const ate = (out: string) =>
  [...out.matchAll(/^ *\d+\.\d\d -{10}Consumer_\d\d ate (\S+)$/gm)].map((m) => m[1]);
const lastLine = (out: string) => out.trimEnd().split('\n').at(-1);

describe('baozi', () => {
  it('sentinel, one consumer: fewer than nine eaten, the rest left in the queue', async () => {
    const r = await run(['baozi', '--mode', 'sentinel', '--consumers', '1']);
    for (const f of FOODS)
      expect(r.stdout).toMatch(new RegExp(`^ *\\d+\\.\\d\\d worker_0\\d produced ${f}$`, 'm'));
    expect(r.stdout).toMatch(/worker_0\d -------\?\?\?------- +\(Consumer_01 got this sentinel and stops\)/);
    const eaten = ate(r.stdout);
    expect(eaten.length).toBeLessThan(9);
    expect(lastLine(r.stdout)).toBe(`eaten: ${eaten.length}/9`);
    // every item eaten once or still in the queue
    const left = r.stdout.match(/^left in the queue: (.*)$/m)![1]!.split(' ');
    expect([...eaten, ...left.filter((x) => !x.startsWith('worker_'))].sort()).toEqual([...FOODS].sort());
  });

  it('sentinel, default two consumers: both stop at a sentinel, eaten: N/9 last', async () => {
    const r = await run(['baozi']);
    expect(r.stdout.match(/got this sentinel and stops/g)).toHaveLength(2);
    expect(lastLine(r.stdout)).toMatch(/^eaten: [0-9]\/9$/);
    expect(r.stdout).toMatch(/^ *\d+\.\d\d 主\.\.\./m);
  });

  it('sentinel, four consumers: the one that never gets a sentinel is terminated, not waited for ever', async () => {
    const r = await run(['baozi', '--consumers', '4']);
    expect(r.stdout).toMatch(/Consumer_0\d never gets a sentinel/);
    expect(lastLine(r.stdout)).toBe('eaten: 9/9');
  });

  it('joinable: all nine eaten by daemon consumers, 主... after the last one', async () => {
    const r = await run(['baozi', '--mode', 'joinable', '--consumers', '3']);
    expect(ate(r.stdout).sort()).toEqual([...FOODS].sort());
    const main = r.stdout.search(/^ *\d+\.\d\d 主\.\.\.$/m);
    expect(main).toBeGreaterThan(r.stdout.lastIndexOf(' ate '));
    expect(main).toBeGreaterThan(r.stdout.lastIndexOf(' produced '));
    expect(lastLine(r.stdout)).toBe('eaten: 9/9');
  });

  it('a bad option value is a usage error', async () => {
    expect((await runCli(['baozi', '--mode', 'nope'])).code).toBe(2);
    expect((await runCli(['baozi', '--consumers', '0'])).code).toBe(2);
  });
});

it('queue: 20 values put by one Process and read, in order, by another', async () => {
  const r = await run(['queue']);
  const added = [...r.stdout.matchAll(/^Value added to queue: (\d)$/gm)].map((m) => m[1]);
  const got = [...r.stdout.matchAll(/^Value from queue: (\d)$/gm)].map((m) => m[1]);
  expect(added).toHaveLength(20);
  expect(got).toEqual(added);
  expect(r.stdout).toContain('closed and drained after 20 values, in the order they were put');
});

it('pipe: the reader writes every value sent to the file it names, the parent blocked meanwhile', async () => {
  const r = await run(['pipe', '--count', '30']);
  const sent = [...r.stdout.matchAll(/^Value sent: (\d)$/gm)].map((m) => m[1]);
  expect(sent).toHaveLength(30);
  expect(r.stdout.match(/^\.$/gm)).toHaveLength(30);
  const path = r.stdout.match(/30 digits written to (\S+)$/m)![1]!;
  expect(r.stdout).toContain(`${path}: ${sent.join('')}\n`);
  expect(r.stdout).toMatch(/^ok +the parent was not in the data path/m);
});

it('event-pool: an Event as a Pool task argument gives 9 A/B lines from three workers', async () => {
  const r = await run(['event-pool']);
  const lines = r.stdout.match(/^[AB] - \d+\.\d\d \(task \d, PoolWorker-\d\)$/gm) ?? [];
  expect(lines).toHaveLength(9);
  expect(new Set(lines.map((l) => l.match(/PoolWorker-\d/)![0])).size).toBeLessThanOrEqual(3);
  expect(lines[0]![0]).toBe('A');
  expect(lines.some((l) => l[0] === 'B')).toBe(true);
});

it('pool: apply, applyAsync + get, map', async () => {
  const r = await run(['pool']);
  expect(r.stdout).toMatch(/apply\(slowSquare, \[3\]\) → 9 /);
  expect(r.stdout).toMatch(/ready\(\) false/);
  expect(r.stdout).toMatch(/r\.get\(\) → 16 .*ready\(\) true, successful\(\) true/);
  expect(r.stdout).toContain('map(square, [0..9]) → [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]');
  // the callback ran before get() settled
  expect(r.stdout.indexOf('callback(16)')).toBeLessThan(r.stdout.indexOf('r.get() → 16'));
});

it('pool-waves: 20 tasks on at most 5 workers, at most 5 at a time, results i² in order; apply serial', async () => {
  const r = await run(['pool-waves']);
  const [a, b, c] = r.stdout.split(/^--- [BC]: /m);
  for (const part of [a!, b!]) {
    const starts = [...part.matchAll(/task +(\d+) start on PoolWorker-\d+ \(pid (\d+)\), wave (\d)$/gm)];
    expect(starts.map((m) => Number(m[1])).sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    expect(new Set(starts.map((m) => m[2])).size).toBeLessThanOrEqual(5);
    expect(part).toContain(`results: [${[...Array(20).keys()].map((i) => i * i).join(', ')}]`);
  }
  expect(c!.match(/task +\d start on/g)).toHaveLength(6);
  expect(r.stdout).not.toMatch(/^FAIL/m);
});

it('tour --help and --help list the new subcommands', async () => {
  const r = await runCli(['--help']);
  for (const cmd of ['baozi', 'queue', 'pipe', 'event-pool', 'pool', 'pool-waves']) {
    expect(r.stdout).toMatch(new RegExp(`^  ${cmd} +\\S`, 'm'));
  }
  const h = await runCli(['baozi', '--help']);
  expect(h.stdout).toContain('--mode');
  expect(h.stdout).toContain('--consumers');
});
