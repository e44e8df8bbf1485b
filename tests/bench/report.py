#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Table building for tests/bench/run.sh.

  report.py merge OUT.json IN.json...         merge hyperfine rounds (same commands)
  report.py pair ROWS JSON LABEL URUN PEER [URUN_TEXT] [PEER_TEXT]
        a row comparing two hyperfine commands (by --command-name); a non-empty
        *_TEXT replaces that side (missing tool, failure, not implemented)
  report.py text ROWS LABEL URUN PEER RATIO   a row of literal cells
  report.py rss ROWS LABEL FIELD URUN.json PEER.json [URUN_TEXT] [PEER_TEXT]
        a row from two rss.py results (FIELD: max_kib or sum_kib)
  report.py iperf ROWS LABEL PEER_NAME PEER.json [URUN.json]
        a throughput row: iperf3 JSON for the peer and for urun (ratio
        urun/peer: above 1, urun moves more)
  report.py render ROWS ENV.md OUT.md         the Markdown report

ROWS is a JSON-lines file; every row keeps its raw numbers too, and render
writes them next to ROWS as summary.json.
"""
import json
import os
import statistics
import sys


def stats(times):
    times = sorted(times)
    return {
        "median": statistics.median(times), "min": times[0], "max": times[-1],
        "mean": statistics.fmean(times),
        "stddev": statistics.stdev(times) if len(times) > 1 else None,
        "runs": len(times),
    }


def merge(out, inputs):
    merged = {}
    order = []
    for p in inputs:
        with open(p) as f:
            for r in json.load(f)["results"]:
                name = r["command"]
                if name not in merged:
                    merged[name] = {"command": name, "times": [], "exit_codes": [],
                                    "user": [], "system": []}
                    order.append(name)
                m = merged[name]
                m["times"] += r["times"]
                m["exit_codes"] += r.get("exit_codes") or [0] * len(r["times"])
                m["user"].append(r.get("user"))
                m["system"].append(r.get("system"))
    results = []
    for name in order:
        m = merged[name]
        s = stats(m["times"])
        us = [x for x in m["user"] if x is not None]
        sy = [x for x in m["system"] if x is not None]
        results.append({
            "command": name, "mean": s["mean"], "stddev": s["stddev"], "median": s["median"],
            "min": s["min"], "max": s["max"], "times": m["times"],
            "exit_codes": m["exit_codes"],
            "user": statistics.fmean(us) if us else None,
            "system": statistics.fmean(sy) if sy else None,
        })
    with open(out, "w") as f:
        json.dump({"results": results, "merged_from": [os.path.basename(p) for p in inputs]},
                  f, indent=1)


def fmt_time(s):
    if s < 1:
        return "%.1f ms" % (s * 1000)
    return "%.2f s" % s


def time_cell(r):
    cell = "%s (%s–%s)" % (fmt_time(r["median"]), fmt_time(r["min"]), fmt_time(r["max"]))
    bad = sum(1 for c in r.get("exit_codes", []) if c)
    if bad:
        cell += " — %d of %d runs failed" % (bad, len(r["times"]))
    return cell


def add(rows, row):
    with open(rows, "a") as f:
        f.write(json.dumps(row) + "\n")


def find(results, name):
    for r in results:
        if r["command"] == name:
            return r
    return None


def pair(rows, js, label, urun, peer, utext="", ptext=""):
    results = []
    if js and os.path.exists(js):
        with open(js) as f:
            results = json.load(f)["results"]
    u = None if utext else find(results, urun)
    p = None if ptext else find(results, peer)
    ucell = utext or (time_cell(u) if u else "no result (see log)")
    pcell = ptext or (("%s: " % peer) + time_cell(p) if p else "%s: no result (see log)" % peer)
    if ptext and not ptext.startswith(peer):
        pcell = "%s: %s" % (peer, ptext)
    ratio = "%.2f×" % (u["median"] / p["median"]) if u and p and p["median"] > 0 else "–"
    add(rows, {"row": label, "urun": ucell, "peer": pcell, "ratio": ratio,
               "raw": {"urun": u and {k: u[k] for k in ("median", "min", "max", "mean")},
                       "peer_name": peer,
                       "peer": p and {k: p[k] for k in ("median", "min", "max", "mean")}}})


def rss(rows, label, field, uj, pj, utext="", ptext=""):
    def load(p):
        try:
            with open(p) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None
    u = None if utext else load(uj)
    p = None if ptext else load(pj)

    def cell(d):
        if not d:
            return "no result (see log)"
        s = "%.1f MiB" % (d[field] / 1024)
        if d.get("n", 1) > 1:
            s += " (%d containers, median %.1f MiB each; %.1f s)" % (
                d["n"], d["median_kib"] / 1024, d["wall_s"])
        if d.get("failed"):
            s += " — %d failed: %s" % (d["failed"], d.get("error", ""))
        return s
    ucell = utext or cell(u)
    pcell = "podman (CLI + conmon): " + (ptext or cell(p))
    ratio = "%.2f×" % (u[field] / p[field]) if u and p and p[field] else "–"
    add(rows, {"row": label, "urun": ucell, "peer": pcell, "ratio": ratio,
               "raw": {"urun": u, "peer": p}})


def iperf(rows, label, name, js, ujs=None):
    def gbps(path):
        try:
            with open(path) as f:
                return json.load(f)["end"]["sum_received"]["bits_per_second"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
    bps = gbps(js)
    cell = "%s: %.2f Gbit/s" % (name, bps / 1e9) if bps else "%s: no result (see log)" % name
    ubps = gbps(ujs) if ujs else None
    ucell = ("%.2f Gbit/s" % (ubps / 1e9) if ubps else "no result (see log)") if ujs else "–"
    ratio = "%.2f×" % (ubps / bps) if ubps and bps else "–"
    add(rows, {"row": label, "urun": ucell, "peer": cell, "ratio": ratio,
               "raw": {"urun_bits_per_second": ubps, "peer_bits_per_second": bps}})


def render(rows, env, out):
    with open(rows) as f:
        data = [json.loads(line) for line in f if line.strip()]
    lines = ["| row | urun | peer | ratio urun/peer |", "| --- | --- | --- | --- |"]
    for r in data:
        cells = [r["row"], r["urun"], r["peer"], r["ratio"]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    table = "\n".join(lines)
    with open(env) as f:
        envtext = f.read()
    with open(out, "w") as f:
        f.write(envtext.replace("@TABLE@", table))
    with open(os.path.join(os.path.dirname(rows) or ".", "summary.json"), "w") as f:
        json.dump(data, f, indent=1)
    print(table)


def main(a):
    if not a:
        sys.exit(__doc__)
    cmd, a = a[0], a[1:]
    if cmd == "merge" and len(a) >= 2:
        merge(a[0], a[1:])
    elif cmd == "pair" and 5 <= len(a) <= 7:
        pair(*a)
    elif cmd == "text" and len(a) == 5:
        add(a[0], {"row": a[1], "urun": a[2], "peer": a[3], "ratio": a[4]})
    elif cmd == "rss" and 5 <= len(a) <= 7:
        rss(*a)
    elif cmd == "iperf" and 4 <= len(a) <= 5:
        iperf(*a)
    elif cmd == "render" and len(a) == 3:
        render(*a)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
