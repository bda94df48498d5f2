// W4 multiproc: Pool(2) map (default chunking / chunksize 1), sequential
// apply latency, applyAsync burst then get all. Warmed up before timing.
import { Pool } from '@multiproc/pool';
import { params, report } from './_report.mjs';
import { double } from './mp-tasks.mjs';

const { mode, n } = params();
const pool = new Pool({ processes: 2 });
try {
  await pool.whenReady();
  await pool.map(
    double,
    Array.from({ length: 200 }, (_, i) => i),
    { chunksize: 1 },
  ); // warm-up
  const items = Array.from({ length: n }, (_, i) => i);
  const t0 = performance.now();
  if (mode === 'map' || mode === 'map1') {
    const out = await pool.map(double, items, mode === 'map1' ? { chunksize: 1 } : {});
    const s = (performance.now() - t0) / 1000;
    if (out.length !== n || out[n - 1] !== (n - 1) * 2) throw new Error('bad map result');
    report(n / s);
  } else if (mode === 'apply') {
    for (let i = 0; i < n; i++) await pool.apply(double, [i]);
    report(((performance.now() - t0) * 1000) / n);
  } else {
    const rs = items.map((i) => pool.applyAsync(double, [i]));
    for (const r of rs) await r.get();
    report(n / ((performance.now() - t0) / 1000));
  }
} finally {
  await pool.terminate();
}
