"""Locks (lock_ex.c: flock on Linux)."""

from __future__ import annotations

import fcntl


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

