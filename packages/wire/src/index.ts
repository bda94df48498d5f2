export { abortError, checkTimeout, type WaitOptions, waitWithDeadline } from './abort.js';
export { type Address, addressToString, parseAddress } from './address.js';
export { getAuthkey, setAuthkey, toAuthkey } from './authkey.js';
export {
  Decoder,
  decodeValue,
  Encoder,
  encodeValue,
  encodeValueWithModules,
  type RevivalError,
} from './codec.js';
export { Connection, NO_MESSAGE } from './connection.js';
export { type ConnectionOptions, checkBytesRange, type FlushAt } from './connection-options.js';
export { errorToInfo, infoToError } from './error-codec.js';
export * from './errors.js';
export { DEFAULT_MAX_FRAME_SIZE } from './frame.js';
export { FrameDecoder } from './frame-decoder.js';
export {
  type HandleRef,
  type HandleReviver,
  registerHandleKind,
  toHandle,
} from './handle-registry.js';
export { handshake, PROTOCOL_MAGIC, PROTOCOL_VERSION } from './handshake.js';
export { Host, type HostedObject, type HostOptions, Peer, type RequestContext } from './host.js';
export { HostLink } from './host-link.js';
export { holdProcess, releaseProcess, whileHeld } from './keep-alive.js';
export { removeKeptPayloadFiles } from './kept-payload-files.js';
export { Client, type ClientOptions, connectSocket, Listener, type ListenerOptions } from './listener.js';
export { messageIterator } from './message-iterator.js';
export { ATTACH } from './messages.js';
export { ensureModules, markModuleLoaded } from './module-loader.js';
export { privateDir, removePrivateDir } from './private-dir.js';
export { isShareable, SharedObject } from './shared-object.js';
export { SPILL_MIN } from './spill-extension.js';
export { SpilledBytes } from './spilled-bytes.js';
export { materialize } from './spilled-values.js';
