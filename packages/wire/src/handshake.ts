import type { Socket } from 'node:net';
import { decodeValue, encodeValue } from './codec.js';
import { AuthenticationError, ConnectionClosedError, MultiprocError, ProtocolError } from './errors.js';
import { FrameKind } from './frame.js';
import { FrameDecoder } from './frame-decoder.js';
import { spillDir } from './spill-dir.js';

const { createHmac, randomBytes, timingSafeEqual } = process.getBuiltinModule('node:crypto');

export const PROTOCOL_MAGIC = 'multiproc';
export const PROTOCOL_VERSION = 1;
const HANDSHAKE_MAX_FRAME = 4096;
/** A peer that has not finished the handshake by then is dropped (slowloris). */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

type Role = 'client' | 'server';
type HandshakeMessage =
  | { t: 'hello'; magic: string; version: number; nonce: Buffer | null; tree?: string | null }
  | { t: 'proof'; digest: Buffer }
  | { t: 'welcome' }
  | { t: 'failure' };

/**
 * Mutual authentication, in the spirit of Python's deliver_challenge /
 * answer_challenge but with HMAC-SHA256 and both directions at once:
 * hello (magic, version, nonce) -> proof (HMAC over both nonces and the
 * prover's role) -> welcome or failure. Without an authkey only magic and
 * version are checked. Resolves with the bytes that followed the handshake.
 */
export function handshake(
  socket: Socket,
  role: Role,
  authkey: Buffer | null,
  timeout = DEFAULT_HANDSHAKE_TIMEOUT,
): Promise<Buffer> {
  return handshakeInTree(socket, role, authkey, timeout).then((done) => done.head);
}

/** What a completed handshake tells a host or host link. */
export interface Handshaken {
  /** Bytes that followed the handshake. */
  head: Buffer;
  /** Both sides name the same payload directory (spill-dir.ts): large Buffers may travel as files. */
  sameTree: boolean;
}

/** @internal `handshake()`, also telling whether the peer is in this process tree. */
export function handshakeInTree(
  socket: Socket,
  role: Role,
  authkey: Buffer | null,
  timeout = DEFAULT_HANDSHAKE_TIMEOUT,
): Promise<Handshaken> {
  return new Promise<Handshaken>((resolve, reject) => {
    const ownNonce = authkey ? randomBytes(32) : null;
    let peerNonce: Buffer | null = null;
    let peerVerified = authkey === null;
    let welcomed = authkey === null;
    let helloSeen = false;
    let sameTree = false;
    let settled = false;
    let head: Buffer = Buffer.alloc(0);

    const send = (m: HandshakeMessage) => {
      const payload = encodeValue(m);
      const header = Buffer.allocUnsafe(4);
      header.writeUInt32BE(payload.length);
      socket.write(Buffer.concat([header, payload]));
    };
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Paused so nothing is lost before the Connection attaches its reader.
      socket.pause();
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (error) {
        socket.destroy();
        reject(error);
      } else resolve({ head, sameTree });
    };
    const checkDone = () => {
      if (helloSeen && peerVerified && welcomed) decoder.stop();
    };
    const onMessage = (m: HandshakeMessage) => {
      if (m === null || typeof m !== 'object') throw new ProtocolError('malformed handshake');
      if (m.t === 'hello') {
        if (m.magic !== PROTOCOL_MAGIC) throw new ProtocolError('peer does not speak the multiproc protocol');
        if (m.version !== PROTOCOL_VERSION) {
          throw new ProtocolError(
            `protocol version ${m.version} is not supported (this side speaks ${PROTOCOL_VERSION})`,
          );
        }
        helloSeen = true;
        sameTree = spillDir !== null && m.tree === spillDir;
        if (authkey) {
          if (!(m.nonce instanceof Uint8Array) || m.nonce.length !== 32) {
            send({ t: 'failure' });
            throw new AuthenticationError('peer did not offer a challenge: it has no authkey');
          }
          peerNonce = Buffer.from(m.nonce);
          send({ t: 'proof', digest: digest(authkey, role, peerNonce, ownNonce!) });
        } else if (m.nonce != null) {
          // The peer holds a key and will refuse us. Fail now: finishing here would let its
          // 'failure' frame reach the application as a message on an "authenticated" connection.
          send({ t: 'failure' });
          throw new AuthenticationError('peer requires an authkey and this side has none');
        }
      } else if (m.t === 'proof') {
        if (!authkey || !peerNonce) throw new ProtocolError('unexpected proof');
        const expected = digest(authkey, role === 'client' ? 'server' : 'client', ownNonce!, peerNonce);
        const got = m.digest instanceof Uint8Array ? Buffer.from(m.digest) : Buffer.alloc(0);
        if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
          send({ t: 'failure' });
          throw new AuthenticationError('digest received was wrong');
        }
        peerVerified = true;
        send({ t: 'welcome' });
      } else if (m.t === 'welcome') {
        welcomed = true;
      } else if (m.t === 'failure') {
        throw new AuthenticationError(
          authkey ? 'digest sent was rejected' : 'peer requires an authkey and this side has none',
        );
      } else throw new ProtocolError('malformed handshake');
      checkDone();
    };
    const decoder = new FrameDecoder(HANDSHAKE_MAX_FRAME, (kind: FrameKind, payload: Buffer) => {
      if (kind !== FrameKind.Value) throw new ProtocolError('unexpected frame during handshake');
      let m: HandshakeMessage;
      try {
        m = decodeValue(payload) as HandshakeMessage;
      } catch {
        throw new ProtocolError('malformed handshake');
      }
      onMessage(m);
    });
    const onData = (chunk: Buffer) => {
      try {
        decoder.push(chunk);
        if (decoder.stopped) {
          head = decoder.takeRemainder();
          finish(null);
        }
      } catch (error) {
        finish(error instanceof MultiprocError ? error : new ProtocolError(String(error)));
      }
    };
    const onClose = () => finish(new ConnectionClosedError('connection closed during the handshake'));
    const onError = (error: Error) =>
      finish(new ConnectionClosedError(`connection failed: ${error.message}`, { cause: error }));
    const timer = setTimeout(
      () => finish(new ProtocolError(`handshake not completed within ${timeout} ms`)),
      timeout,
    );
    timer.unref();
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
    send({ t: 'hello', magic: PROTOCOL_MAGIC, version: PROTOCOL_VERSION, nonce: ownNonce, tree: spillDir });
  });
}

function digest(key: Buffer, proverRole: Role, verifierNonce: Buffer, proverNonce: Buffer): Buffer {
  return createHmac('sha256', key).update(proverRole).update(verifierNonce).update(proverNonce).digest();
}
