import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Example, fastOption, parse } from './example.js';
import { tourExamples } from './examples/index.js';

const cli = fileURLToPath(new URL('./cli.js', import.meta.url));

/** Run one example as its own program (`node cli.js <name> --fast`), so each has its own exit code. */
function runOne(ex: Example, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ex.name, '--fast', ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

export const tour: Example = {
  name: 'tour',
  seed: 'all',
  summary: 'run every example in turn, fast, each under a heading, then a summary table (the default)',
  showed: '',
  options: fastOption,
  async run(args) {
    parse(args, fastOption);
    const rows: { name: string; showed: string; code: number }[] = [];
    for (const ex of tourExamples) {
      for (const { args, showed } of ex.tourRuns ?? [{ args: ex.tourArgs ?? [], showed: ex.showed }]) {
        const name = [ex.name, ...args].join(' ');
        const title = `${name} (seed ${ex.seed}): ${ex.summary}`;
        const rule = '='.repeat(Math.min(title.length, 100));
        console.log(`\n${rule}\n${title}\n${rule}`);
        rows.push({ name, showed, code: await runOne(ex, args) });
      }
    }
    const w1 = Math.max(7, ...rows.map((r) => r.name.length));
    const w2 = Math.max(13, ...rows.map((r) => r.showed.length));
    console.log(`\n${'example'.padEnd(w1)} | ${'what it showed'.padEnd(w2)} | exit code`);
    console.log(`${'-'.repeat(w1)}-+-${'-'.repeat(w2)}-+----------`);
    for (const r of rows) console.log(`${r.name.padEnd(w1)} | ${r.showed.padEnd(w2)} | ${r.code}`);
    const failed = rows.filter((r) => r.code !== 0).length;
    console.log(failed ? `\n${failed} example(s) failed` : `\nall ${rows.length} examples passed`);
    return failed ? 1 : 0;
  },
};
