"""The Received lines qmail adds: qmail-queue's own and the SMTP/QMTP one (received.c)."""

from __future__ import annotations

from qmail.lib.date822 import date822fmt

_SAFE = frozenset(b".@%+/=:-[]"
                  b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def safe(s: bytes) -> bytes:
    """Replace every byte outside qmail's safe set by ``?`` (stops header injection)."""
    return bytes(c if c in _SAFE else 0x3F for c in s)


def queue_received(pid: int, uid: int, uid_alias: int, uid_daemon: int, uid_send: int,
                   t: float | None = None) -> bytes:
    """qmail-queue's line: who invoked it depends on the real uid of the caller."""
    if uid == uid_alias:
        who = "by alias"
    elif uid == uid_daemon:
        who = "from network"
    elif uid == uid_send:
        who = "for bounce"
    else:
        who = f"by uid {uid}"
    return f"Received: (qmail {pid} invoked {who}); {date822fmt(t)}\n".encode()


def smtp_received(protocol: str, local: bytes, remoteip: bytes, remotehost: bytes,
                  remoteinfo: bytes | None, helo: bytes | None,
                  t: float | None = None) -> bytes:
    """``Received: from HOST (HELO x) (info@ip)\\n  by LOCAL with PROTOCOL; DATE\\n``."""
    parts = [b"Received: from ", safe(remotehost)]
    if helo is not None:
        parts += [b" (HELO ", safe(helo), b")"]
    parts.append(b" (")
    if remoteinfo is not None:
        parts += [safe(remoteinfo), b"@"]
    parts += [safe(remoteip), b")\n  by ", safe(local), b" with ",
              protocol.encode(), b"; ", date822fmt(t).encode(), b"\n"]
    return b"".join(parts)
