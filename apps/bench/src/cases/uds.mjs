// The ceiling: two Node processes on one Unix socket, length-prefixed
// msgpackr frames (plain msgpack), one concatenated Buffer per batch/tick.
// mode 'oneway': parent streams N items (kind 'int' or 'buf64k') to the
// child, which acks after the last -> items/s (or MB/s for buf64k).
// mode 'rtt': one frame each way per round trip -> us/RT.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import { killPid, params, report } from './_report.mjs';

const packr = new Packr({ useRecords: false });

/** Calls onFrame(payloadBuffer) for every complete length-prefixed frame. */
function framer(onFrame) {
  let pending = null;
  return (chunk) => {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off);
      if (buf.length - off - 4 < len) break;
      onFrame(buf.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    pending = off < buf.length ? buf.subarray(off) : null;
    buf = null;
  };
}

function frameBatch(values) {
  const parts = values.map((v) => packr.pack(v));
  let size = 0;
  for (const p of parts) size += 4 + p.length;
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (const p of parts) {
    out.writeUInt32BE(p.length, off);
    p.copy(out, off + 4);
    off += 4 + p.length;
  }
  return out;
}

if (process.argv[2] === '--child') {
  const [, , , path, mode, nStr] = process.argv;
  const n = Number(nStr);
  const sock = net.connect(path);
  let seen = 0;
  sock.on(
    'data',
    framer((payload) => {
      const v = packr.unpack(payload);
      if (mode === 'rtt') sock.write(frameBatch([v]));
      else if (++seen % n === 0) sock.write(frameBatch(['done']));
    }),
  );
} else {
  const { mode, n, kind = 'int', batch = 1024, warm = 0, warmPass = 0 } = params();
  const dir = mkdtempSync(join(tmpdir(), 'mp-bench-'));
  const path = join(dir, 's');
  const server = net.createServer();
  server.listen(path);
  await once(server, 'listening');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', path, mode, String(n)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    const [sock] = await once(server, 'connection');
    const item = kind === 'buf64k' ? Buffer.alloc(65536, 7) : null;
    // RTT: one data handler; each phase (untimed warm-up, then timed) counts its own trips.
    let phase = null;
    if (mode === 'rtt') {
      sock.on(
        'data',
        framer(() => phase()),
      );
    }
    const roundTrips = (count) =>
      new Promise((resolve) => {
        let i = 0;
        phase = () => (++i === count ? resolve() : sock.write(frameBatch([i])));
        sock.write(frameBatch([0]));
      });
    // One-way: the child acks every n items; each pass waits for its ack.
    let acked = null;
    if (mode !== 'rtt') {
      sock.on(
        'data',
        framer(() => acked()),
      );
    }
    const oneWay = () =>
      new Promise((resolve, reject) => {
        acked = resolve;
        (async () => {
          for (let i = 0; i < n; i += batch) {
            const vals = [];
            for (let j = i; j < Math.min(n, i + batch); j++) vals.push(item ?? j);
            if (!sock.write(frameBatch(vals))) await once(sock, 'drain');
            else await new Promise(setImmediate);
          }
        })().catch(reject);
      });
    if (mode === 'rtt' && warm > 0) await roundTrips(warm);
    if (mode !== 'rtt') for (let w = 0; w < warmPass; w++) await oneWay(); // untimed, as every one-way case
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      child.once('exit', () => reject(new Error('child exited early')));
      (mode === 'rtt' ? roundTrips(n) : oneWay()).then(resolve, reject);
    });
    const s = (performance.now() - t0) / 1000;
    if (mode === 'rtt') report((s * 1e6) / n);
    else if (kind === 'buf64k') report((n * 65536) / 1e6 / s);
    else report(n / s);
    sock.destroy();
  } finally {
    killPid(child.pid);
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
