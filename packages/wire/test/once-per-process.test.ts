import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// @multiproc/process bundles wire's core into its own entry (scripts/bundle-dist.mjs --inline),
// so one process can load two copies of core's code: process's and wire's dist/core.js. Built
// with --once-per-process, the copy that loads first defines everything and the others export
// the same objects. A copy of core.js in a temp dir stands in for the bundled one; each case
// runs in a fresh Node process, because the registry is global.
const CORE = fileURLToPath(new URL('../dist/core.js', import.meta.url));
const INDEX = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href;
const dir = mkdtempSync(join(tmpdir(), 'mp-once-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function copyOfCore(name: string, edit?: (code: string) => string): string {
  const file = join(dir, name);
  if (edit) writeFileSync(file, edit(readFileSync(CORE, 'utf8')));
  else copyFileSync(CORE, file);
  return pathToFileURL(file).href;
}

/** Runs `body` as an ES module in a new Node process; returns what it printed as JSON. */
function run(body: string): Promise<Record<string, unknown>> {
  const script = `const warnings = []; process.on('warning', (w) => warnings.push({ code: w.code, message: w.message }));\n${body}\nawait new Promise((r) => setImmediate(r));\nconsole.log(JSON.stringify({ ...out, warnings }));`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

describe('wire/core: one instance per process', () => {
  it('a copy of the same build loaded first defines the classes and state wire itself then uses', async () => {
    const copy = copyOfCore('same.js');
    const out = await run(`
      const copy = await import(${JSON.stringify(copy)});
      const wire = await import(${JSON.stringify(INDEX)});
      copy.setAuthkey(Buffer.from('set through the copy'));
      const fromCopy = new copy.TimeoutError('late');
      const out = {
        sameClasses: copy.TimeoutError === wire.TimeoutError && copy.MultiprocError === wire.MultiprocError,
        instanceOf: fromCopy instanceof wire.MultiprocError && new wire.QueueFullError() instanceof copy.MultiprocError,
        authkey: wire.getAuthkey().toString(),
        privateDir: copy.privateDir() === wire.privateDir(),
        code: fromCopy.code,
      };
      wire.removePrivateDir();`);
    expect(out).toEqual({
      sameClasses: true,
      instanceOf: true,
      authkey: 'set through the copy',
      privateDir: true,
      code: 'ERR_TIMEOUT',
      warnings: [],
    });
  }, 30_000);

  it('a copy of the same code from another version of the package shares too', async () => {
    const copy = copyOfCore('same-code.js', (code) =>
      code.replace(/(__share\("[^"]+", )"[^"]*"/, '$1"9.9.9"'),
    );
    const out = await run(`
      const copy = await import(${JSON.stringify(copy)});
      const wire = await import(${JSON.stringify(INDEX)});
      const out = { sameClasses: copy.TimeoutError === wire.TimeoutError };`);
    expect(out).toEqual({ sameClasses: true, warnings: [] });
  }, 30_000);

  it('a copy of other code keeps its own instance, and says so in a process warning', async () => {
    // Another build of core (another hash), in another version, as a second install of wire.
    const other = copyOfCore('other.js', (code) =>
      code
        .replaceAll(/(@multiproc\/wire\/core#)[0-9a-f]{16}/g, `$1${'0'.repeat(16)}`)
        .replace(/(__share\("[^"]+", )"[^"]*"/, '$1"9.9.9"'),
    );
    const out = await run(`
      const wire = await import(${JSON.stringify(INDEX)});
      const other = await import(${JSON.stringify(other)});
      wire.setAuthkey(Buffer.from('wire'));
      other.setAuthkey(Buffer.from('other'));
      const out = {
        sameClasses: other.TimeoutError === wire.TimeoutError,
        authkeys: [wire.getAuthkey().toString(), other.getAuthkey().toString()],
      };`);
    expect(out.sameClasses).toBe(false);
    expect(out.authkeys).toEqual(['wire', 'other']);
    const warnings = out.warnings as Array<{ code: string; message: string }>;
    expect(warnings.map((w) => w.code)).toEqual(['MULTIPROC_DUPLICATE_PACKAGE']);
    expect(warnings[0]?.message).toMatch(
      /two different builds of @multiproc\/wire\/core are loaded in this process \(\d+\.\d+\.\d+\S* #[0-9a-f]{16}, 9\.9\.9 #0{16}\)/,
    );
  }, 30_000);

  it('the build refuses to share code it cannot wrap', async () => {
    const { shareOncePerProcess } = await import(
      pathToFileURL(fileURLToPath(new URL('../../../scripts/once-per-process.mjs', import.meta.url))).href
    );
    const file = join(dir, 'imports.js');
    writeFileSync(file, "import { x } from './x.js';\nexport { x };\n");
    expect(() => shareOncePerProcess(file, { name: 'n', version: '1' })).toThrow(/cannot import/);
    writeFileSync(file, 'export const x = 1;\nexport { x as y };\n');
    expect(() => shareOncePerProcess(file, { name: 'n', version: '1' })).toThrow(/exactly one/);
    // A reassigned binding would not follow into the other copies.
    writeFileSync(file, 'let count = 0;\nfunction add() { count++; }\nexport { add, count };\n');
    expect(() => shareOncePerProcess(file, { name: 'n', version: '1' })).toThrow(/exported with `let`/);
  });
});
