import { Process, setStartMethod, sparesReady, stopSpares } from '@multiproc/process';
const url = new URL('file:///work/main/apps/bench/src/cases/noop-task.mjs');
const { noop } = await import(url.href);
setStartMethod('warm', { spares: 40, preload: [url] });
await sparesReady({ timeout: 120000 });
const rows = [];
for (let i = 0; i < 40; i++) {
  const p = new Process({ target: noop });
  const t0 = performance.now();
  await p.start();
  const t1 = performance.now();
  let tExit;
  p._child?.once?.('exit', () => { tExit = performance.now(); });
  await p.join();
  const t2 = performance.now();
  rows.push([t1 - t0, t2 - t1]);
}
const med = (k) => rows.map(r => r[k]).sort((a,b)=>a-b)[rows.length>>1].toFixed(2); console.log(rows.map(r=>(r[0]+r[1]).toFixed(1)).join(" "));
console.log('start', med(0), 'join', med(1));
stopSpares();
