#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# on-pty.py CMD [ARG...]: run CMD with a new pseudo-terminal (33 rows, 77
# columns) as its controlling terminal and stdio, as a user's shell would;
# print what it wrote (CR removed), then "restored RC" or "NOT-restored RC"
# saying whether CMD left the terminal's settings as it found them.
import fcntl
import os
import pty
import struct
import sys
import termios

pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 77, 0, 0))
    before = termios.tcgetattr(0)
    rc = os.spawnv(os.P_WAIT, sys.argv[1], sys.argv[1:])
    after = termios.tcgetattr(0)
    print("restored" if before == after else "NOT-restored", rc)
    # os._exit skips Python's exit handlers: flush by hand, or the line is
    # lost whenever stdout is a pipe (block-buffered) rather than a tty.
    sys.stdout.flush()
    os._exit(0)
out = b""
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
os.waitpid(pid, 0)
print(out.decode().replace("\r", ""), flush=True)
