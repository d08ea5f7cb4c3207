"""qmail-queue: put one message into the queue (qmail-queue(8), INTERNALS S1-S2).

fd 0 carries the message, fd 1 the envelope.  The message goes to pid/ then is
linked to mess/ (named by its inode), fsynced, the envelope goes to intd/,
fsynced, and linking intd to todo/ is the promise: after that qmail-send owns it.
Any failure before that point removes what was made and exits with the man
page's code; qmail-queue prints nothing.
"""

from __future__ import annotations

# Runs once per message: no signal (it imports enum) and no os (about 1 ms of imports);
# posix is the builtin core os is made of.
import _signal
import posix as os
import sys
import time

from qmail.lib import envelope
from qmail.lib.qfn import fmtqfn
from qmail.lib.received import queue_received
from qmail.lib.trigger import triggerpull

DEATH = 86400  # 24 hours; below qmail-send's 36-hour OSSIFIED
CHUNK = 65536


class Exit(Exception):
    """Leave with qmail-queue exit code ``code`` (after cleanup if ``clean``)."""

    def __init__(self, code: int, clean: bool = True) -> None:
        super().__init__(code)
        self.code = code
        self.clean = clean


class Injection:
    """The files one run of qmail-queue has made, so a failure can remove them."""

    def __init__(self, split: int) -> None:
        self.split = split
        self.made: list[tuple[str, int]] = []  # (path, fd) to truncate and unlink

    def cleanup(self) -> None:
        """Undo in reverse order; stop at the first unlink failure, as qmail does."""
        for path, fd in reversed(self.made):
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            try:
                os.unlink(path)
            except OSError:
                return

    def open_pid(self, pid: int, start: int) -> tuple[str, int]:
        for seq in range(1, 10):
            path = f"pid/{pid}.{start}.{seq}"
            try:
                return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except OSError:
                continue
        raise Exit(63)

    def write_message(self, received: bytes, pid: int, start: int) -> int:
        """Steps pid → mess: returns the message number (the inode)."""
        pidfn, fd = self.open_pid(pid, start)
        self.made.append((pidfn, fd))
        try:
            inode = os.fstat(fd).st_ino
        except OSError:
            raise Exit(63)
        messfn = fmtqfn("mess", inode, self.split)
        try:
            os.link(pidfn, messfn)
        except OSError:
            raise Exit(64)
        self.made[-1] = (messfn, fd)
        try:
            os.unlink(pidfn)
        except OSError:
            raise Exit(63)
        put(fd, received)
        copy_message(0, fd)
        try:
            os.fsync(fd)
        except OSError:
            raise Exit(53)
        return inode

    def write_envelope(self, inode: int, uid: int, pid: int) -> None:
        """Steps intd → todo: the envelope, fsynced, then the link that commits."""
        intdfn = fmtqfn("intd", inode, 0)
        try:
            fd = os.open(intdfn, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError:
            raise Exit(65)
        self.made.append((intdfn, fd))
        put(fd, b"u%d\0p%d\0" % (uid, pid) + read_envelope(1))
        try:
            os.fsync(fd)
        except OSError:
            raise Exit(53)
        try:
            os.link(intdfn, fmtqfn("todo", inode, 0))
        except OSError:
            raise Exit(66)


def put(fd: int, data: bytes) -> None:
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        raise Exit(53)


def copy_message(src: int, dst: int) -> None:
    while True:
        try:
            chunk = os.read(src, CHUNK)
        except OSError:
            raise Exit(54)
        if not chunk:
            return
        put(dst, chunk)


def read_envelope(fd: int) -> bytes:
    """The envelope as stored in intd/: fields up to, not including, the final NUL.

    Exit 91 for a missing F or T, 11 for an address of ADDR_MAX bytes or more,
    54 for end of file before the terminating NUL.
    """
    data = bytearray()
    complete_possible = False
    while True:
        if complete_possible:
            try:
                sender, recipients = envelope.decode(bytes(data))
                return envelope.encode(sender, recipients)[:-1]
            except envelope.EnvelopeError:
                raise Exit(91)
            except envelope.AddressTooLong:
                raise Exit(11)
            except EOFError:
                pass
        try:
            chunk = os.read(fd, CHUNK)
        except OSError:
            raise Exit(54)
        if not chunk:
            if not complete_possible:  # one last look: 91 or 11 before 54, as qmail orders them
                complete_possible = True
                continue
            raise Exit(54)
        # Every complete envelope ends in two NULs; parse only when that may have
        # arrived, so a large envelope is parsed once, not once per read.
        complete_possible = b"\0\0" in data[-1:] + chunk
        data += chunk


def on_alarm(signum: int, frame: object) -> None:
    os._exit(52)  # thou shalt not clean up here: the disk may be what hangs


def main() -> None:
    from qmail import auto

    os.umask(0o033)
    try:
        os.chdir(auto.QMAIL)
    except OSError:
        os._exit(61)
    try:
        os.chdir("queue")
    except OSError:
        os._exit(62)
    pid = os.getpid()
    uid = os.getuid()
    start = int(time.time())
    received = queue_received(pid, uid, auto.UIDA, auto.UIDD, auto.UIDS, start)
    for sig in (_signal.SIGVTALRM, _signal.SIGPROF, _signal.SIGQUIT, _signal.SIGINT,
                _signal.SIGHUP, _signal.SIGXCPU, _signal.SIGXFSZ):
        _signal.signal(sig, _signal.SIG_IGN)
    _signal.signal(_signal.SIGALRM, on_alarm)
    _signal.alarm(DEATH)

    job = Injection(auto.SPLIT)
    try:
        inode = job.write_message(received, pid, start)
        job.write_envelope(inode, uid, pid)
    except Exit as e:
        if e.clean:
            job.cleanup()
        os._exit(e.code)
    except BaseException:
        job.cleanup()
        os._exit(81)
    triggerpull()
    os._exit(0)


if __name__ == "__main__":
    main()
    sys.exit(0)
