// W4 multiproc: Pool(2) map (default chunking / chunksize 1), sequential
// apply latency, applyAsync burst then get all. The measured operation runs
// untimed first, WARMUPS times (JIT warm-up of the same code paths; Python has
// no JIT): the value is the steady state, and the first run is reported as
// `cold` (shown in the row's notes).
import { Pool } from '@multiproc/pool';
import { params, report } from './_report.mjs';
import { double } from './mp-tasks.mjs';

const { mode, n } = params();
// map with default chunking is ~10 ms a run: 10 runs to reach V8's steady state (3 left the
// timed run on the JIT's curve, and a change of build layout moved it by 2x). Python alike.
const WARMUPS = mode === 'map' ? 10 : 3;
const items = Array.from({ length: n }, (_, i) => i);
const pool = new Pool({ processes: 2 });
try {
  await pool.whenReady();
  const warm = n;
  const c0 = performance.now();
  await run(warm);
  const coldSeconds = (performance.now() - c0) / 1000;
  for (let w = 1; w < WARMUPS; w++) await run(warm);
  const t0 = performance.now();
  const out = await run(n);
  const s = (performance.now() - t0) / 1000;
  if (mode === 'map' || mode === 'map1') {
    if (out.length !== n || out[n - 1] !== (n - 1) * 2) throw new Error('bad map result');
    report(n / s, { cold: warm / coldSeconds });
  } else if (mode === 'apply') report((s * 1e6) / n, { cold: (coldSeconds * 1e6) / warm });
  else report(n / s, { cold: warm / coldSeconds });
} finally {
  await pool.terminate();
}

async function run(count) {
  const some = count === n ? items : items.slice(0, count);
  if (mode === 'map' || mode === 'map1')
    return pool.map(double, some, mode === 'map1' ? { chunksize: 1 } : {});
  if (mode === 'apply') {
    for (const i of some) await pool.apply(double, [i]);
    return;
  }
  const rs = some.map((i) => pool.applyAsync(double, [i]));
  for (const r of rs) await r.get();
}
