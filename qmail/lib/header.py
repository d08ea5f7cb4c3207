"""Header fields of a mail message (hfield.c, headerbody.c).

``known`` names the fields qmail treats specially, ``valid`` says whether a line
can start a header field at all, and ``headerbody`` splits a message read from
a descriptor into header fields (continuation lines joined) and body, with
qmail's tolerance: an mbox ``From `` line becomes an ``MBOX-Line:`` field, a
line that is not a field ends the header as if a blank line preceded it, and a
last line without a newline gets one.
"""

from __future__ import annotations

import os
TYPE_CHECKING = False  # typing costs 11 ms to import: annotations only
if TYPE_CHECKING:
    from typing import Callable

H_SENDER = 1
H_FROM = 2
H_REPLYTO = 3
H_TO = 4
H_CC = 5
H_BCC = 6
H_DATE = 7
H_MESSAGEID = 8
H_SUBJECT = 9
H_R_SENDER = 10
H_R_FROM = 11
H_R_REPLYTO = 12
H_R_TO = 13
H_R_CC = 14
H_R_BCC = 15
H_R_DATE = 16
H_R_MESSAGEID = 17
H_RETURNRECEIPTTO = 18
H_ERRORSTO = 19
H_APPARENTLYTO = 20
H_RECEIVED = 21
H_RETURNPATH = 22
H_DELIVEREDTO = 23
H_CONTENTLENGTH = 24
H_CONTENTTYPE = 25
H_CONTENTTRANSFERENCODING = 26
H_NOTICEREQUESTEDUPONDELIVERYTO = 27
H_MAILFOLLOWUPTO = 28
H_NUM = 29

NAMES = (b"sender", b"from", b"reply-to", b"to", b"cc", b"bcc", b"date",
         b"message-id", b"subject", b"resent-sender", b"resent-from",
         b"resent-reply-to", b"resent-to", b"resent-cc", b"resent-bcc",
         b"resent-date", b"resent-message-id", b"return-receipt-to",
         b"errors-to", b"apparently-to", b"received", b"return-path",
         b"delivered-to", b"content-length", b"content-type",
         b"content-transfer-encoding", b"notice-requested-upon-delivery-to",
         b"mail-followup-to")
_CODE = {name: i + 1 for i, name in enumerate(NAMES)}


def _name_end(field: bytes) -> int:
    """Length of the field name (before blanks and the colon); -1 without a colon."""
    colon = field.find(b":")
    if colon < 0:
        return -1
    while colon and field[colon - 1] in (0x20, 0x09):
        colon -= 1
    return colon


def known(field: bytes) -> int:
    """H_* code of the field's name (any case), 0 for other fields."""
    end = _name_end(field)
    if end <= 0:
        return 0
    return _CODE.get(field[:end].lower(), 0)


def valid(field: bytes) -> bool:
    """A non-empty name of printable non-blank ASCII before the colon."""
    end = _name_end(field)
    if end <= 0:
        return False
    for c in field[:end]:
        if c <= 32 or c >= 127:
            return False
    return True


def skipname(field: bytes) -> int:
    """Offset of the field's contents: after the colon and any whitespace."""
    i = field.find(b":")
    if i < 0:
        return len(field)
    i += 1
    n = len(field)
    while i < n and field[i] in b"\t\n\r ":
        i += 1
    return i


class LineReader:
    """Lines from a descriptor, each ending in a newline (one is added at the end)."""

    def __init__(self, fd: int, bufsize: int = 65536) -> None:
        self.fd = fd
        self.bufsize = bufsize
        self.buf = bytearray()
        self.pos = 0
        self.eof = False

    def _fill(self) -> bool:
        """Read more; False at end of file.  OSError propagates (a read error)."""
        if self.eof:
            return False
        chunk = os.read(self.fd, self.bufsize)
        if not chunk:
            self.eof = True
            return False
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += chunk
        return True

    def getline(self) -> bytes | None:
        """Next line with its newline; None at end of file."""
        scan = self.pos
        while True:
            nl = self.buf.find(b"\n", scan)
            if nl >= 0:
                line = bytes(self.buf[self.pos:nl + 1])
                self.pos = nl + 1
                return line
            scan = len(self.buf) - self.pos  # offset already searched, kept across _fill
            if not self._fill():
                if self.pos >= len(self.buf):
                    return None
                line = bytes(self.buf[self.pos:]) + b"\n"
                self.buf = bytearray()
                self.pos = 0
                return line
            scan += self.pos

    def chunks(self):
        """The rest of the input in pieces; a last line gets its missing newline."""
        last = 0x0A
        rest = bytes(self.buf[self.pos:])
        self.buf = bytearray()
        self.pos = 0
        while True:
            if rest:
                last = rest[-1]
                yield rest
            if self.eof:
                break
            rest = os.read(self.fd, self.bufsize)
            if not rest:
                self.eof = True
                break
        if last != 0x0A:
            yield b"\n"


def headerbody(reader: LineReader, dohf: Callable[[bytes], None],
               hdone: Callable[[], None], dobl: Callable[[bytes], None]) -> None:
    """Feed header fields to ``dohf``, call ``hdone`` once, then the body to ``dobl``.

    The blank line ending the header goes to ``dobl``; when a non-field line
    ends it, ``dobl`` gets a blank line first.  A message without body gets no
    blank line.
    """
    parts: list[bytes] = []  # the field being collected: first line, continuations
    while True:
        nextline = reader.getline()
        if nextline is None:
            if parts:
                dohf(b"".join(parts))
            hdone()
            return
        if parts:
            if nextline[0] in (0x20, 0x09):
                parts.append(nextline)
                continue
            dohf(b"".join(parts))
        if len(nextline) == 1:
            hdone()
            dobl(nextline)
            break
        if nextline.startswith(b"From "):
            parts = [b"MBOX-Line: ", nextline]
        elif valid(nextline):
            parts = [nextline]
        else:
            hdone()
            dobl(b"\n")
            dobl(nextline)
            break
    for chunk in reader.chunks():
        dobl(chunk)
