#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Peak memory of container launchers while their containers run.

  rss.py [-n N] [--pidfile TEMPLATE] -- COMMAND [ARG...]

Starts N copies of COMMAND at once ("{i}" in any argument or in TEMPLATE is
replaced by the copy's index), then samples /proc/PID/status every 10 ms until
every copy has exited, keeping the highest VmHWM (peak RSS) seen for each
launcher process: the process started here, plus, with --pidfile, the process
whose pid appears in TEMPLATE (podman's --conmon-pidfile: the monitor that
stays with a podman container). The container's own processes are not counted.
Prints JSON: n, wall_s, per-launcher peaks (KiB), their sum, max and median.
Exit status 1 if a copy failed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def hwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1)
    ap.add_argument("--pidfile")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        sys.exit(__doc__)
    procs, peaks, extra = [], {}, {}
    pidfiles = {i: a.pidfile.replace("{i}", str(i)) for i in range(a.n)} if a.pidfile else {}
    for f in pidfiles.values():  # stale files from an earlier run name dead pids
        try:
            os.unlink(f)
        except FileNotFoundError:
            pass
    t0 = time.monotonic()
    for i in range(a.n):
        argv = [c.replace("{i}", str(i)) for c in cmd]
        procs.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        peaks[i] = 0
    live = set(range(a.n))
    while live:
        for i in list(live):
            p = procs[i]
            v = hwm(p.pid)
            if v is not None:
                peaks[i] = max(peaks[i], v)
            if i in pidfiles:
                if i not in extra or extra[i][0] is None:
                    try:
                        with open(pidfiles[i]) as f:
                            extra[i] = [int(f.read().strip()), 0]
                    except (OSError, ValueError):
                        extra[i] = [None, 0]
                if extra[i][0] is not None:
                    v = hwm(extra[i][0])
                    if v is not None:
                        extra[i][1] = max(extra[i][1], v)
            if p.poll() is not None:
                live.discard(i)
        time.sleep(0.01)
    wall = time.monotonic() - t0
    failed = [i for i, p in enumerate(procs) if p.returncode != 0]
    per = [peaks[i] + (extra.get(i, [None, 0])[1]) for i in range(a.n)]
    out = {
        "n": a.n, "wall_s": round(wall, 3),
        "launcher_kib": [peaks[i] for i in range(a.n)],
        "monitor_kib": [extra.get(i, [None, 0])[1] for i in range(a.n)] if a.pidfile else None,
        "per_container_kib": per,
        "sum_kib": sum(per), "max_kib": max(per), "median_kib": statistics.median(per),
        "failed": len(failed),
    }
    if failed:
        err = procs[failed[0]].stderr.read().decode(errors="replace").strip().splitlines()
        out["error"] = err[-1] if err else "exit status %d" % procs[failed[0]].returncode
    for p in procs:
        p.stderr.close()
    json.dump(out, sys.stdout)
    print()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
