// A bare fork child: writes its own peak RSS (VmHWM, kB) to the file in argv[2].
import { readFileSync, writeFileSync } from 'node:fs';

const m = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
writeFileSync(process.argv[2], String(Number(m?.[1] ?? 0)));
