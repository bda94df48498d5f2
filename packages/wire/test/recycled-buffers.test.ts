// Which outgoing buffers are reused: only large ones allocated here, once each, within a cap.
import { describe, expect, it } from 'vitest';
import { isRecyclable, recycle, takeBuffer } from '../src/recycled-buffers.js';

describe('recycled buffers', () => {
  it('reuses a large buffer of its own once it is given back, and only then', () => {
    const a = takeBuffer(100_000);
    expect(a.length).toBeGreaterThanOrEqual(100_000);
    expect(isRecyclable(a.subarray(10, 20))).toBe(true);
    // Not given back: a second take gets other memory.
    const b = takeBuffer(100_000);
    expect(b.buffer).not.toBe(a.buffer);
    recycle(a.subarray(0, 5));
    recycle(a); // twice: still one idle entry
    const c = takeBuffer(90_000);
    expect(c.buffer).toBe(a.buffer);
    expect(takeBuffer(90_000).buffer).not.toBe(a.buffer);
  });

  it("never takes back a caller's buffer or a small one", () => {
    const mine = Buffer.alloc(200_000);
    expect(isRecyclable(mine)).toBe(false);
    recycle(mine);
    expect(takeBuffer(150_000).buffer).not.toBe(mine.buffer);
    const small = takeBuffer(1000);
    expect(isRecyclable(small)).toBe(false);
  });

  it('keeps at most 8 MiB idle', () => {
    const big = Array.from({ length: 6 }, () => takeBuffer(2 * 1024 * 1024));
    for (const b of big) recycle(b);
    const back = new Set<ArrayBufferLike>();
    for (let i = 0; i < 6; i++) back.add(takeBuffer(2 * 1024 * 1024).buffer);
    const reused = big.filter((b) => back.has(b.buffer)).length;
    expect(reused).toBe(4);
  });
});
