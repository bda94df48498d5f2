#!/usr/bin/env node
// A package's JavaScript, one file per entry point: `node ../../scripts/bundle-dist.mjs
// [src/extra-entry.ts ...]` in a package directory, after `tsc -b` has type-checked it and
// written the declarations. Entries are the package.json "exports" targets plus the extra
// ones named (modules a child process loads by path); code shared between entries goes
// into chunk files, so every module still exists once per process and `instanceof` holds.
// Other packages and npm dependencies stay imports (each package is installed on its own).
//
// Why: a spawned child imports a package's entry before its target runs. Node's ESM loader
// costs about 1 ms per module file (resolve, read, compile, link); one file per entry cut
// ~15 ms from every spawned start (docs/performance.md). A `.cts` entry stays CommonJS.
//
// Two flags for the one place where a package boundary costs every start:
// `--once-per-process=./core` makes that exports entry share one instance per process among
// all copies of it (once-per-process.mjs), and `--inline=@multiproc/wire/core` bundles such
// an entry of a dependency into this package's own code instead of importing it.
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { shareOncePerProcess } from './once-per-process.mjs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
/** The file an "exports" target loads for `import`. */
const importTarget = (target) => (typeof target === 'string' ? target : target?.import);
const fromExports = Object.values(pkg.exports ?? {})
  .map(importTarget)
  .filter((target) => typeof target === 'string' && target.startsWith('./dist/') && target.endsWith('.js'))
  .map((target) => `src/${target.slice('./dist/'.length, -'.js'.length)}.ts`);
const options = { 'once-per-process': [], inline: [] };
const extra = [];
for (const arg of process.argv.slice(2)) {
  const option = /^--([\w-]+)=(.+)$/.exec(arg);
  if (option && Object.hasOwn(options, option[1])) options[option[1]].push(option[2]);
  else if (arg.startsWith('--')) throw new Error(`bundle-dist: unknown option ${arg}`);
  else extra.push(arg);
}
const esm = [...fromExports, ...extra.filter((entry) => !entry.endsWith('.cts'))];
const cjs = extra.filter((entry) => entry.endsWith('.cts'));

const common = {
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  outbase: 'src',
  sourcemap: true,
  // Not keepNames: it wraps every function expression in a call that redefines its `name`,
  // run each time the expression is evaluated (+~2 us per Pipe round trip, pinned). Names are
  // API here (error classes' `new.target.name`, Process-N): a class body must not name its own
  // class (the bundler would rename it `_X`), and each package's export-names test checks it.
  keepNames: false,
  metafile: true,
  logLevel: 'warning',
};
const results = [
  await build({
    ...common,
    entryPoints: esm,
    bundle: true,
    splitting: true,
    format: 'esm',
    packages: 'external',
    chunkNames: 'chunk-[hash]',
    plugins: [inlinePlugin(options.inline)],
  }),
];
if (cjs.length > 0) {
  results.push(
    await build({
      ...common,
      entryPoints: cjs,
      bundle: false,
      format: 'cjs',
      outExtension: { '.js': '.cjs' },
    }),
  );
}

// An entry that only re-exports a chunk (wire's `core`, whose whole code the full entry
// shares) would cost a child two module files where one does: the chunk becomes that entry.
const esmOutputs = results[0].metafile.outputs;
for (const [entry, out] of Object.entries(esmOutputs)) {
  if (
    !out.entryPoint ||
    out.imports.length !== 1 ||
    Object.values(out.inputs).some((i) => i.bytesInOutput > 0)
  )
    continue;
  const chunk = out.imports[0].path;
  const chunkOut = esmOutputs[chunk];
  if (!chunkOut || chunkOut.entryPoint || !sameNames(out.exports, chunkOut.exports)) continue;
  // Imports are rewritten as "./<file>": only for files side by side, and only for an entry that
  // passes every name on as it is (`export { a as b }` would need the chunk's code renamed).
  if (dirname(entry) !== dirname(chunk) || !reexportsAsIs(readFileSync(entry, 'utf8'))) continue;
  const from = basename(chunk);
  const to = basename(entry);
  for (const file of Object.keys(esmOutputs).filter((f) => f.endsWith('.js') && f !== chunk && f !== entry)) {
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll(`"./${from}"`, `"./${to}"`));
  }
  const code = readFileSync(chunk, 'utf8').replace(
    `//# sourceMappingURL=${from}.map`,
    `//# sourceMappingURL=${to}.map`,
  );
  writeFileSync(entry, code);
  renameSync(`${chunk}.map`, `${entry}.map`);
  rmSync(chunk);
  delete esmOutputs[chunk];
}

function sameNames(a, b) {
  return a.length === b.length && a.every((name) => b.includes(name));
}

function reexportsAsIs(code) {
  const m =
    /^import \{([^}]*)\} from "[^"]+";\s*export \{([^}]*)\};\s*(\/\/# sourceMappingURL=\S+\s*)?$/.exec(code);
  if (!m || /\bas\b/.test(m[1]) || /\bas\b/.test(m[2])) return false;
  const names = (list) =>
    list
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean)
      .sort()
      .join(',');
  return names(m[1]) === names(m[2]);
}

for (const entry of options['once-per-process']) {
  const file = importTarget(pkg.exports?.[entry]);
  if (typeof file !== 'string') throw new Error(`--once-per-process=${entry}: no such exports entry`);
  shareOncePerProcess(file, { name: `${pkg.name}${entry.slice(1)}`, version: pkg.version });
}

/** Bundles the named package specifiers (already built: their dist) instead of leaving them imports. */
function inlinePlugin(specifiers) {
  return {
    name: 'inline',
    setup(b) {
      for (const specifier of specifiers) {
        const filter = new RegExp(`^${specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
        b.onResolve({ filter }, (args) => ({ path: exportsTarget(specifier, args.resolveDir) }));
      }
    },
  };
}

/** The file an `import` of `specifier` from `dir` loads, by the package's "exports" (Node's resolution). */
function exportsTarget(specifier, dir) {
  const parts = specifier.split('/');
  const name = parts.slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  const subpath = `.${specifier.slice(name.length)}`;
  const manifest = createRequire(join(dir, 'noop.js')).resolve(`${name}/package.json`);
  const file = importTarget(JSON.parse(readFileSync(manifest, 'utf8')).exports?.[subpath]);
  if (typeof file !== 'string') throw new Error(`--inline=${specifier}: ${name} exports no ${subpath}`);
  return join(dirname(manifest), file);
}

// Per-module files from an earlier build (or an older layout) would be loaded by nobody
// but still shipped: remove every script in dist/ this build did not write.
const written = new Set(
  results.flatMap((r) => Object.keys(r.metafile.outputs)).map((out) => basename(relative('dist', out))),
);
for (const file of readdirSync('dist')) {
  if (/\.(c?js)(\.map)?$/.test(file) && !written.has(file)) rmSync(join('dist', file));
}
