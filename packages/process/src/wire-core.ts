/**
 * What this package needs from @multiproc/wire as soon as it is imported:
 * errors, the authkey, deadlines, the private socket dir. The codec and the
 * host (msgpackr, node:net: ~40 ms and ~9 MB of a child's start-up) are only
 * loaded when used, through loadWire(), so a child whose task takes no args
 * and uses no primitive never loads them: these names come from wire's light
 * entry point, `@multiproc/wire/core`, which the build copies into this
 * package's entry (scripts/bundle-dist.mjs --inline: no module file or package
 * resolution of its own in a child); the copy and wire's own are one instance
 * (scripts/once-per-process.mjs).
 */
export {
  AuthenticationError,
  ConnectionClosedError,
  getAuthkey,
  hostStarted,
  InvalidArgumentError,
  MultiprocError,
  ProcessStateError,
  privateDir,
  RemoteError,
  removeKeptPayloadFiles,
  removePrivateDir,
  setAuthkey,
  TaskReferenceError,
  TimeoutError,
  type WaitOptions,
  waitWithDeadline,
} from '@multiproc/wire/core';

type Wire = typeof import('@multiproc/wire');
let wire: Promise<Wire> | undefined;

/** The whole of wire, imported once on first use. */
export function loadWire(): Promise<Wire> {
  wire ??= import('@multiproc/wire');
  return wire;
}
