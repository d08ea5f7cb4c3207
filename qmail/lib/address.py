"""Address quoting of addresses(5) (quote.c) and small address helpers.

``quote`` turns an envelope local part into its RFC 821/822 form with as little
quoting as possible; ``quote2`` does it for a whole ``local@domain`` address.
"""

from __future__ import annotations

# Bytes that may appear unquoted in a local part (quote.c's table).
_ATOM_OK = frozenset(b"!#$%&'*+-./0123456789=?ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`"
                     b"abcdefghijklmnopqrstuvwxyz{|}~")


def quote_need(local: bytes) -> bool:
    if not local:
        return True
    if any(c not in _ATOM_OK for c in local):
        return True
    return local.startswith(b".") or local.endswith(b".") or b".." in local


def quote(local: bytes) -> bytes:
    """``local`` unchanged if it is a dot-atom, else in double quotes with escapes."""
    if not quote_need(local):
        return local
    out = bytearray(b'"')
    for c in local:
        if c in b'\r\n"\\':
            out.append(0x5C)
        out.append(c)
    out.append(0x22)
    return bytes(out)


def quote2(addr: bytes) -> bytes:
    """Quote the part before the last ``@``; the empty address stays empty."""
    if not addr:
        return addr
    at = addr.rfind(b"@")
    if at == -1:
        return quote(addr)
    return quote(addr[:at]) + addr[at:]


def split(addr: bytes) -> tuple[bytes, bytes | None]:
    """(local, domain) at the last ``@``; domain None when there is no ``@``."""
    at = addr.rfind(b"@")
    if at == -1:
        return addr, None
    return addr[:at], addr[at + 1:]
