import { writeSync } from 'node:fs';
import { task } from '@multiproc/process';
export const stamp = task(import.meta.url, () => { writeSync(2, `T ${(performance.timeOrigin + performance.now()).toFixed(2)}\n`); process.on('exit', () => writeSync(2, `E ${(performance.timeOrigin + performance.now()).toFixed(2)}\n`)); });
