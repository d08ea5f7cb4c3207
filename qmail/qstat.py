"""qmail-qstat: how many messages the queue holds (qmail-qstat(8)).

qmail's version is a shell script counting, with find(1), the regular files
below queue/mess/* (every message, whatever its state) and below queue/todo
(messages qmail-send has not preprocessed yet).  This counts the same files
the same way: symbolic links are not followed or counted, names starting with
a dot directly in mess/ are left out (the shell glob skips them), and a
directory that cannot be read is reported on stderr as find reports it while
the count goes on with what could be read.
"""

from __future__ import annotations

import _signal
import os
import stat

from qmail.lib.fd import write_all


def complain(path: str, err: OSError) -> None:
    """find(1)'s message for an unreadable path, in the C locale qmail runs in."""
    try:
        write_all(2, f"find: '{path}': {os.strerror(err.errno or 0)}\n".encode(
            "utf-8", "surrogateescape"))
    except OSError:
        pass


def count_files(path: str) -> int:
    """Regular files at or below ``path``, as `find path -type f | wc -l` counts them."""
    try:
        st = os.lstat(path)
    except OSError as e:
        complain(path, e)
        return 0
    if not stat.S_ISDIR(st.st_mode):
        return 1 if stat.S_ISREG(st.st_mode) else 0
    total = 0
    stack = [path]
    while stack:
        top = stack.pop()
        try:
            with os.scandir(top) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        total += 1
        except OSError as e:
            complain(top, e)
    return total


def count_mess(queue: str) -> int:
    """Files below every queue/mess/* entry; a glob matching nothing stays literal."""
    mess = f"{queue}/mess"
    try:
        names = sorted(n for n in os.listdir(mess) if not n.startswith("."))
    except OSError:
        names = []
    if not names:
        return count_files(f"{mess}/*")
    return sum(count_files(f"{mess}/{name}") for name in names)


def main() -> None:
    from qmail import auto

    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)  # as the shell's echo would die
    queue = f"{auto.QMAIL}/queue"
    messfiles = count_mess(queue)
    todofiles = count_files(f"{queue}/todo")
    write_all(1, (f"messages in queue: {messfiles}\n"
                  f"messages in queue but not yet preprocessed: {todofiles}\n").encode())
    os._exit(0)
