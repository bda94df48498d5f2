/**
 * `@multiproc/wire/core`: the names a process needs as soon as it starts —
 * errors, the authkey, deadlines, the private socket dir — without the codec,
 * msgpackr or node:net (~40 ms and ~9 MB of a child's start-up). The same
 * modules as the main entry, so `instanceof` holds across both.
 */
export { abortError, checkTimeout, type WaitOptions, waitWithDeadline } from './abort.js';
export { getAuthkey, setAuthkey, toAuthkey } from './authkey.js';
export * from './errors.js';
export { hostStarted, markHostStarted } from './host-presence.js';
export { removeKeptPayloadFiles } from './kept-payload-files.js';
export { privateDir, removePrivateDir } from './private-dir.js';
