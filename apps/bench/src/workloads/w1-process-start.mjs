// W1: Process start + join of a no-op task, sequential.
import { nodeCase, pyCase } from '../lib.mjs';

export default {
  id: 'W1',
  async cases(ctx) {
    const count = ctx.quick ? 3 : 50;
    const workload = `W1 Process start+join, no-op (${count} seq)`;
    const f = (system, multiproc = false) => ({
      workload,
      system,
      unit: 'ms/process',
      better: 'lower',
      multiproc,
      compareTo: multiproc ? 'Node child_process.fork (empty.mjs)' : undefined,
    });
    return [
      nodeCase(f('multiproc Process (spawn)', true), 'process-start.mjs', { system: 'spawn', count }),
      nodeCase(f('multiproc Process (warm, default spares, steady state)', true), 'process-start.mjs', {
        system: 'warm',
        count,
      }),
      nodeCase(
        {
          ...f(`multiproc Process (warm, spares=${count} booted before timing, task module preloaded)`, true),
          note: 'timed once sparesReady() resolved; spares preload the task module',
        },
        'process-start.mjs',
        { system: 'warm-prestarted', count, spares: count },
      ),
      nodeCase(f('Node child_process.fork (empty.mjs)'), 'process-start.mjs', { system: 'fork', count }),
      pyCase(ctx, f('Python mp.Process (fork)'), 'w1_process.py', { method: 'fork', count }),
      pyCase(ctx, f('Python mp.Process (spawn)'), 'w1_process.py', { method: 'spawn', count }),
    ];
  },
};
