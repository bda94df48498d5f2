// W6: memory. A no-op child's own peak RSS (multiproc Process vs bare fork),
// and the parent's peak RSS after 100k vs 1M queue items / pool tasks (flat?).
import { nodeCase, packageExport } from '../lib.mjs';

export default {
  id: 'W6',
  async cases(ctx) {
    const small = ctx.quick ? 2000 : 100_000;
    const big = ctx.quick ? 20_000 : 1_000_000;
    const pr = await packageExport('@multiproc/process', 'Process');
    const q = await packageExport('@multiproc/queue', 'Queue');
    const p = await packageExport('@multiproc/pool', 'Pool');
    const wc = { workload: 'W6 child peak RSS (VmHWM), no-op child', unit: 'MB', better: 'lower' };
    const mp = (w, ok, system, params) =>
      ok.ok
        ? nodeCase({ ...w, system, multiproc: true }, 'memory.mjs', params)
        : { ...w, system, multiproc: true, skip: ok.why };
    const rows = [
      mp(wc, pr, 'multiproc Process (spawn)', { system: 'multiproc-child' }),
      nodeCase({ ...wc, system: 'Node child_process.fork (empty script)' }, 'memory.mjs', { system: 'fork' }),
    ];
    for (const n of [small, big]) {
      const wq = { workload: `W6 parent peak RSS, Queue ${n} ints to a child`, unit: 'MB', better: 'lower' };
      const wp = { workload: `W6 parent peak RSS, Pool(2) imap ${n} tasks`, unit: 'MB', better: 'lower' };
      rows.push(
        // Bounded memory is what maxsize promises: the producer waits while the queue is full.
        mp(
          { ...wq, note: 'bounded: a put waits while 1024 items are queued' },
          q,
          'multiproc Queue({ maxsize: 1024 })',
          {
            system: 'queue',
            n,
            maxsize: 1024,
          },
        ),
        // An unbounded queue holds what its consumer has not taken yet, by design (as Python's).
        mp(
          { ...wq, note: 'unbounded: holds the backlog of a producer faster than its consumer' },
          q,
          'multiproc Queue()',
          { system: 'queue', n },
        ),
        mp(wp, p, 'multiproc Pool(2)', { system: 'pool', n }),
      );
    }
    return rows;
  },
};
