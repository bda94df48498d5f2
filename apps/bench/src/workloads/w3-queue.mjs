// W3: Queue 1->1, 1->2, 2->1 small ints; 1->1 64 KiB Buffers; JoinableQueue.
import { nodeCase, packageExport, pyCase } from '../lib.mjs';

export default {
  id: 'W3',
  async cases(ctx) {
    const n = ctx.quick ? 2000 : 200_000;
    const nb = ctx.quick ? 20 : 2000;
    const nj = ctx.quick ? 2000 : 100_000;
    const q = await packageExport('@multiproc/queue', 'Queue');
    const jq = await packageExport('@multiproc/joinable-queue', 'JoinableQueue');
    const py = 'Python mp.Queue (fork)';
    // One untimed pass of the same work first on every row (steady state, as W2 and W4).
    const warmPass = 1;
    // Producers and consumers are multiproc Processes; the case counts and sums what arrived.
    const mpQ = (w, params) =>
      q.ok
        ? nodeCase({ ...w, system: 'multiproc Queue', multiproc: true, compareTo: py }, 'queue.mjs', {
            mode: 'queue',
            warmPass,
            ...params,
          })
        : { ...w, system: 'multiproc Queue', multiproc: true, skip: q.why };
    const rows = [];
    for (const [producers, consumers] of [
      [1, 1],
      [1, 2],
      [2, 1],
    ]) {
      const w = {
        workload: `W3 Queue ${producers}->${consumers}, ${n} ints`,
        unit: 'items/s',
        better: 'higher',
      };
      rows.push(mpQ(w, { n, producers, consumers }));
      if (producers === 1 && consumers === 1)
        rows.push(
          nodeCase(
            { ...w, system: 'ceiling: Node UDS + msgpackr frames, 1 Buffer/tick', note: 'batch 1024' },
            'uds.mjs',
            {
              mode: 'oneway',
              n,
              kind: 'int',
              batch: 1024,
              warmPass,
            },
          ),
        );
      rows.push(
        pyCase(ctx, { ...w, system: py }, 'w3_queue.py', {
          mode: 'queue',
          n,
          producers,
          consumers,
          warmPass,
        }),
      );
    }
    const wo = { workload: `W3 Queue 1->1, ${n} {i, s:'x'}`, unit: 'items/s', better: 'higher' };
    rows.push(
      mpQ(wo, { n, kind: 'obj' }),
      nodeCase(
        { ...wo, system: 'ceiling: Node UDS + msgpackr frames, 1 Buffer/tick', note: 'batch 1024' },
        'uds.mjs',
        { mode: 'oneway', n, kind: 'obj', batch: 1024, warmPass },
      ),
    );
    const wb = { workload: `W3 Queue 1->1, ${nb} x 64 KiB`, unit: 'MB/s', better: 'higher' };
    // A pass of 2000 x 64 KiB is ~150 ms: in three Node processes on two cores V8's optimizing
    // compiler was still at work after one (passes 1-5 of one run: 607, 715, 880, 913, 1091 MB/s).
    // Every system of the row gets the same untimed passes; multiproc's first is shown as `cold`.
    const warmBig = ctx.quick ? 1 : 4;
    rows.push(
      mpQ(wb, { n: nb, kind: 'buf64k', warmPass: warmBig }),
      nodeCase(
        { ...wb, system: 'ceiling: Node UDS + msgpackr frames, 1 Buffer/tick', note: 'batch 16' },
        'uds.mjs',
        {
          mode: 'oneway',
          n: nb,
          kind: 'buf64k',
          batch: 16,
          warmPass: warmBig,
        },
      ),
      pyCase(ctx, { ...wb, system: py }, 'w3_queue.py', {
        mode: 'queue',
        n: nb,
        producers: 1,
        consumers: 1,
        kind: 'buf64k',
        warmPass: warmBig,
      }),
    );
    const wj = {
      workload: `W3 JoinableQueue put/get+taskDone/join, ${nj} ints`,
      unit: 'items/s',
      better: 'higher',
    };
    rows.push(
      jq.ok
        ? nodeCase({ ...wj, system: 'multiproc JoinableQueue', multiproc: true }, 'queue.mjs', {
            mode: 'joinable',
            n: nj,
            warmPass,
          })
        : { ...wj, system: 'multiproc JoinableQueue', multiproc: true, skip: jq.why },
      pyCase(ctx, { ...wj, system: 'Python mp.JoinableQueue (fork)' }, 'w3_queue.py', {
        mode: 'joinable',
        n: nj,
        warmPass,
      }),
    );
    return rows;
  },
};
