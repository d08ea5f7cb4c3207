"""The envelope codec of qmail-queue(8) and the intd/info/local/remote files.

On the wire: ``F<sender>\\0`` then ``T<recipient>\\0`` for each recipient, then an
extra ``\\0``.  Addresses are bytes: qmail is 8-bit clean.
"""

from __future__ import annotations

ADDR_MAX = 1003  # qmail-queue refuses longer addresses with exit 11


class EnvelopeError(ValueError):
    """The envelope is not in qmail-queue's format (qmail-queue exit 91)."""


class AddressTooLong(ValueError):
    """An address is ADDR_MAX bytes or longer (qmail-queue exit 11)."""


def encode(sender: bytes, recipients: list[bytes]) -> bytes:
    """Envelope bytes for qmail-queue's fd 1."""
    parts = [b"F", sender, b"\0"]
    for rcpt in recipients:
        parts += [b"T", rcpt, b"\0"]
    parts.append(b"\0")
    return b"".join(parts)


def decode(data: bytes) -> tuple[bytes, list[bytes]]:
    """(sender, recipients) from complete envelope bytes.

    Raises EnvelopeError for a malformed envelope, AddressTooLong for an overlong
    address and EOFError if the terminating extra NUL is missing.
    """
    if not data:
        raise EOFError("empty envelope")
    if data[:1] != b"F":
        raise EnvelopeError("envelope does not start with F")
    end = data.find(b"\0", 1)
    if end == -1:
        if len(data) - 1 >= ADDR_MAX:
            raise AddressTooLong("sender")
        raise EOFError("sender not terminated")
    sender = data[1:end]
    if len(sender) >= ADDR_MAX:
        raise AddressTooLong("sender")
    recipients = []
    pos = end + 1
    while True:
        if pos >= len(data):
            raise EOFError("no terminating NUL")
        tag = data[pos:pos + 1]
        if tag == b"\0":
            return sender, recipients
        if tag != b"T":
            raise EnvelopeError("recipient does not start with T")
        end = data.find(b"\0", pos + 1)
        if end == -1:
            if len(data) - pos - 1 >= ADDR_MAX:
                raise AddressTooLong("recipient")
            raise EOFError("recipient not terminated")
        rcpt = data[pos + 1:end]
        if len(rcpt) >= ADDR_MAX:
            raise AddressTooLong("recipient")
        recipients.append(rcpt)
        pos = end + 1


def parse_fields(data: bytes) -> list[bytes]:
    """Split a queue info/intd/local/remote file into its NUL-terminated fields.

    Each field keeps its leading type letter (``u``, ``p``, ``F``, ``T``, ``D``).
    A trailing unterminated fragment (a crash mid-write) is dropped.
    """
    fields = data.split(b"\0")
    return [f for f in fields[:-1] if f]
