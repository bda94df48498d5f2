// W2: Pipe one-way small ints and ping-pong RTT.
import { nodeCase, packageExport, pyCase, withPinned } from '../lib.mjs';

export default {
  id: 'W2',
  async cases(ctx) {
    const n = ctx.quick ? 2000 : 200_000;
    const rt = ctx.quick ? 200 : 20_000;
    // Untimed round trips first on every RTT row (steady state, JIT warm): see README.
    const warm = ctx.quick ? 50 : 20_000;
    const one = { workload: `W2 Pipe one-way, ${n} ints`, unit: 'msgs/s', better: 'higher' };
    const rtt = { workload: `W2 Pipe ping-pong RTT (${rt})`, unit: 'us/RT', better: 'lower' };
    const mp = await packageExport('@multiproc/pipe', 'Pipe');
    const py = 'Python mp.Pipe (fork)';
    const rows = [];
    for (const [w, mode, size] of [
      [one, 'oneway', n],
      [rtt, 'rtt', rt],
    ]) {
      const pin = (c) => (mode === 'rtt' ? withPinned(ctx, c) : [c]);
      // One-way: one untimed pass of n first on every row (steady state, as W4).
      const extra = mode === 'rtt' ? { warm } : { warmPass: 1 };
      rows.push(
        ...pin(
          mp.ok
            ? nodeCase({ ...w, system: 'multiproc Pipe', multiproc: true, compareTo: py }, 'pipe.mjs', {
                mode,
                n: size,
                ...extra,
              })
            : { ...w, system: 'multiproc Pipe', multiproc: true, skip: mp.why },
        ),
        ...pin(
          nodeCase({ ...w, system: "Node IPC fork (serialization 'json')" }, 'ipc.mjs', {
            serialization: 'json',
            mode,
            n: size,
            ...extra,
          }),
        ),
        ...pin(
          nodeCase({ ...w, system: "Node IPC fork (serialization 'advanced')" }, 'ipc.mjs', {
            serialization: 'advanced',
            mode,
            n: size,
            ...extra,
          }),
        ),
        ...pin(
          nodeCase(
            {
              ...w,
              system: 'ceiling: Node UDS + msgpackr frames, 1 Buffer/tick',
              note: mode === 'rtt' ? '' : 'batch 1024',
            },
            'uds.mjs',
            { mode, n: size, kind: 'int', batch: 1024, ...extra },
          ),
        ),
        ...pin(pyCase(ctx, { ...w, system: py }, 'w2_pipe.py', { mode, n: size, ...extra })),
      );
    }
    return rows;
  },
};
