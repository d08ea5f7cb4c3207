"""Queue file names (fmtqfn.c): ``dir/N`` or, for split directories, ``dir/N%split/N``."""

from __future__ import annotations

SPLIT_DIRS = ("mess", "info", "local", "remote")
FLAT_DIRS = ("todo", "intd", "bounce")


def fmtqfn(dirname: str, inode: int, split: int) -> str:
    """Name of message ``inode`` in queue directory ``dirname`` (relative to queue/).

    ``split`` is conf-split for split directories and 0 for flat ones.
    """
    if split:
        return f"{dirname}/{inode % split}/{inode}"
    return f"{dirname}/{inode}"


def qfn(dirname: str, inode: int, split: int) -> str:
    """fmtqfn choosing split or flat by the directory's kind."""
    return fmtqfn(dirname, inode, split if dirname in SPLIT_DIRS else 0)
