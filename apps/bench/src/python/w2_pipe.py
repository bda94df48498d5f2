"""W2 anchor: mp.Pipe one-way small ints (msgs/s) and ping-pong (us/RT)."""
import multiprocessing as mp
import time

from _report import params, report


def sink(conn, n, passes):
    for _ in range(passes):
        for _ in range(n):
            conn.recv()
        conn.send("done")


def echo(conn, n):
    conn.send("ready")
    for _ in range(n):
        conn.send(conn.recv())


if __name__ == "__main__":
    p = params()
    ctx = mp.get_context("fork")
    n, warm, warm_pass = p["n"], p.get("warm", 0), p.get("warmPass", 0)
    a, b = ctx.Pipe()
    rtt = p["mode"] == "rtt"
    child = ctx.Process(target=echo if rtt else sink, args=(b, warm + n) if rtt else (b, n, 1 + warm_pass))
    child.start()
    try:
        if p["mode"] == "rtt":
            a.recv()
            for i in range(warm):  # untimed, as the Node cases
                a.send(i)
                a.recv()
            t0 = time.perf_counter()
            for i in range(n):
                a.send(i)
                a.recv()
            report((time.perf_counter() - t0) * 1e6 / n)
        else:
            for _ in range(warm_pass):  # untimed, as the Node cases
                for i in range(n):
                    a.send(i)
                a.recv()
            t0 = time.perf_counter()
            for i in range(n):
                a.send(i)
            a.recv()
            report(n / (time.perf_counter() - t0))
    finally:
        child.join(5)
        if child.is_alive():
            child.kill()
