"""Error texts of qmail's error_str(): warnings must read exactly as qmail's.

qmail prints its own short descriptions rather than strerror(3); tools and
administrators grep for them ("file does not exist", "access denied", ...).
The first entry naming a given errno value wins, as in the C chain of tests
(on Linux EAGAIN and EWOULDBLOCK are the same number: "temporary failure").
"""

from __future__ import annotations

import errno

_TEXTS = (
    ("EINTR", "interrupted system call"),
    ("ENOMEM", "out of memory"),
    ("ENOENT", "file does not exist"),
    ("ETXTBSY", "text busy"),
    ("EIO", "input/output error"),
    ("EEXIST", "file already exists"),
    ("ETIMEDOUT", "timed out"),
    ("EINPROGRESS", "operation in progress"),
    ("EAGAIN", "temporary failure"),
    ("EWOULDBLOCK", "input/output would block"),
    ("EPIPE", "broken pipe"),
    ("EPERM", "permission denied"),
    ("EACCES", "access denied"),
    ("ESRCH", "no such process"),
    ("ENXIO", "device not configured"),
    ("E2BIG", "argument list too long"),
    ("ENOEXEC", "exec format error"),
    ("EBADF", "file descriptor not open"),
    ("ECHILD", "no child processes"),
    ("EDEADLK", "operation would cause deadlock"),
    ("EFAULT", "bad address"),
    ("ENOTBLK", "not a block device"),
    ("EBUSY", "device busy"),
    ("EXDEV", "cross-device link"),
    ("ENODEV", "device does not support operation"),
    ("ENOTDIR", "not a directory"),
    ("EISDIR", "is a directory"),
    ("EINVAL", "invalid argument"),
    ("ENFILE", "system cannot open more files"),
    ("EMFILE", "process cannot open more files"),
    ("ENOTTY", "not a tty"),
    ("EFBIG", "file too big"),
    ("ENOSPC", "out of disk space"),
    ("ESPIPE", "unseekable descriptor"),
    ("EROFS", "read-only file system"),
    ("EMLINK", "too many links"),
    ("EDOM", "input out of range"),
    ("ERANGE", "output out of range"),
    ("EALREADY", "operation already in progress"),
    ("ENOTSOCK", "not a socket"),
    ("EDESTADDRREQ", "destination address required"),
    ("EMSGSIZE", "message too long"),
    ("EPROTOTYPE", "incorrect protocol type"),
    ("ENOPROTOOPT", "protocol not available"),
    ("EPROTONOSUPPORT", "protocol not supported"),
    ("ESOCKTNOSUPPORT", "socket type not supported"),
    ("EOPNOTSUPP", "operation not supported"),
    ("EPFNOSUPPORT", "protocol family not supported"),
    ("EAFNOSUPPORT", "address family not supported"),
    ("EADDRINUSE", "address already used"),
    ("EADDRNOTAVAIL", "address not available"),
    ("ENETDOWN", "network down"),
    ("ENETUNREACH", "network unreachable"),
    ("ENETRESET", "network reset"),
    ("ECONNABORTED", "connection aborted"),
    ("ECONNRESET", "connection reset"),
    ("ENOBUFS", "out of buffer space"),
    ("EISCONN", "already connected"),
    ("ENOTCONN", "not connected"),
    ("ESHUTDOWN", "socket shut down"),
    ("ETOOMANYREFS", "too many references"),
    ("ECONNREFUSED", "connection refused"),
    ("ELOOP", "symbolic link loop"),
    ("ENAMETOOLONG", "file name too long"),
    ("EHOSTDOWN", "host down"),
    ("EHOSTUNREACH", "host unreachable"),
    ("ENOTEMPTY", "directory not empty"),
    ("EPROCLIM", "too many processes"),
    ("EUSERS", "too many users"),
    ("EDQUOT", "disk quota exceeded"),
    ("ESTALE", "stale NFS file handle"),
    ("EREMOTE", "too many levels of remote in path"),
    ("EBADRPC", "RPC structure is bad"),
    ("ERPCMISMATCH", "RPC version mismatch"),
    ("EPROGUNAVAIL", "RPC program unavailable"),
    ("EPROGMISMATCH", "program version mismatch"),
    ("EPROCUNAVAIL", "bad procedure for program"),
    ("ENOLCK", "no locks available"),
    ("ENOSYS", "system call not available"),
    ("EFTYPE", "bad file type"),
    ("EAUTH", "authentication error"),
    ("ENEEDAUTH", "not authenticated"),
    ("ENOSTR", "not a stream device"),
    ("ETIME", "timer expired"),
    ("ENOSR", "out of stream resources"),
    ("ENOMSG", "no message of desired type"),
    ("EBADMSG", "bad message type"),
    ("EIDRM", "identifier removed"),
    ("ENONET", "machine not on network"),
    ("ERREMOTE", "object not local"),
    ("ENOLINK", "link severed"),
    ("EADV", "advertise error"),
    ("ESRMNT", "srmount error"),
    ("ECOMM", "communication error"),
    ("EPROTO", "protocol error"),
    ("EMULTIHOP", "multihop attempted"),
    ("EREMCHG", "remote address changed"),
)

_BY_NUMBER: dict[int, str] = {0: "no error"}
for _name, _text in _TEXTS:
    _number = getattr(errno, _name, None)
    if _number is not None:
        _BY_NUMBER.setdefault(_number, _text)
del _name, _text, _number


def error_str(number: int | None) -> str:
    """qmail's description of errno ``number`` ("unknown error" if it has none)."""
    if number is None:  # an OSError raised without an errno
        return "unknown error"
    return _BY_NUMBER.get(number, "unknown error")
