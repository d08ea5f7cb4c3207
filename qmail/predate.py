"""predate: run a program with a Date: line in front of its standard input.

Mail user agents that hand sendmail a message without a Date: field get one in
qmail-inject's UTC form; wrapping the command with predate stamps the message in
local time with a numeric zone instead, the way the sender's clock read it.
The child's exit code becomes predate's.
"""

from __future__ import annotations

import os
import sys
import time
TYPE_CHECKING = False  # importing typing costs about 7 ms: annotations only
if TYPE_CHECKING:
    from typing import NoReturn

from qmail.lib.fd import fd_move, feed_pipe, restore_exec_signals, wait_exitcode

FATAL = b"predate: fatal: "
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def die(code: int, *parts: bytes) -> NoReturn:
    """strerr-style exit: the parts and a newline on stderr."""
    try:
        os.write(2, b"".join(parts) + b"\n")
    except OSError:
        pass
    os._exit(code)


def die_sys(code: int, what: bytes, err: OSError) -> NoReturn:
    from qmail.lib.errstr import error_str

    die(code, FATAL, what, error_str(err.errno).encode())


def date_line(now: int) -> bytes:
    """'Date: 5 Jan 2024 09:03:07 -0500' for ``now`` in the local time zone.

    The zone is the local-minus-UTC difference rounded to whole minutes; an
    offset of zero is written +0000.
    """
    tm = time.localtime(now)
    offset = tm.tm_gmtoff
    sign = "-" if offset < 0 else "+"
    minutes = (abs(offset) + 30) // 60
    return (f"Date: {tm.tm_mday} {MONTHS[tm.tm_mon - 1]} {tm.tm_year} "
            f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} "
            f"{sign}{minutes // 60:02d}{minutes % 60:02d}\n").encode()


def child(argv: list[bytes], rd: int, wr: int) -> NoReturn:
    """In the forked child: read the pipe as stdin and become the command."""
    try:
        os.close(wr)
        fd_move(0, rd)
    except OSError as err:
        die_sys(111, b"unable to set up fds: ", err)
    restore_exec_signals()
    try:
        os.execvp(argv[0], argv)
    except OSError as err:
        die_sys(111, b"unable to run " + argv[0] + b": ", err)
    os._exit(111)


def main() -> None:
    argv = [os.fsencode(a) for a in sys.argv[1:]]
    if not argv:
        die(100, b"predate: usage: predate child")
    try:
        rd, wr = os.pipe()
    except OSError as err:
        die_sys(111, b"unable to create pipe: ", err)
    try:
        pid = os.fork()
    except OSError as err:
        die_sys(111, b"unable to fork: ", err)
    if pid == 0:
        child(argv, rd, wr)
    os.close(rd)
    feed_pipe(wr, date_line(int(time.time())))
    os.close(wr)
    try:
        crashed, code = wait_exitcode(pid)
    except OSError as err:
        die_sys(111, b"wait failed: ", err)
    if crashed:
        die(111, FATAL, b"child crashed")
    os._exit(code)
