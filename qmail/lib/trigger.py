"""The trigger FIFO qmail-send listens on (triggerpull.c).

Uses ``posix`` rather than ``os``: qmail-queue runs once per message and
importing ``os`` would cost it about a millisecond.
"""

from __future__ import annotations

import posix


def triggerpull(path: str = "lock/trigger") -> None:
    """Wake qmail-send: one byte into its FIFO, never blocking, failures ignored."""
    try:
        fd = posix.open(path, posix.O_WRONLY | posix.O_NONBLOCK)
    except OSError:
        return
    try:
        posix.write(fd, b"\0")
    except OSError:
        pass
    finally:
        posix.close(fd)
