// W5: Event set -> wake ping-pong between two processes.
import { nodeCase, packageExport, pyCase, withPinned } from '../lib.mjs';

export default {
  id: 'W5',
  async cases(ctx) {
    const n = ctx.quick ? 200 : 5000;
    // Untimed cycles first on both rows (steady state, JIT warm): see README.
    const warm = ctx.quick ? 50 : 20_000;
    const e = await packageExport('@multiproc/event', 'Event');
    const w = {
      workload: `W5 Event ping-pong wake latency (${n} cycles)`,
      unit: 'us/cycle',
      better: 'lower',
    };
    return [
      ...withPinned(
        ctx,
        e.ok
          ? nodeCase({ ...w, system: 'multiproc Event', multiproc: true }, 'event.mjs', { n, warm })
          : { ...w, system: 'multiproc Event', multiproc: true, skip: e.why },
      ),
      ...withPinned(ctx, pyCase(ctx, { ...w, system: 'Python mp.Event (fork)' }, 'w5_event.py', { n, warm })),
    ];
  },
};
