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
    # as the Node cases (JIT there; here only caches and allocator): 10 for the short map runs
    warmups = 10 if mode == "map" else 3

    def work(pool, count):
        if mode == "map":
            return pool.map(inc, range(count))
        if mode == "map1":
            return pool.map(inc, range(count), chunksize=1)
        if mode == "apply":
            for i in range(count):
                pool.apply(inc, (i,))
            return None
        rs = [pool.apply_async(inc, (i,)) for i in range(count)]
        for r in rs:
            r.get()
        return None

    with ctx.Pool(p.get("workers", 2)) as pool:
        pool.map(inc, range(8))  # bring the workers up
        warm = n
        c0 = time.perf_counter()
        work(pool, warm)
        cold = time.perf_counter() - c0
        for _ in range(warmups - 1):
            work(pool, warm)
        t0 = time.perf_counter()
        work(pool, n)
        s = time.perf_counter() - t0
        if mode == "apply":
            report(s * 1e6 / n, cold=cold * 1e6 / warm)
        else:
            report(n / s, cold=warm / cold)
