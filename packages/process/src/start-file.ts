import type { StartPayload } from './start-payload.js';
import { privateDir } from './wire-core.js';

const { closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } =
  process.getBuiltinModule('node:fs');

/**
 * The start payload of a spawned child, as Python's spawn passes its preparation data: in a
 * file the child inherits as an open descriptor and reads before anything else runs.
 *
 * The payload used to be the child's first IPC message; Node drops a message that arrives
 * before a listener exists, so the child had to start from a CommonJS file that listened
 * synchronously and then import the package's entry. Read from a descriptor, the payload is
 * there whenever the child looks, and the child's main module is the package's entry itself:
 * one module file and one IPC message less per start (docs/performance.md, round 10).
 *
 * The file is unlinked as soon as it is created, so no other process can open it, and nothing
 * is left behind whatever happens to either process; the child still reads it if the parent
 * died right after start(), as a child of Python's does.
 *
 * It holds the payload as JSON, its byte fields in base64: JSON carries all the rest exactly
 * (plain args are only those it round-trips, plain-args.ts), and the child reads it with one
 * call into Node's native UTF-8 file reader.
 */
type Encoded = Omit<StartPayload, 'authkey' | 'args' | 'fields'> & {
  authkey: string;
  args: string | null;
  fields: string | null;
};

/** argv[2] of a child whose payload is in a start file, followed by the descriptor; the child removes it. */
export const START_FD_ARG = '--multiproc-start-fd=';

let serial = 0;

/** The payload in a new unlinked file; returns its descriptor, which the caller closes. */
export function writeStartFile(payload: StartPayload): number {
  const encoded: Encoded = {
    ...payload,
    authkey: payload.authkey.toString('base64'),
    args: payload.args?.toString('base64') ?? null,
    fields: payload.fields?.toString('base64') ?? null,
  };
  const bytes = Buffer.from(JSON.stringify(encoded));
  const path = `${privateDir()}/start-${++serial}`;
  // O_EXCL: never someone else's file; 0600 in a 0700 directory, and gone at once.
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    unlinkSync(path);
    // At explicit positions: the descriptor's offset stays 0 for the child.
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, done);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The child's side: reads the payload from `fd` and closes it. */
export function readStartFile(fd: number): StartPayload {
  let text: string;
  try {
    text = readText(fd);
  } finally {
    closeSync(fd);
  }
  const encoded = JSON.parse(text) as Encoded;
  return {
    ...encoded,
    authkey: Buffer.from(encoded.authkey, 'base64'),
    args: encoded.args === null ? null : Buffer.from(encoded.args, 'base64'),
    fields: encoded.fields === null ? null : Buffer.from(encoded.fields, 'base64'),
  };
}

function readText(fd: number): string {
  try {
    // A new open of the same file (Linux, macOS): Node reads it whole in native code, which
    // costs a fresh process less than the JavaScript of fstat() and read() on first use.
    return readFileSync(`/dev/fd/${fd}`, 'utf8');
  } catch {
    // No /dev/fd (no /proc in a container): the descriptor itself, from its offset, which
    // the parent's positioned writes left at 0.
    return readFileSync(fd, 'utf8');
  }
}
