import { Process, setStartMethod, sparesReady, stopSpares } from '@multiproc/process';
const url = new URL('./zz-task.mjs', import.meta.url);
const { stamp } = await import(url.href);
setStartMethod('warm', { spares: 5, preload: [url] });
await sparesReady({ timeout: 120000 });
const now = () => (performance.timeOrigin + performance.now()).toFixed(2);
for (let i = 0; i < 3; i++) {
  const p = new Process({ target: stamp });
  console.error('S', now());
  await p.start();
  console.error('s', now());
  await p.join();
  console.error('J', now());
}
stopSpares();
