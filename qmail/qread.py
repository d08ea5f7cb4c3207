"""qmail-qread: list the queued messages and their recipients (qmail-qread(8)).

Only messages qmail-send has preprocessed are listed: those with an info
file (INTERNALS state S5); messages still in todo/ are qmail-qstat's business.
For each one a summary line gives the time qmail-send wrote the info file (its
mtime, in GMT), the message number, the size of mess/ and the envelope sender;
then one line per recipient from the local/ and remote/ files, "done" in front
of those already delivered or bounced.  Problems with one message are reported on stdout and the scan goes
on; only a queue directory that cannot be entered or listed is fatal.
"""

from __future__ import annotations

import _signal
import errno
import os
import time

from qmail.lib.errstr import error_str
from qmail.lib.envelope import parse_fields
from qmail.lib.outbuf import Output
from qmail.lib.qfn import fmtqfn

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CHANNELS = ((b"local", b"\tlocal\t"), (b"remote", b"\tremote\t"))
NS = 1_000_000_000

# qmail-qread shows only printable ASCII; every other byte becomes '_'.
_PRINTABLE = bytes(c if 32 <= c <= 126 else ord("_") for c in range(256))

out = Output(1)


class NoMemory(Exception):
    """A read failed: qmail's getln cannot tell that from lack of memory."""


def die(code: int) -> None:
    """Flush what has been listed so far and leave."""
    out.flush()
    os._exit(code)


def warn(prefix: str, err: OSError) -> None:
    """``prefix: <qmail's error text>`` on stdout, where qmail-qread reports trouble."""
    out.puts(f"{prefix}: {error_str(err.errno)}\n")


def trouble(inode: int, err: OSError) -> None:
    """The message cannot be shown completely; say so and carry on."""
    warn(f"warning: trouble with #{inode}", err)


def read_fd(fd: int) -> bytes:
    """Whole contents of an open file; read errors become NoMemory."""
    chunks = []
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    except OSError:
        raise NoMemory from None


def gmt(seconds: int) -> bytes:
    """qmail's date822fmt without its zone, then GMT: 26 Sep 1995 04:46:54 GMT."""
    t = time.gmtime(seconds)
    return (f"{t.tm_mday} {MONTHS[t.tm_mon - 1]} {t.tm_year} "
            f"{t.tm_hour:02}:{t.tm_min:02}:{t.tm_sec:02} GMT").encode()


def summary(qtime: int, inode: int, size: int, sender: bytes, bouncing: bool) -> bytes:
    """The message's first line, unprintable bytes masked."""
    line = b"%s  #%d  %d  <%s> " % (gmt(qtime), inode, size, sender)
    if bouncing:
        line += b" bouncing"
    return line.translate(_PRINTABLE) + b"\n"


def read_info(inode: int, split: int) -> tuple[bytes, int] | None:
    """(sender, queue time) from info/; None after reporting trouble."""
    try:
        fd = os.open(fmtqfn("info", inode, split), os.O_RDONLY)
    except OSError as e:
        trouble(inode, e)
        return None
    try:
        data = read_fd(fd)
        qtime = os.fstat(fd).st_mtime_ns // NS
    except OSError as e:
        trouble(inode, e)
        return None
    finally:
        os.close(fd)
    first = data.split(b"\0", 1)[0]
    return first[1:], qtime  # skip the F


def show_channel(inode: int, split: int, name: bytes, label: bytes) -> None:
    """One line per recipient of a local/ or remote/ file, if it exists."""
    try:
        fd = os.open(fmtqfn(name.decode(), inode, split), os.O_RDONLY)
    except OSError as e:
        if e.errno != errno.ENOENT:
            trouble(inode, e)
        return
    try:
        data = read_fd(fd)
    finally:
        os.close(fd)
    for field in parse_fields(data):
        kind = field[:1]
        if kind == b"D":
            out.put(b"  done")
        elif kind != b"T":
            continue
        out.put(label + field[1:].translate(_PRINTABLE) + b"\n")


def show(inode: int, split: int) -> None:
    """Everything qmail-qread prints about one message."""
    try:
        size = os.stat(fmtqfn("mess", inode, split)).st_size
    except OSError as e:
        trouble(inode, e)
        return
    try:
        os.stat(fmtqfn("bounce", inode, 0))
        bouncing = True
    except OSError:
        bouncing = False
    info = read_info(inode, split)
    if info is None:
        return
    sender, qtime = info
    out.put(summary(qtime, inode, size, sender, bouncing))
    for name, label in CHANNELS:
        show_channel(inode, split, name, label)


def messages(subdir: str) -> list[int]:
    """Message numbers in one info/ subdirectory, in directory order.

    Names that are not all digits are not qmail's and are passed over.  A
    subdirectory that cannot be listed ends the scan, as in readsubdir.c.
    """
    try:
        names = os.listdir(subdir.encode())
    except OSError as e:
        warn(f"fatal: unable to opendir {subdir}", e)
        die(111)
    return [int(name) for name in names if name.isdigit()]


def main() -> None:
    from qmail import auto

    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)  # die quietly in `| head`, as C does
    try:
        os.chdir(auto.QMAIL)
        os.chdir("queue")
    except OSError as e:
        warn("fatal: unable to chdir", e)
        die(111)
    try:
        for pos in range(auto.SPLIT):
            for inode in messages(f"info/{pos}"):
                show(inode, auto.SPLIT)
    except NoMemory:
        out.puts("fatal: out of memory\n")
        die(111)
    die(0)

