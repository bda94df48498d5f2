// Makes a bundled entry run once per process however many copies of it are loaded: its code
// goes into a function that only the first copy to load calls; every copy exports what that
// call returned, so classes, functions and module state are the same objects in all of them.
//
// Why: @multiproc/process inlines wire's `core` into its own entry (bundle-dist.mjs --inline),
// so a spawned child loads one module file and resolves one package less (~1.5 ms of every
// start, docs/performance.md round 11), while everything that loads @multiproc/wire still gets
// wire's core.js. Without this, the two copies would hold two authkeys and two MultiprocError
// classes. Copies of the same code share whatever their package versions; copies of different
// code (two versions of wire whose core differs) cannot, and the second to load says so in a
// process warning, because their authkeys and errors then differ.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The global Map of loaded copies: `name#hash` -> { version, exports }. */
const REGISTRY = 'multiproc.once-per-process';

/** Rewrites `file` (an ES module with no imports, ending in one `export { ... }`) and its map. */
export function shareOncePerProcess(file, { name, version }) {
  const code = readFileSync(file, 'utf8');
  const mapComment = /\n\/\/# sourceMappingURL=(\S+)\s*$/.exec(code);
  const text = mapComment ? code.slice(0, mapComment.index + 1) : code;
  if (/^\s*import\b/m.test(text) || /\bimport\.meta\b/.test(text))
    throw new Error(`${file}: once-per-process code cannot import (it runs inside a function)`);
  const exportAt = text.lastIndexOf('\nexport {');
  if (exportAt < 0 || text.indexOf('\nexport ', exportAt + 1) >= 0 || /^export (?!\{)/m.test(text))
    throw new Error(`${file}: expected exactly one \`export { ... }\` at the end`);
  const body = text.slice(0, exportAt + 1);
  const list = /^export \{([^}]*)\};?\s*$/.exec(text.slice(exportAt + 1));
  if (!list) throw new Error(`${file}: expected exactly one \`export { ... }\` at the end`);
  // `local as exported` pairs; names only (no default export, no string names).
  const pairs = list[1]
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/.exec(item);
      if (!m || m[2] === 'default') throw new Error(`${file}: cannot share the export \`${item}\``);
      return { local: m[1], exported: m[2] ?? m[1] };
    });
  for (const { local } of pairs) {
    // The copies export the value the first one returned: a binding reassigned later would not follow.
    if (new RegExp(`^\\s*let\\s+${local.replaceAll('$', '\\$')}\\b`, 'm').test(body))
      throw new Error(`${file}: \`${local}\` is exported with \`let\`; export a function that reads it`);
  }
  // Copies of the same code share, whatever version of the package each came in with.
  const key = `${name}#${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
  const header = [
    `// ${name}: one instance per process, whichever copy of this code loads first (scripts/once-per-process.mjs).`,
    `var __copies = globalThis[Symbol.for(${JSON.stringify(REGISTRY)})] ??= new Map();`,
    // A parenthesized function: V8 compiles it with the module, where an arrow would be
    // pre-parsed and then parsed again at its call (~0.15 ms of a child's start).
    `var __shared = (__copies.get(${JSON.stringify(key)}) ?? __share(${JSON.stringify(key)}, ${JSON.stringify(version)}, (function () {`,
  ];
  const footer = [
    `return { ${pairs.map((p) => (p.local === p.exported ? p.local : `${p.exported}: ${p.local}`)).join(', ')} };`,
    '}))).exports;',
    'function __share(key, version, define) {',
    '  const copy = { version, exports: define() };',
    '  __copies.set(key, copy);',
    `  const builds = [...__copies].filter(([k]) => k.startsWith(${JSON.stringify(`${name}#`)}));`,
    '  if (builds.length > 1)',
    '    process.emitWarning(',
    `      \`two different builds of ${name} are loaded in this process (\${builds.map(([k, c]) => \`\${c.version} \${k.slice(k.indexOf('#'))}\`).join(', ')}): each has its own authkey, error classes and state, so connections between them fail authentication; install the same version of every @multiproc package\`,`,
    "      { code: 'MULTIPROC_DUPLICATE_PACKAGE' },",
    '    );',
    '  return copy;',
    '}',
    // Outer names of their own: a bundler that inlines this file would otherwise rename the
    // inner declarations they shadow, and a class's or function's name is API here.
    `var { ${pairs.map((p) => `${p.exported}: ${p.exported}$shared`).join(', ')} } = __shared;`,
    `export { ${pairs.map((p) => `${p.exported}$shared as ${p.exported}`).join(', ')} };`,
  ];
  const out = `${header.join('\n')}\n${body}${footer.join('\n')}\n${mapComment ? mapComment[0].slice(1) : ''}`;
  writeFileSync(file, out);
  if (mapComment) {
    // The body keeps its lines; the header's lines come before it, with no mappings.
    const mapFile = new URL(mapComment[1], pathToFileURL(resolve(file)));
    const map = JSON.parse(readFileSync(mapFile, 'utf8'));
    map.mappings = ';'.repeat(header.length) + map.mappings;
    writeFileSync(mapFile, JSON.stringify(map));
  }
}
