"""mailsubj: send standard input as a message with a given subject to given people.

The quickest way to mail something from a script.  Like qmail's shell version
it writes "Subject: <subject>", "To: <recipients joined by spaces>" and an empty
line, then the body, into qmail-inject without options (so the To: line picks
the recipients), and exits with qmail-inject's code.  Quoting the subject and
recipients correctly for a header is the caller's job.
"""

from __future__ import annotations

import os
import sys
TYPE_CHECKING = False  # importing typing costs about 7 ms: annotations only
if TYPE_CHECKING:
    from typing import NoReturn

from qmail.lib.fd import fd_move, feed_pipe, restore_exec_signals, wait_exitcode
from qmail.lib.shell import complain, exec_failure

SHIFT_LINE = 4  # lines of qmail's generated script, for the shell's diagnostics
PIPE_LINE = 9


def header(subject: bytes, recipients: list[bytes]) -> bytes:
    """The two header lines and the separating blank line, as echo prints them."""
    to = b"".join(b" " + r for r in recipients)
    return b"Subject: " + subject + b"\nTo:" + to + b"\n\n"


def inject(path: bytes, rd: int, wr: int) -> NoReturn:
    """In the forked child: become qmail-inject reading the pipe."""
    os.close(wr)
    fd_move(0, rd)
    restore_exec_signals()
    try:
        os.execv(path, [path])
    except OSError as err:
        text, code = exec_failure(err)
        complain(PIPE_LINE, path + b": " + text)
        os._exit(code)
    os._exit(127)


def main() -> None:
    from qmail import auto

    args = [os.fsencode(a) for a in sys.argv[1:]]
    if not args:
        complain(SHIFT_LINE, b"shift: can't shift that many")
        os._exit(2)
    path = os.fsencode(auto.QMAIL) + b"/bin/qmail-inject"
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        inject(path, rd, wr)
    os.close(rd)
    feed_pipe(wr, header(args[0], args[1:]))
    os.close(wr)
    crashed, code = wait_exitcode(pid)
    os._exit(128 + code if crashed else code)
