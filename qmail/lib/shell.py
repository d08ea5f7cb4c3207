"""What /bin/sh says when a command cannot be run, for qmail's shell-script programs.

qmail ships datemail and mailsubj as /bin/sh scripts; our Python versions keep
the diagnostics and exit codes that Debian's sh (dash) gives when the command
they run is missing or not executable: "<script>: <line>: <what>: not found"
with 127, "...: Permission denied" with 126.
"""

from __future__ import annotations

import errno
import os
import sys


def exec_failure(err: OSError) -> tuple[bytes, int]:
    """(reason text, exit code) of the shell for a failed exec with ``err``."""
    if err.errno in (errno.ENOENT, errno.ENOTDIR):
        return b"not found", 127
    if err.errno == errno.EACCES:
        return b"Permission denied", 126
    return os.strerror(err.errno or 0).encode(), 2


def script_name() -> bytes:
    """$0 of the script: the name this program was invoked by."""
    return os.fsencode(sys.argv[0]) if sys.argv else b"sh"


def complain(line: int, text: bytes) -> None:
    """Print a shell diagnostic '<$0>: <line>: <text>' on stderr."""
    try:
        os.write(2, script_name() + b": " + str(line).encode() + b": " + text + b"\n")
    except OSError:
        pass
