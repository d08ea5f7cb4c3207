"""Talking to qmail-queue the way qmail.c does (used by every program that queues mail).

The program run is ``$QMAILQUEUE`` if set, else ``bin/qmail-queue``, started in the
qmail home with the message on fd 0, the envelope on fd 1 and fd 6 open for a
custom error text (exit 82).  ``close`` returns qmail's status string: empty on
success, else a text starting with ``Z`` (temporary) or ``D`` (permanent).
"""

from __future__ import annotations

import os

from qmail.lib import fd as fdlib

# qmail.c's answers for qmail-queue's exit codes.
EXIT_TEXTS = {
    11: "Denvelope address too long for qq (#5.1.3)",
    115: "Denvelope address too long for qq (#5.1.3)",
    31: "Dmail server permanently rejected message (#5.3.0)",
    51: "Zqq out of memory (#4.3.0)",
    52: "Zqq timeout (#4.3.0)",
    53: "Zqq write error or disk full (#4.3.0)",
    54: "Zqq read error (#4.3.0)",
    55: "Zqq unable to read configuration (#4.3.0)",
    56: "Zqq trouble making network connection (#4.3.0)",
    61: "Zqq trouble in home directory (#4.3.0)",
    62: "Zqq trouble creating files in queue (#4.3.0)",
    63: "Zqq trouble creating files in queue (#4.3.0)",
    64: "Zqq trouble creating files in queue (#4.3.0)",
    65: "Zqq trouble creating files in queue (#4.3.0)",
    66: "Zqq trouble creating files in queue (#4.3.0)",
    71: "Zmail server temporarily rejected message (#4.3.0)",
    72: "Zconnection to mail server timed out (#4.4.1)",
    73: "Zconnection to mail server rejected (#4.4.1)",
    74: "Zcommunication with mail server failed (#4.4.2)",
    81: "Zqq internal bug (#4.3.0)",
    91: "Zqq internal bug (#4.3.0)",
    120: "Zunable to exec qq (#4.3.0)",
}


def status_text(exitcode: int, errstr: bytes, flagerr: bool) -> str:
    """Map qmail-queue's exit code (and fd 6 text for 82) to qmail.c's status string."""
    if exitcode == 0:
        return "Zqq read error (#4.3.0)" if flagerr else ""
    if exitcode in EXIT_TEXTS:
        return EXIT_TEXTS[exitcode]
    if exitcode == 82 and len(errstr) > 2:
        return errstr.decode("latin-1")
    if 11 <= exitcode <= 40:
        return "Dqq permanent problem (#5.3.0)"
    return "Zqq temporary problem (#4.3.0)"


class QmailQueue:
    """One message being handed to qmail-queue (qmail_open ... qmail_close)."""

    BUFSIZE = 65536

    def __init__(self, home: str, program: str | None = None) -> None:
        if program is None:
            program = os.environ.get("QMAILQUEUE") or "bin/qmail-queue"
        mess_r, mess_w = os.pipe()
        env_r, env_w = os.pipe()
        err_r, err_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            self._child(home, program, mess_r, env_r, err_w, (mess_w, env_w, err_r))
        os.close(mess_r)
        os.close(env_r)
        os.close(err_w)
        self._fd = mess_w
        self._envfd = env_w
        self._errfd = err_r
        self._buf = bytearray()
        self.flagerr = False

    @staticmethod
    def _child(home: str, program: str, mess: int, env: int, err: int,
               parent_ends: tuple[int, ...]) -> None:
        try:
            for fd in parent_ends:
                os.close(fd)
            fdlib.fd_move(0, mess)
            fdlib.fd_move(1, env)
            fdlib.fd_move(6, err)
        except OSError:
            os._exit(120)
        try:
            os.chdir(home)
        except OSError:
            os._exit(61)
        fdlib.restore_exec_signals()
        try:
            os.execv(program, [program])
        except OSError:
            pass
        os._exit(120)

    def pid_of_queue(self) -> int:
        """qmail_qp: the pid qmail-smtpd reports in ``250 ok ... qp N``."""
        return self.pid

    def fail(self) -> None:
        """qmail_fail: abort this message; close will report a failure."""
        self.flagerr = True

    def _flush(self) -> None:
        if self._buf and not self.flagerr:
            try:
                fdlib.write_all(self._fd, self._buf)
            except OSError:
                self.flagerr = True
        self._buf.clear()

    def put(self, data: bytes) -> None:
        if self.flagerr:
            return
        self._buf += data
        if len(self._buf) >= self.BUFSIZE:
            self._flush()

    def from_(self, sender: bytes) -> None:
        """End the message and start the envelope with the sender."""
        self._flush()
        os.close(self._fd)
        self._fd = self._envfd
        self.put(b"F" + sender + b"\0")

    def to(self, recipient: bytes) -> None:
        self.put(b"T" + recipient + b"\0")

    def close(self) -> str:
        """Finish the envelope, wait for qmail-queue; '' on success, else Z/D text."""
        self.put(b"\0")
        self._flush()
        os.close(self._fd)
        errstr = b""
        try:
            while len(errstr) < 255:
                chunk = os.read(self._errfd, 255 - len(errstr))
                if not chunk:
                    break
                errstr += chunk
        except OSError:
            pass
        os.close(self._errfd)
        try:
            crashed, code = fdlib.wait_exitcode(self.pid)
        except ChildProcessError:
            return "Zqq waitpid surprise (#4.3.0)"
        if crashed:
            return "Zqq crashed (#4.3.0)"
        return status_text(code, errstr, self.flagerr)
