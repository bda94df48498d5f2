import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Absolute file URL of the built package, so a child imports exactly what the tests import. */
export const DIST_URL = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href;

export interface NodeResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `source` as an ES module in a fresh `node`, with `L` bound to the built
 * package. The timeout kills the child, so a hang fails the test instead of leaking.
 */
export function runNode(source: string, timeout = 10_000): Promise<NodeResult> {
  const script = `import * as L from ${JSON.stringify(DIST_URL)};\n${source}`;
  return runFile(['--input-type=module', '-e', script], timeout);
}

/** Runs a fixture file from test/fixtures with the same timeout rule. */
export function runFixture(name: string, args: string[] = [], timeout = 10_000): Promise<NodeResult> {
  return runFile([fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), ...args], timeout);
}

function runFile(args: string[], timeout: number): Promise<NodeResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(Object.assign(err, { stderr }));
          return;
        }
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}
