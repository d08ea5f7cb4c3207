"""Control files with qmail-control(5) semantics.

Paths are relative to the current directory: like qmail, every program first
changes to the qmail home.  Contents are returned as ``str`` decoded with
latin-1, so every byte of the file survives a round trip through ``encode``.
"""

from __future__ import annotations

import errno

_me: str | None = None


def _read(fn: str) -> bytes | None:
    """Whole file, or None if it does not exist; other errors propagate."""
    try:
        with open(fn, "rb") as f:
            return f.read()
    except OSError as e:
        if e.errno == errno.ENOENT:
            return None
        raise


def _strip(line: bytes) -> str:
    """qmail strips trailing spaces, tabs and newlines, nothing else."""
    return line.rstrip(b" \t\n").decode("latin-1")


def init() -> str | None:
    """Read control/me, which supplies defaults for other files; returns it."""
    global _me
    _me = readline("control/me")
    return _me


def me() -> str | None:
    return _me


def readline(fn: str) -> str | None:
    """First line of ``fn`` without trailing whitespace; None if missing."""
    data = _read(fn)
    if data is None:
        return None
    return _strip(data.split(b"\n", 1)[0])


def rldef(fn: str, flagme: bool = False, default: str | None = None) -> str | None:
    """readline with qmail's fallbacks: control/me (if flagme), then ``default``."""
    value = readline(fn)
    if value is not None:
        return value
    if flagme and _me is not None:
        return _me
    return default


def readint(fn: str, default: int) -> int:
    """Leading decimal digits of the first line; ``default`` if missing or not a number."""
    line = readline(fn)
    if line is None:
        return default
    digits = 0
    while digits < len(line) and "0" <= line[digits] <= "9":
        digits += 1
    if not digits:
        return default
    return int(line[:digits])


def readfile(fn: str, flagme: bool = False) -> list[str] | None:
    """Every line, stripped, skipping blank lines and ``#`` comments.

    A missing file gives ``[me]`` when ``flagme`` and control/me exist, else None.
    """
    data = _read(fn)
    if data is None:
        if flagme and _me is not None:
            return [_me]
        return None
    lines = []
    for raw in data.split(b"\n"):
        line = _strip(raw)
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def readraw(fn: str) -> str | None:
    """Whole file as text (for files such as smtpgreeting read verbatim)."""
    data = _read(fn)
    return None if data is None else data.decode("latin-1")
