"""Locks (lock_ex.c: flock on Linux) and the trigger FIFO (triggerpull.c)."""

from __future__ import annotations

import fcntl
import os


def lock_ex(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_EX)


def lock_exnb(fd: int) -> bool:
    """Try to take the lock; False if someone else holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def lock_un(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)


def triggerpull(path: str = "lock/trigger") -> None:
    """Wake qmail-send: one byte into its FIFO, never blocking, failures ignored."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return
    try:
        os.write(fd, b"\0")
    except OSError:
        pass
    finally:
        os.close(fd)
