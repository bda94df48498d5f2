// The owner's and a proxy's item lists, without processes: order, bulk takes, credit bounds.
import { describe, expect, it } from 'vitest';
import { BatchList } from '../dist/batch-list.js';
import { ConsumerBuffer } from '../dist/consumer-buffer.js';
import { Fifo } from '../dist/fifo.js';

describe('Fifo', () => {
  it('takes from the front in order, interleaved with pushes, shifts and unshifts', () => {
    const f = new Fifo<number>();
    const model: number[] = [];
    let next = 0;
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < (round * 7) % 3000; i++) {
        f.push(next);
        model.push(next++);
      }
      const n = Math.min(model.length, (round * 13) % 2500);
      expect(f.shiftMany(n)).toEqual(model.splice(0, n));
      if (model.length > 0 && round % 3 === 0) expect(f.shift()).toBe(model.shift());
      if (round % 5 === 0) {
        const back = [-round, -round - 0.5];
        f.unshiftAll(back);
        model.unshift(...back);
      }
      if (round % 7 === 0 && model.length > 3) {
        const victim = model[(round * 31) % model.length]!;
        expect(f.remove((x) => x === victim)).toBe(true);
        model.splice(model.indexOf(victim), 1);
      }
      expect(f.length).toBe(model.length);
      expect(f.peek()).toBe(model[0]);
      if (model.length > 0) expect(f.at(model.length - 1)).toBe(model.at(-1));
    }
    expect([...f]).toEqual(model);
    expect(f.drain()).toEqual(model);
    expect(f.shift()).toBeUndefined();
  });
});

describe('BatchList', () => {
  it('does not keep an item alive once it has been handed out', () => {
    const b = new BatchList<object>();
    const reply = [{ a: 1 }, { b: 2 }, { c: 3 }];
    b.push(reply);
    const first = b.shift();
    expect(first).toEqual({ a: 1 });
    expect(reply[0]).toBeUndefined();
    expect(b.drain()).toEqual([{ b: 2 }, { c: 3 }]);
  });

  it('reads batches in arrival order, one item at a time, and drains what is left', () => {
    const b = new BatchList<number>();
    b.push([1, 2, 3]);
    b.push([]);
    b.push([4]);
    expect(b.length).toBe(4);
    expect([b.shift(), b.shift()]).toEqual([1, 2]);
    b.push([5, 6]);
    expect(b.shift()).toBe(3);
    expect(b.drain()).toEqual([4, 5, 6]);
    expect(b.length).toBe(0);
    b.push([7]);
    expect(b.shift()).toBe(7);
    expect(b.length).toBe(0);
  });
});

describe('ConsumerBuffer credit', () => {
  it('starts at 1, grows at most 16-fold per reply, and falls to 1 for a consumer slower than the batch time', async () => {
    const buffer = new ConsumerBuffer<number>(() => {});
    expect(buffer.nextCredit()).toBe(1);
    buffer.add([0]);
    buffer.shift();
    expect(buffer.nextCredit()).toBeLessThanOrEqual(16);
    buffer.add([1]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    buffer.shift();
    expect(buffer.nextCredit()).toBe(1);
    buffer.detach();
  });
});
