"""W3 anchor: mp.Queue producers -> consumers (items/s or MB/s), and
JoinableQueue put/get+task_done/join (items/s)."""
import multiprocessing as mp
import time

from _report import params, report


def produce(q, start, count, kind):
    item = b"\x07" * 65536 if kind == "buf64k" else None
    for i in range(start, start + count):
        q.put(item if item is not None else i)


def consume(q, done):
    got = 0
    while True:
        v = q.get()
        if v is None:
            break
        got += 1
    done.put(got)


def jconsume(q):
    while True:
        q.get()
        q.task_done()


if __name__ == "__main__":
    p = params()
    ctx = mp.get_context("fork")
    n, kind, warm_pass = p["n"], p.get("kind", "int"), p.get("warmPass", 0)
    procs = []

    def queue_pass():
        """One run of the scenario (fresh processes): (items, seconds)."""
        q, done = ctx.Queue(), ctx.Queue()
        producers, consumers = p["producers"], p["consumers"]
        cs = [ctx.Process(target=consume, args=(q, done)) for _ in range(consumers)]
        per = n // producers
        ps = [ctx.Process(target=produce, args=(q, k * per, per, kind)) for k in range(producers)]
        procs.extend(cs + ps)
        for c in cs:
            c.start()
        t0 = time.perf_counter()
        for pr in ps:
            pr.start()
        for pr in ps:
            pr.join()
        for _ in cs:
            q.put(None)
        total = sum(done.get() for _ in cs)
        s = time.perf_counter() - t0
        for c in cs:
            c.join()
        assert total == per * producers, (total, n)
        return total, s

    try:
        if p["mode"] == "joinable":
            q = ctx.JoinableQueue()
            c = ctx.Process(target=jconsume, args=(q,), daemon=True)
            procs.append(c)
            c.start()
            for _ in range(warm_pass):  # untimed, as the Node cases
                for i in range(n):
                    q.put(i)
                q.join()
            t0 = time.perf_counter()
            for i in range(n):
                q.put(i)
            q.join()
            report(n / (time.perf_counter() - t0))
        else:
            for _ in range(warm_pass):  # untimed, as the Node cases
                queue_pass()
            total, s = queue_pass()
            report(total * 65536 / 1e6 / s if kind == "buf64k" else total / s)
    finally:
        for pr in procs:
            if pr.is_alive():
                pr.kill()
            pr.join(5)
