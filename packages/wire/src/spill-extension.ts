import { addExtension } from 'msgpackr';
import type { Extension } from './codec-config.js';
import { endPayloadBatch, writePayload } from './payload-writer.js';
import { isSpillPath } from './spill-dir.js';
import {
  checkStillNamed,
  payloadLost,
  readPayload,
  removeRead,
  SpilledBytes,
  unlinkQuietly,
} from './spilled-bytes.js';

/*
 * The msgpackr extension that sends a large Buffer as the name of a payload
 * file (spilled-bytes.ts) on connections that allow it, and a SpilledBytes
 * on as the same name. Per-encode and per-decode state lives here; codec.ts
 * brackets every encode and decode with `beginEncode`/`endEncode` and sets
 * `decoding.keep`.
 */

const SPILL_EXT = 0x04;
const SLASH = 0x2f;
/** Buffers at least this large are spilled where a connection allows it. */
export const SPILL_MIN = 32 * 1024;

let spilling = false;
/** Files written during the current encode (removed if it fails). */
let written: string[] | null = null;
/** SpilledBytes passed on by the current encode: handed on once it succeeds. */
let passed: SpilledBytes[] | null = null;
/** SpilledBytes copied inline by the current encode: removed once it succeeds. */
let inlined: SpilledBytes[] | null = null;
let spilledBytes = 0;
/** The files the last successful encode named, [path, bytes], in order (null: none). */
let lastFiles: Array<[string, number]> | null = null;

/** Payload bytes the last encode moved out of its message (they count toward `maxFrameSize`). */
export function spilledByLastEncode(): number {
  return spilledBytes;
}

/** The files the last encode named, in order: the peer acknowledges them as it reads (spill-credit.ts). */
export function filesOfLastEncode(): ReadonlyArray<[string, number]> | null {
  return lastFiles;
}

export function beginEncode(spill: boolean): void {
  spilling = spill;
  spilledBytes = 0;
  lastFiles = null;
}

function named(path: string, byteLength: number, offset: number): Buffer {
  (lastFiles ??= []).push([path, byteLength]);
  spilledBytes += byteLength;
  return token(path, byteLength, offset);
}

/** Settles the files of the encode that just ended: `ok` if its bytes will be sent. */
export function endEncode(ok: boolean): void {
  if (ok) {
    if (passed !== null) for (const s of passed) s.handedOn();
    if (inlined !== null) for (const s of inlined) discard(s);
  } else {
    if (written !== null) {
      for (const path of written) unlinkQuietly(path);
      // Close its shared file now rather than at the end of the tick: no name of this encode is left.
      endPayloadBatch();
    }
    lastFiles = null;
    spilledBytes = 0;
  }
  spilling = false;
  written = passed = inlined = null;
}

function discard(s: SpilledBytes): void {
  s.handedOn();
  unlinkQuietly(s.path);
}

/**
 * Decode state: `accept` if the peer is in this tree (else a name fails its message); `keep`
 * makes names arrive as SpilledBytes (a host); else the bytes are read at once.
 */
export const decoding = { accept: false, keep: false, kept: 0, bytes: 0, failure: null as Error | null };

/**
 * Extension data: the payload's length and offset in its file (6 bytes each), then its name.
 * Before shared files there was no offset: a name right after the length (a `/` where an offset's
 * top byte would be, 51 TB in) still reads, at offset 0.
 */
function token(path: string, byteLength: number, offset: number): Buffer {
  const out = Buffer.allocUnsafe(12 + Buffer.byteLength(path));
  out.writeUIntBE(byteLength, 0, 6);
  out.writeUIntBE(offset, 6, 6);
  out.write(path, 12);
  return out;
}

function unpack(data: Uint8Array): unknown {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const legacy = bytes.length > 6 && bytes[6] === SLASH;
  const whole = legacy || bytes.length > 12;
  const byteLength = whole ? bytes.readUIntBE(0, 6) : 0;
  const offset = whole && !legacy ? bytes.readUIntBE(6, 6) : 0;
  const path = whole ? bytes.toString('utf8', legacy ? 6 : 12) : '';
  decoding.bytes += byteLength;
  try {
    // Checked before anything is kept: a holder removes its files, so a name must be this tree's.
    if (!decoding.accept) throw payloadLost(path, 'this connection does not carry payload files');
    if (!isSpillPath(path)) throw payloadLost(path, 'it is not a payload file of this process tree');
    if (decoding.keep) {
      decoding.kept++;
      return new SpilledBytes(path, byteLength, offset);
    }
    const out = readPayload(path, byteLength, offset);
    removeRead(path);
    return out;
  } catch (error) {
    // Never throw inside msgpackr (see codec.ts): the decode reports it once the message is read.
    decoding.failure ??= error as Error;
    return undefined;
  }
}

type Allocate = (size: number) => { target: Uint8Array; targetView: DataView; position: number };

/** msgpack `bin`, exactly as msgpackr writes a Buffer itself. */
function writeBin(buffer: Buffer, allocate: Allocate): void {
  const n = buffer.length;
  if (n < 0x100) {
    const { target, position } = allocate(n + 2);
    target[position] = 0xc4;
    target[position + 1] = n;
    target.set(buffer, position + 2);
  } else if (n < 0x10000) {
    const { target, position } = allocate(n + 3);
    target[position] = 0xc5;
    target[position + 1] = n >> 8;
    target[position + 2] = n & 0xff;
    target.set(buffer, position + 3);
  } else {
    const { target, targetView, position } = allocate(n + 5);
    target[position] = 0xc6;
    targetView.setUint32(position + 1, n);
    target.set(buffer, position + 5);
  }
}

const bufferExtension = {
  Class: Buffer,
  type: SPILL_EXT,
  pack(buffer: Buffer, allocate: Allocate): Buffer | undefined {
    if (spilling && buffer.length >= SPILL_MIN) {
      const payload = writePayload(buffer);
      if (payload !== null) {
        (written ??= []).push(payload.path);
        return named(payload.path, buffer.length, payload.offset);
      }
    }
    writeBin(buffer, allocate);
    return undefined;
  },
  unpack,
};

const spilledExtension = {
  Class: SpilledBytes,
  type: SPILL_EXT,
  pack(s: SpilledBytes, allocate: Allocate): Buffer | undefined {
    if (spilling) {
      (passed ??= []).push(s);
      return named(s.path, s.byteLength, s.offset);
    }
    // A peer outside this tree: the bytes go inline; the file goes once the encode succeeds.
    const bytes = readPayload(s.path, s.byteLength, s.offset);
    checkStillNamed(s.path);
    writeBin(bytes, allocate);
    (inlined ??= []).push(s);
    return undefined;
  },
  unpack,
};

addExtension(bufferExtension as unknown as Extension);
addExtension(spilledExtension as unknown as Extension);
