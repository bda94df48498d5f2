import { InvalidArgumentError } from './errors.js';

let current: Buffer | null = null;

/** This process's authkey: 32 random bytes in the main process, inherited by children. */
export function getAuthkey(): Buffer {
  // Web Crypto, loaded on first use: a child is handed its parent's key, and
  // importing node:crypto would cost every child ~1.6 ms of its start.
  current ??= globalThis.crypto.getRandomValues(Buffer.alloc(32));
  return current;
}

export function setAuthkey(key: Uint8Array): void {
  current = toAuthkey(key);
}

export function toAuthkey(key: unknown): Buffer {
  if (typeof key === 'string') return Buffer.from(key, 'utf8');
  if (key instanceof Uint8Array) return Buffer.from(key);
  throw new InvalidArgumentError('authkey should be a Buffer, Uint8Array or string');
}
