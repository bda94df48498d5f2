// W4: Pool map 100k trivial (default chunking, chunksize 1), sequential
// apply latency, N x applyAsync then get all. 2 workers everywhere.
import { nodeCase, packageExport, pyCase } from '../lib.mjs';

export default {
  id: 'W4',
  async cases(ctx) {
    const nm = ctx.quick ? 2000 : 100_000;
    const na = ctx.quick ? 100 : 2000;
    const nx = ctx.quick ? 500 : 20_000;
    const p = await packageExport('@multiproc/pool', 'Pool');
    const mpRow = (w, mode, n) =>
      p.ok
        ? nodeCase({ ...w, system: 'multiproc Pool(2)', multiproc: true }, 'pool.mjs', { mode, n })
        : { ...w, system: 'multiproc Pool(2)', multiproc: true, skip: p.why };
    const tiny = "tinypool 2.x runtime 'child_process' (2)";
    const wp = "workerpool 10.x workerType 'process' (2)";
    const mapD = { workload: `W4 Pool map ${nm}, default chunksize`, unit: 'tasks/s', better: 'higher' };
    const map1 = { workload: `W4 Pool map ${nm}, chunksize=1`, unit: 'tasks/s', better: 'higher' };
    const seq = { workload: `W4 Pool sequential apply latency (${na})`, unit: 'us/call', better: 'lower' };
    const burst = { workload: `W4 Pool applyAsync x ${nx} then get all`, unit: 'tasks/s', better: 'higher' };
    return [
      mpRow(mapD, 'map', nm),
      pyCase(ctx, { ...mapD, system: 'Python mp.Pool(2) (fork)' }, 'w4_pool.py', { mode: 'map', n: nm }),
      mpRow(map1, 'map1', nm),
      pyCase(ctx, { ...map1, system: 'Python mp.Pool(2) (fork)' }, 'w4_pool.py', { mode: 'map1', n: nm }),
      nodeCase({ ...map1, system: tiny, note: 'no map: all tasks submitted at once' }, 'node-pool.mjs', {
        system: 'tinypool',
        mode: 'burst',
        n: nm,
      }),
      nodeCase({ ...map1, system: wp, note: 'no map: all tasks submitted at once' }, 'node-pool.mjs', {
        system: 'workerpool',
        mode: 'burst',
        n: nm,
      }),
      mpRow(seq, 'apply', na),
      pyCase(ctx, { ...seq, system: 'Python mp.Pool(2) (fork)' }, 'w4_pool.py', { mode: 'apply', n: na }),
      nodeCase({ ...seq, system: tiny }, 'node-pool.mjs', { system: 'tinypool', mode: 'seq', n: na }),
      nodeCase({ ...seq, system: wp }, 'node-pool.mjs', { system: 'workerpool', mode: 'seq', n: na }),
      mpRow(burst, 'async', nx),
      pyCase(ctx, { ...burst, system: 'Python mp.Pool(2) (fork)' }, 'w4_pool.py', { mode: 'async', n: nx }),
      nodeCase({ ...burst, system: tiny }, 'node-pool.mjs', { system: 'tinypool', mode: 'burst', n: nx }),
      nodeCase({ ...burst, system: wp }, 'node-pool.mjs', { system: 'workerpool', mode: 'burst', n: nx }),
    ];
  },
};
