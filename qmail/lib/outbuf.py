"""A buffered output descriptor in the manner of qmail's substdio on fd 1.

Report-style tools (qmail-qread, qmail-showctl) build many small pieces; one
os.write per piece would be slow, and like substdio a failed write is not
fatal by itself (a closed pipe kills the process through SIGPIPE, as it
kills qmail's C programs, once the caller restores SIGPIPE's default).
"""

from __future__ import annotations

import os

FLUSH_AT = 8192


class Output:
    """Bytes collected for ``fd`` and written in large chunks."""

    def __init__(self, fd: int = 1) -> None:
        self.fd = fd
        self.buf = bytearray()

    def put(self, data: bytes) -> None:
        """Append raw bytes, writing out once the buffer is large."""
        self.buf += data
        if len(self.buf) >= FLUSH_AT:
            self.flush()

    def puts(self, text: str) -> None:
        """Append text; latin-1 keeps every byte value a control file can hold."""
        self.put(text.encode("latin-1"))

    def flush(self) -> None:
        """Write everything buffered; errors are dropped, as substdio_flush callers do."""
        view = memoryview(self.buf)
        try:
            while view:
                view = view[os.write(self.fd, view):]
        except OSError:
            pass
        finally:
            view.release()
            self.buf.clear()
