"""File-descriptor and child-process helpers (fd_move.c, fd_copy.c, wait.h).

Python makes new descriptors close-on-exec and ignores SIGPIPE and SIGXFSZ; a
child about to exec another program must get qmail's defaults back.
"""

from __future__ import annotations

import _signal
import os


def fd_copy(to: int, frm: int) -> None:
    """Make ``to`` a copy of ``frm`` that survives exec."""
    if to != frm:
        os.dup2(frm, to, inheritable=True)
    else:
        os.set_inheritable(to, True)


def fd_move(to: int, frm: int) -> None:
    """fd_copy then close ``frm``."""
    if to == frm:
        os.set_inheritable(to, True)
        return
    os.dup2(frm, to, inheritable=True)
    os.close(frm)


def restore_exec_signals() -> None:
    """Give an exec'd program the default SIGPIPE/SIGXFSZ dispositions C programs expect."""
    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
    _signal.signal(_signal.SIGXFSZ, _signal.SIG_DFL)


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write every byte, retrying short writes."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def feed_pipe(wr: int, first: bytes, src: int = 0, bufsize: int = 65536) -> None:
    """Write ``first`` then copy ``src`` to ``wr``: the parent side of a filter that
    prepends lines (predate, mailsubj).  A reader that went away just ends the copy."""
    try:
        write_all(wr, first)
        while True:
            chunk = os.read(src, bufsize)
            if not chunk:
                return
            write_all(wr, chunk)
    except OSError:
        return


def read_all(fd: int, bufsize: int = 65536) -> bytes:
    """Everything up to end of file."""
    chunks = []
    while True:
        chunk = os.read(fd, bufsize)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def wait_exitcode(pid: int) -> tuple[bool, int]:
    """(crashed, exit code) of child ``pid``; crashed means killed by a signal."""
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return True, os.WTERMSIG(status)
    return False, os.WEXITSTATUS(status)
