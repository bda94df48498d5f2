"""Shared by the Python anchors: one RESULT line the harness parses."""
import json
import resource
import sys


def params():
    return json.loads(sys.argv[1] if len(sys.argv) > 1 else "{}")


def report(value, **extra):
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print("RESULT " + json.dumps({"value": value, "rssKB": rss_kb, **extra}), flush=True)
