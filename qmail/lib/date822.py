"""RFC 822 dates as qmail writes them (date822fmt.c): always UTC, zone ``-0000``."""

from __future__ import annotations

import time

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date822fmt(t: float | None = None) -> str:
    """``26 Sep 1995 04:46:54 -0000`` (no trailing newline)."""
    tm = time.gmtime(time.time() if t is None else t)
    return (f"{tm.tm_mday} {MONTHS[tm.tm_mon - 1]} {tm.tm_year} "
            f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} -0000")
