"""W4 anchor: mp.Pool(2): map (default chunksize / chunksize=1) -> tasks/s,
sequential apply -> us/call, apply_async x N then get all -> tasks/s."""
import multiprocessing as mp
import time

from _report import params, report


def inc(x):
    return x + 1


if __name__ == "__main__":
    p = params()
    ctx = mp.get_context("fork")
    n, mode = p["n"], p["mode"]
    with ctx.Pool(p.get("workers", 2)) as pool:
        pool.map(inc, range(8))  # warm-up
        t0 = time.perf_counter()
        if mode == "map":
            pool.map(inc, range(n))
        elif mode == "map1":
            pool.map(inc, range(n), chunksize=1)
        elif mode == "apply":
            for i in range(n):
                pool.apply(inc, (i,))
        else:
            rs = [pool.apply_async(inc, (i,)) for i in range(n)]
            for r in rs:
                r.get()
        s = time.perf_counter() - t0
        report(s * 1e6 / n if mode == "apply" else n / s)
